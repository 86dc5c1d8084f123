"""The monthly depreciation run: what it charges, its totals, idempotency, refusals, the job and the schedule."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from qinjian.assets.choices import RunStatus
from qinjian.assets.models import Asset, DepreciationRun, DepreciationRunLine
from qinjian.assets.services.depreciation import (
    depreciation_backfill,
    depreciation_run,
    due_queryset,
    run_previous_month,
)
from qinjian.core import context
from qinjian.core.errors import Conflict, DomainError, ValidationFailed
from qinjian.core.models import ObjectChange
from qinjian.testing.factories import AssetFactory, _asset_class, make_user

D = datetime.date


def card(unit, value="7200.00", start=D(2024, 12, 1), life=72, code="A02010105", **kw):
    value = Decimal(value)
    return AssetFactory(unit=unit, asset_class=_asset_class(code), original_value=value, value_fiscal=value,
                        value_nonfiscal=Decimal("0"), acquired_on=start, booked_on=start, status_since=start,
                        depreciation_start=start, useful_life_months=life, **kw)


@pytest.fixture
def asset_admin(mini_city):
    return make_user("center_asset", mini_city.center)


@pytest.mark.django_db
def test_run_charges_the_month_and_writes_totals_per_unit_and_class(mini_city, asset_admin):
    a = card(mini_city.edu, "7200.00")
    b = card(mini_city.edu, "3600.00", code="A05010301", life=180)  # 20.00 a month
    c = card(mini_city.edu_school, "7200.00")
    gone = card(mini_city.edu_school, "7200.00", status="disposed", disposed_on=D(2024, 12, 20))  # 当月减少当月不计提
    later = card(mini_city.edu_school, "7200.00", start=D(2025, 1, 1))  # booked after the month
    relic = card(mini_city.edu, "5000.00", code="A03020100", life=None, depreciation_method="none")

    run = depreciation_run(month=D(2024, 12, 1), actor=asset_admin)

    assert run.status == RunStatus.DONE and run.asset_count == 3 and run.total_amount == Decimal("220.00")
    lines = {(ln.unit_id, ln.class_code): (ln.asset_count, ln.amount) for ln in run.lines.all()}
    assert lines == {(mini_city.edu.pk, "A02010105"): (1, Decimal("100.00")),
                     (mini_city.edu.pk, "A05010301"): (1, Decimal("20.00")),
                     (mini_city.edu_school.pk, "A02010105"): (1, Decimal("100.00"))}
    for obj, acc in ((a, "100.00"), (b, "20.00"), (c, "100.00"), (gone, "0"), (later, "0"), (relic, "0")):
        obj.refresh_from_db()
        assert obj.accumulated_depreciation == Decimal(acc), obj
    a.refresh_from_db()
    assert a.depreciated_through == D(2024, 12, 1) and a.net_value == Decimal("7100.00")

    run2 = depreciation_run(month="2025-01", actor=asset_admin)
    a.refresh_from_db()
    later.refresh_from_db()
    assert a.accumulated_depreciation == Decimal("200.00") and later.accumulated_depreciation == Decimal("100.00")
    assert run2.asset_count == 4 and run2.total_amount == Decimal("320.00")


@pytest.mark.django_db
def test_run_figures_match_hand_computed_ones_across_chunks(mini_city, asset_admin, monkeypatch):
    """March 2025, cards in several states, charged two ids at a time (so every path crosses chunk bounds)."""
    from qinjian.assets.services import depreciation as service

    monkeypatch.setattr(service, "CHUNK", 2)
    # 7,200.00 over 72 months = 100.00 a month; charged Dec + Jan so far; Feb was missed → Feb + Mar = 200.00
    missed = card(mini_city.edu, "7200.00", accumulated_depreciation=Decimal("200.00"), depreciated_through=D(2025, 1, 1))
    # 1,000.00 over 36 months = 27.78 (rounded up); 35 months charged = 972.30 → the last month takes 27.70
    last = card(mini_city.edu, "1000.00", start=D(2022, 4, 1), life=36, accumulated_depreciation=Decimal("972.30"),
                depreciated_through=D(2025, 2, 1))
    # imported with 500.00 already charged, depreciated here from March: 2,400.00 / 48 = 50.00 → 550.00
    imported = card(mini_city.edu, "2400.00", code="A05010301", start=D(2025, 3, 1), life=48,
                    opening_depreciation=Decimal("500.00"), accumulated_depreciation=Decimal("500.00"))
    # disposed in March: 当月减少当月不计提 — stays at Jan + Feb
    gone = card(mini_city.edu, "1200.00", start=D(2025, 1, 1), life=12, status="disposed", disposed_on=D(2025, 3, 15),
                accumulated_depreciation=Decimal("200.00"), depreciated_through=D(2025, 2, 1))
    # fully depreciated: not touched at all
    full = card(mini_city.edu, "3600.00", start=D(2015, 1, 1), accumulated_depreciation=Decimal("3600.00"),
                depreciated_through=D(2021, 12, 1))
    # another unit, booked in March: 3,600.00 / 72 = 50.00
    school = card(mini_city.edu_school, "3600.00", start=D(2025, 3, 1))
    full_stamp = Asset.objects.get(pk=full.pk).updated_at

    run = depreciation_run(month="2025-03", actor=asset_admin)

    expected = {missed: ("400.00", D(2025, 3, 1)), last: ("1000.00", D(2025, 3, 1)),
                imported: ("550.00", D(2025, 3, 1)), gone: ("200.00", D(2025, 2, 1)),
                full: ("3600.00", D(2021, 12, 1)), school: ("50.00", D(2025, 3, 1))}
    for obj, (acc, through) in expected.items():
        obj.refresh_from_db()
        assert (obj.accumulated_depreciation, obj.depreciated_through) == (Decimal(acc), through), obj
    assert full.updated_at == full_stamp
    assert (run.asset_count, run.total_amount) == (4, Decimal("327.70"))
    lines = {(ln.unit_id, ln.class_code): (ln.asset_count, ln.amount) for ln in run.lines.all()}
    assert lines == {(mini_city.edu.pk, "A02010105"): (2, Decimal("227.70")),
                     (mini_city.edu.pk, "A05010301"): (1, Decimal("50.00")),
                     (mini_city.edu_school.pk, "A02010105"): (1, Decimal("50.00"))}
    assert "4 项资产，合计 327.70 元" in run.message

    april = depreciation_run(month="2025-04", actor=asset_admin)  # a regular month: nothing left to make up
    assert (april.asset_count, april.total_amount) == (3, Decimal("200.00"))  # 100.00 + 50.00 + 50.00


@pytest.mark.django_db
def test_change_log_gets_one_record_for_the_run_not_one_per_card(mini_city, asset_admin):
    cards = [card(mini_city.edu) for _ in range(5)]
    asset_ct = ContentType.objects.get_for_model(Asset)
    before = ObjectChange.objects.filter(content_type=asset_ct).count()
    with context.acting(user=asset_admin, source="web"):
        run = depreciation_run(month=D(2024, 12, 1), actor=asset_admin)
    assert ObjectChange.objects.filter(content_type=asset_ct).count() == before
    records = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(DepreciationRun),
                                          object_id=str(run.pk))
    summary = records.exclude(message="").get()
    assert "5 项资产" in summary.message and "500.00" in summary.message
    assert all(c.pk for c in cards)


@pytest.mark.django_db
def test_same_month_twice_is_refused_and_changes_nothing(mini_city, asset_admin):
    a = card(mini_city.edu)
    depreciation_run(month=D(2024, 12, 1), actor=asset_admin)
    with pytest.raises(Conflict, match="已经计提过"):
        depreciation_run(month=D(2024, 12, 15), actor=asset_admin)
    a.refresh_from_db()
    assert a.accumulated_depreciation == Decimal("100.00")
    assert DepreciationRun.objects.count() == 1


@pytest.mark.django_db
def test_earlier_and_future_months_are_refused(mini_city, asset_admin):
    card(mini_city.edu)
    depreciation_run(month=D(2025, 2, 1), actor=asset_admin)
    with pytest.raises(Conflict, match="不能再计提更早"):
        depreciation_run(month=D(2025, 1, 1), actor=asset_admin)
    with pytest.raises(ValidationFailed, match="未来月份"):
        depreciation_run(month=D(2099, 1, 1), actor=asset_admin)
    with pytest.raises(ValidationFailed, match="格式"):
        depreciation_run(month="2025/13", actor=asset_admin)
    assert DepreciationRun.objects.count() == 1


@pytest.mark.django_db
def test_missed_months_are_made_up_and_full_depreciation_stops(mini_city, asset_admin):
    a = card(mini_city.edu, "7200.00", start=D(2024, 10, 1))
    full = card(mini_city.edu, "7200.00", start=D(2015, 1, 1), accumulated_depreciation=Decimal("7200.00"))
    run = depreciation_run(month=D(2024, 12, 1), actor=asset_admin)  # Oct, Nov never run: 补提
    a.refresh_from_db()
    full.refresh_from_db()
    assert a.accumulated_depreciation == Decimal("300.00") and run.total_amount == Decimal("300.00")
    assert full.accumulated_depreciation == Decimal("7200.00") and full.depreciated_through is None
    assert not due_queryset(D(2025, 1, 1)).filter(pk=full.pk).exists()


@pytest.mark.django_db
def test_backfill_sets_opening_balances_without_a_run(mini_city):
    a = card(mini_city.edu, "7200.00", start=D(2024, 1, 1))
    assert depreciation_backfill(through=D(2024, 12, 1)) == 1
    a.refresh_from_db()
    assert a.accumulated_depreciation == Decimal("1200.00") and a.depreciated_through == D(2024, 12, 1)
    assert not DepreciationRun.objects.exists()


@pytest.mark.django_db
def test_schedule_runs_the_previous_month_once(mini_city):
    card(mini_city.edu, start=D(2025, 1, 1))
    run = run_previous_month(today=D(2025, 3, 1))
    assert run is not None and run.month == D(2025, 2, 1) and run.total_amount == Decimal("200.00")
    assert run_previous_month(today=D(2025, 3, 1)) is None


@pytest.mark.django_db
def test_run_as_a_job_reports_progress_and_result(mini_city, asset_admin):
    from qinjian.assets.jobs import DEPRECIATION_JOB
    from qinjian.jobs.models import JobRun
    from qinjian.jobs.services import job_start

    card(mini_city.edu)
    with context.acting(user=asset_admin, source="web"):
        job = job_start(kind=DEPRECIATION_JOB, title="计提2024年12月折旧", user=asset_admin,
                        params={"month": "2024-12-01"})
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.message
    run = DepreciationRun.objects.get(month=D(2024, 12, 1))
    assert job.next_url == run.get_absolute_url() and "1 项资产" in job.message


def _race(month: datetime.date, actors: list[Any]) -> tuple[list[DepreciationRun], list[DomainError]]:
    barrier = threading.Barrier(len(actors))
    wins: list[DepreciationRun] = []
    losses: list[DomainError] = []
    unexpected: list[BaseException] = []

    def worker(actor: Any) -> None:
        try:
            with context.acting(user=actor, source="web"):
                barrier.wait(timeout=10)
                wins.append(depreciation_run(month=month, actor=actor))
        except DomainError as exc:
            losses.append(exc)
        except BaseException as exc:  # pragma: no cover - reported below
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert unexpected == []
    return wins, losses


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_of_the_same_month_at_once_make_one(mini_city):
    admins = [make_user("center_asset", mini_city.center) for _ in range(2)]
    cards = [card(mini_city.edu) for _ in range(30)]
    wins, losses = _race(D(2024, 12, 1), admins)
    assert len(wins) == 1 and len(losses) == 1
    assert "不能重复计提" in losses[0].message
    assert DepreciationRun.objects.count() == 1
    assert DepreciationRunLine.objects.get().amount == Decimal("3000.00")
    assert {a.accumulated_depreciation for a in Asset.objects.filter(pk__in=[c.pk for c in cards])} == {Decimal("100.00")}
