"""The demo city's asset ledgers: deterministic, realistic, consistent with the journal, idempotent, resettable."""

from __future__ import annotations

import csv
import datetime
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import F, Sum

from qinjian.assets.choices import ON_BOOKS_STATUSES, AssetStatus, EventKind, MovementKind
from qinjian.assets.models import Asset, AssetEvent, AssetMovement, DepreciationRun
from qinjian.assets.services import ledger
from qinjian.core.models import ObjectChange
from qinjian.demo.asset_plan import (
    AS_OF,
    DISPOSE,
    IDLE,
    LENT,
    PENDING,
    REVALUE,
    TRANSFER,
    Step,
    build_asset_plan,
    card_target,
)
from qinjian.demo.assets import _update_cards, _Writer
from qinjian.demo.build import build_city, reset_city
from qinjian.demo.plan import build_plan
from qinjian.testing.factories import AssetFactory, UnitFactory

CLASSES = Path(__file__).resolve().parents[2] / "standards" / "data" / "asset-classes-2022.csv"
SMALL = 300


def test_asset_plan_is_deterministic_and_city_sized():
    plan = build_plan()
    cards = build_asset_plan(plan)
    assert build_asset_plan(build_plan()) == cards
    assert 15_000 <= len(cards) <= 20_000
    people = Counter(p.unit for p in plan.people)
    per_unit = Counter(c.unit for c in cards)
    providers = {u.code for u in plan.units if u.unit_type == "provider"}
    assert set(per_unit) == {u.code for u in plan.units} - providers
    for unit, count in per_unit.items():
        assert 50 <= count <= 400 + 20, (unit, count)  # + the unit's buildings
        assert count >= min(card_target(people[unit]), 400) - 5, unit
    with CLASSES.open(encoding="utf-8") as fh:
        known = {row["code"] for row in csv.DictReader(fh)}
    assert {c.class_code for c in cards} <= known
    assert {c.kind for c in cards} == {"general", "vehicle", "building"}
    assert all(c.value == c.fiscal + (c.value - c.fiscal) and Decimal(0) <= c.fiscal <= c.value for c in cards)
    assert all(datetime.date(2012, 1, 1) <= c.acquired_on <= c.booked_on < AS_OF for c in cards
               if c.kind != "building")
    assert {c.acquired_on.year for c in cards} == set(range(2012, 2027))


def test_asset_plan_history_is_plausible():
    cards = build_asset_plan(build_plan())
    steps = Counter(s.kind for c in cards for s in c.history)
    assert 0.12 * len(cards) < steps[DISPOSE] < 0.35 * len(cards)
    assert steps[IDLE] > 100 and steps[LENT] >= 10 and steps[PENDING] > 50 and steps[REVALUE] >= 3
    long_idle = [c for c in cards for s in c.history if s.kind == IDLE and (AS_OF - s.on).days > 365]
    assert len(long_idle) > 50  # the idle-asset alert has something to show
    transfers = [(c, s) for c in cards for s in c.history if s.kind == TRANSFER]
    assert 10 <= len(transfers) <= 60
    assert {s.on.year for _c, s in transfers} == {2025, 2026}
    for card in cards:
        dates = [s.on for s in card.history]
        assert all(card.booked_on < d <= AS_OF for d in dates), card
        assert sum(1 for s in card.history if s.kind in (DISPOSE, TRANSFER)) <= 1


def _journal_by_unit() -> dict[int, tuple[int, Decimal, Decimal, Decimal]]:
    rows = AssetMovement.objects.values("unit_id").annotate(q=Sum("quantity"), v=Sum("value"), f=Sum("value_fiscal"),
                                                            n=Sum("value_nonfiscal"))
    return {r["unit_id"]: (r["q"], r["v"], r["f"], r["n"]) for r in rows if r["q"] or r["v"]}


def _cards_by_unit() -> dict[int, tuple[int, Decimal, Decimal, Decimal]]:
    rows = (Asset.objects.filter(status__in=ON_BOOKS_STATUSES).values("unit_id")
            .annotate(q=Sum("quantity"), v=Sum("original_value"), f=Sum("value_fiscal"), n=Sum("value_nonfiscal")))
    return {r["unit_id"]: (r["q"], r["v"], r["f"], r["n"]) for r in rows}


def _content() -> list[tuple[object, ...]]:
    return sorted(Asset.objects.values_list("unit__code", "name", "class_code", "spec_model", "original_value",
                                            "status", "acquired_on", "booked_on", "location", "custodian__code"))


def _counts() -> dict[str, int]:
    return {"assets": Asset.objects.count(), "events": AssetEvent.objects.count(),
            "movements": AssetMovement.objects.count(), "changes": ObjectChange.objects.count(),
            "runs": DepreciationRun.objects.count()}


@pytest.mark.django_db
def test_demo_ledgers_agree_with_the_journal_and_rebuild_identically():
    plan = build_plan(people=SMALL)
    expected = build_asset_plan(plan)
    result = build_city(plan, assets=True)
    # (the sample 验收入账 document adds two 待入账 cards through the card service)
    assert result.created["assets"] == len(expected) == Asset.objects.exclude(status=AssetStatus.DRAFT).count()
    total = Asset.objects.count()

    # The journal adds up to the cards on the books, unit by unit and class by class.
    assert _journal_by_unit() == _cards_by_unit()
    by_class = {(r["unit_id"], r["class_code"]): (r["q"], r["v"]) for r in
                AssetMovement.objects.values("unit_id", "class_code").annotate(q=Sum("quantity"), v=Sum("value"))
                if r["q"] or r["v"]}
    cards = {(r["unit_id"], r["class_code"]): (r["q"], r["v"]) for r in
             Asset.objects.filter(status__in=ON_BOOKS_STATUSES).values("unit_id", "class_code")
             .annotate(q=Sum("quantity"), v=Sum("original_value"))}
    assert by_class == cards

    # Every card was booked once; every history step left its event (and journal lines where the books move).
    assert AssetEvent.objects.filter(kind=EventKind.BOOKED).count() == len(expected)
    steps = Counter(s.kind for c in expected for s in c.history)
    assert Asset.objects.filter(status=AssetStatus.DISPOSED).count() == steps[DISPOSE]
    assert AssetEvent.objects.filter(kind=EventKind.DISPOSED).count() == steps[DISPOSE]
    assert AssetMovement.objects.filter(kind=MovementKind.DISPOSAL).count() == steps[DISPOSE]
    assert AssetEvent.objects.filter(kind=EventKind.TRANSFER_IN).count() == steps[TRANSFER]
    assert AssetMovement.objects.filter(kind=MovementKind.TRANSFER_OUT).count() == steps[TRANSFER]
    assert Asset.objects.filter(status=AssetStatus.LENT).count() == steps[LENT]
    assert ObjectChange.objects.filter(content_type__model="asset", action="create").count() == total

    # The ledger as of last year-end differs from today's (2026 purchases, disposals, transfers).
    year_end = datetime.date(2025, 12, 31)
    then = AssetMovement.objects.filter(occurred_on__lte=year_end).aggregate(v=Sum("value"))["v"]
    now = AssetMovement.objects.aggregate(v=Sum("value"))["v"]
    assert then != now
    moved = AssetEvent.objects.filter(kind=EventKind.TRANSFER_OUT, occurred_on__gt=year_end).values("unit_id")
    assert moved.exists()

    # Depreciation: opening balances plus last month's run; never more than the value.
    assert DepreciationRun.objects.filter(status="done").count() == 1
    assert not Asset.objects.filter(accumulated_depreciation__gt=F("original_value")).exists()
    assert Asset.objects.filter(accumulated_depreciation__gt=0, status=AssetStatus.IN_USE).exists()
    old_pc = Asset.objects.filter(class_code="A02010105", acquired_on__year=2012,
                                  status__in=ON_BOOKS_STATUSES).first()
    if old_pc is not None:
        assert old_pc.accumulated_depreciation == old_pc.original_value  # fully depreciated, still on the books

    # People and departments come from the unit itself.
    assert not Asset.objects.filter(custodian__isnull=False).exclude(custodian__unit=F("unit")).exists()
    assert not Asset.objects.filter(department__isnull=False).exclude(department__unit=F("unit")).exists()

    # A second run changes nothing.
    before = _counts()
    assert build_city(plan, assets=True).created["assets"] == 0
    assert _counts() == before

    # Reset and rebuild: the same ledgers again.
    content = _content()
    counts = reset_city(plan)
    assert counts["assets"] == total
    assert Asset.objects.count() == AssetMovement.objects.count() == AssetEvent.objects.count() == 0
    assert ObjectChange.objects.filter(content_type__model="asset", action="delete").count() == total
    build_city(plan, assets=True)
    assert _content() == content
    assert _journal_by_unit() == _cards_by_unit()


@pytest.mark.django_db
def test_demo_without_assets_leaves_the_registry_empty():
    build_city(build_plan(people=SMALL))
    assert Asset.objects.count() == 0


# --- the bulk history writer writes exactly what the ledger primitives write ------------------------------

EVENT_FIELDS = ("kind", "occurred_on", "unit_id", "from_unit_id", "to_unit_id", "person_id", "operation_id",
                "status_before", "status_after", "value_before", "value_after", "amount", "message")
MOVE_FIELDS = ("unit_id", "class_code", "occurred_on", "kind", "quantity", "value", "value_fiscal", "value_nonfiscal")
CARD_FIELDS = ("unit_id", "department_id", "custodian_id", "status", "status_since", "disposed_on", "disposal_method",
               "original_value", "value_fiscal", "value_nonfiscal")


def _history(asset: Asset) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], tuple[object, ...]]:
    asset.refresh_from_db()
    events = [tuple(getattr(e, f) for f in EVENT_FIELDS)
              for e in AssetEvent.objects.filter(asset=asset).exclude(kind=EventKind.BOOKED).order_by("id")]
    moves = [tuple(getattr(m, f) for f in MOVE_FIELDS)
             for m in AssetMovement.objects.filter(asset=asset).exclude(kind=MovementKind.BOOK).order_by("id")]
    return events, moves, tuple(getattr(asset, f) for f in CARD_FIELDS)


@pytest.mark.django_db
@pytest.mark.parametrize("steps", [
    [Step(IDLE, datetime.date(2024, 5, 6), message="人员调整后闲置")],
    [Step(LENT, datetime.date(2025, 5, 6), message="出借给某单位")],
    [Step(PENDING, datetime.date(2025, 5, 6), message="拟报废"),
     Step(DISPOSE, datetime.date(2025, 10, 9), method="scrap", amount=Decimal("35"), message="报废处置")],
    [Step(DISPOSE, datetime.date(2025, 10, 9), method="sale", amount=None, message="公开拍卖")],
    [Step(TRANSFER, datetime.date(2026, 3, 18), to_unit="TO", message="调剂")],
    [Step(REVALUE, datetime.date(2024, 6, 1), amount=Decimal("6100.50"), message="改造")],
])
def test_bulk_history_matches_the_ledger_primitives(steps):
    unit, target = UnitFactory(), UnitFactory(code="TO", name="调入单位")
    by_primitive = AssetFactory(unit=unit, value_fiscal=Decimal("4000.00"), value_nonfiscal=Decimal("1600.00"))
    by_bulk = AssetFactory(unit=unit, value_fiscal=Decimal("4000.00"), value_nonfiscal=Decimal("1600.00"))
    for step in steps:
        card = ledger.lock_assets([by_primitive.pk])[by_primitive.pk]
        if step.kind in (IDLE, PENDING):
            ledger.set_status(card, status=AssetStatus.IDLE if step.kind == IDLE else AssetStatus.PENDING_DISPOSAL,
                              on=step.on, message=step.message)
        elif step.kind == LENT:
            ledger.set_status(card, status=AssetStatus.LENT, on=step.on, kind=EventKind.LENT, message=step.message)
        elif step.kind == DISPOSE:
            ledger.dispose(card, on=step.on, method=step.method, income=step.amount, message=step.message)
        elif step.kind == TRANSFER:
            ledger.transfer(card, to_unit=target, on=step.on, message=step.message)
        else:
            ledger.change_value(card, new_value=step.amount, on=step.on, message=step.message)
    writer = _Writer()
    card = Asset.objects.select_related("unit").get(pk=by_bulk.pk)
    for step in steps:
        writer.apply(card, step, {"TO": target})
    _update_cards([card], ("unit", "department", "custodian", "status", "status_since", "disposed_on",
                           "disposal_method", "original_value", "value_fiscal", "value_nonfiscal"))
    writer.save()
    assert _history(by_bulk) == _history(by_primitive)
    assert _history(by_bulk)[0]  # something was written
