"""Stored month-end balances: the as-of summary read from them (a month-end + the journal after it) equals the
summary from the journal and the cards alone, to the cent, on random dates, around transfers, disposals, value
and class changes and back-dated bookings; back-dated lines invalidate, invalid month-ends are never read, and
the run, the rebuild and the command build them."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from qinjian.assets.depreciation import accumulated_as_of, opening_depreciation_start
from qinjian.assets.models import Asset, AssetBalance, BalanceMonth
from qinjian.assets.selectors import balance_base, ledger_summary
from qinjian.assets.services import ledger
from qinjian.assets.services.balances import (
    balances_build,
    balances_invalidate_from,
    balances_rebuild_invalid,
    month_end_of,
)
from qinjian.core.errors import ValidationFailed
from qinjian.testing.factories import AssetFactory, _asset_class, make_user

D = datetime.date
CHAIR = "A05010301"


def card(unit, value="7200.00", booked=D(2023, 3, 10), life=72, code=None, **kw):
    value = Decimal(value)
    kw.setdefault("value_fiscal", value)
    kw.setdefault("value_nonfiscal", Decimal("0"))
    if code:
        kw["asset_class"] = _asset_class(code)
    return AssetFactory(unit=unit, original_value=value, acquired_on=booked, booked_on=booked, status_since=booked,
                        depreciation_start=booked.replace(day=1), useful_life_months=life, **kw)


def booked_later(unit, value, on, actor):
    """A card booked now with a date in the past (through ``ledger.book``, as the services do)."""
    late = AssetFactory.build(unit=unit, original_value=Decimal(value), value_fiscal=Decimal(value),
                              value_nonfiscal=Decimal("0"), acquired_on=on, status="draft", asset_class=_asset_class(),
                              booked_on=None, depreciation_start=None)
    late.save()
    ledger.book(late, on=on, actor=actor)
    return late


def month_ends(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    out, day = [], month_end_of(start)
    while day <= end:
        out.append(day)
        day = month_end_of(day + datetime.timedelta(days=1))
    return out


def figures(data):
    return {k: (v.quantity, v.value, v.fiscal, v.nonfiscal, v.depreciation) for k, v in data.items()}


def assert_same(user, day, **kw):
    fast = ledger_summary(user, day, **kw)
    pure = ledger_summary(user, day, use_balances=False, **kw)
    assert figures(fast) == figures(pure), day
    return fast


@pytest.fixture
def world(mini_city):
    """Cards in three units booked 2023–2025, then a year and a half of transfers, disposals, value and class
    changes (all through the ledger primitives)."""
    rng = random.Random(14885)
    city = mini_city
    center = make_user("center_asset", city.center)
    units = [city.edu, city.health, city.center]
    cards = []
    for i in range(24):
        booked = D(2023, 1, 1) + datetime.timedelta(days=rng.randint(0, 900))
        value = Decimal(f"{rng.randint(500, 90000)}.{rng.randint(0, 99):02d}")
        split = {"value_fiscal": Decimal("300.00"), "value_nonfiscal": value - Decimal("300.00")} if i % 5 == 0 else {}
        cards.append(card(units[i % 3], str(value), booked=booked, life=rng.choice([36, 72, 120]),
                          code=CHAIR if i % 4 == 0 else None, **split))
    for i, c in enumerate(cards):
        on = max(c.booked_on, D(2024, 6, 1)) + datetime.timedelta(days=rng.randint(1, 400))
        on = min(on, D(2025, 10, 20))
        locked = ledger.lock_assets([c.pk])[c.pk]
        if i % 4 == 0:
            ledger.transfer(locked, to_unit=units[(i + 1) % 3], on=on, actor=center)
            locked = ledger.lock_assets([c.pk])[c.pk]
            ledger.transfer(locked, to_unit=units[(i + 2) % 3], on=min(on + datetime.timedelta(days=40),
                                                                      D(2025, 11, 30)), actor=center)
        elif i % 4 == 1:
            ledger.dispose(locked, on=on, method="scrap", actor=center)
        elif i % 4 == 2:
            ledger.change_value(locked, new_value=locked.original_value + Decimal("1234.56"), on=on, actor=center)
    return city, center, units, cards


def random_days(rng: random.Random, n: int) -> list[datetime.date]:
    days = [D(2022, 12, 31), D(2023, 12, 31), D(2024, 12, 31), D(2025, 12, 31), D(2024, 6, 30), D(2025, 3, 1)]
    days += [D(2023, 1, 1) + datetime.timedelta(days=rng.randint(0, 1050)) for _ in range(n)]
    return days


@pytest.mark.django_db
def test_summary_from_balances_equals_the_journal_on_random_dates(world):
    city, center, _, _ = world
    officer = make_user("unit_asset_officer", city.edu)
    for end in month_ends(D(2023, 1, 1), D(2025, 12, 31)):
        balances_build(end)
    assert BalanceMonth.objects.filter(is_valid=True).count() == 36
    rng = random.Random(7)
    for day in random_days(rng, 30):
        assert_same(center, day)
        assert_same(center, day, by_unit=False)
        assert_same(center, day, unit=city.health, subtree=False)
        assert_same(officer, day)
    # the year-end summary is read from the balances and has every card on the books then
    year_end = assert_same(center, D(2024, 12, 31))
    assert sum(f.quantity for f in year_end.values()) == Asset.objects.filter(booked_on__lte=D(2024, 12, 31)).exclude(
        disposed_on__lte=D(2024, 12, 31)).count()


@pytest.mark.django_db
def test_the_balances_are_what_is_read(world):
    """Corrupt a valid month-end: the summary changes (it is read); mark it invalid: the right figures again."""
    _, center, _, _ = world
    balances_build(D(2024, 11, 30))
    day = D(2024, 12, 20)
    right = figures(ledger_summary(center, day, use_balances=False))
    row = AssetBalance.objects.filter(month_end=D(2024, 11, 30)).exclude(quantity=0).first()
    AssetBalance.objects.filter(pk=row.pk).update(value=row.value + 1000, accumulated_depreciation=7)
    assert figures(ledger_summary(center, day)) != right
    BalanceMonth.objects.filter(month_end=D(2024, 11, 30)).update(is_valid=False)
    assert balance_base(day) is None
    assert figures(ledger_summary(center, day)) == right


@pytest.mark.django_db
def test_back_dated_booking_invalidates_later_month_ends_and_the_rebuild_restores_them(world):
    city, center, _, _ = world
    for end in month_ends(D(2025, 1, 1), D(2025, 6, 30)):
        balances_build(end)
    booked_later(city.edu, "4800.00", D(2025, 3, 10), center)
    valid = set(BalanceMonth.objects.filter(is_valid=True).values_list("month_end", flat=True))
    assert valid == {D(2025, 1, 31), D(2025, 2, 28)}
    for day in (D(2025, 3, 31), D(2025, 4, 15), D(2025, 6, 30)):
        assert balance_base(day) == D(2025, 2, 28)
        summary = assert_same(center, day)
        assert sum(f.value for k, f in summary.items() if k[0] == city.edu.pk) >= Decimal("4800.00")
    assert balances_rebuild_invalid() == 4
    assert not BalanceMonth.objects.filter(is_valid=False).exists()
    assert balance_base(D(2025, 6, 30)) == D(2025, 6, 30)
    assert_same(center, D(2025, 6, 30))


@pytest.mark.django_db
def test_value_change_invalidates_from_the_start_of_the_cards_depreciation(world):
    city, center, _, _ = world
    for end in month_ends(D(2024, 1, 1), D(2024, 12, 31)):
        balances_build(end)
    c = booked_later(city.health, "3600.00", D(2024, 5, 20), center)
    assert BalanceMonth.objects.filter(is_valid=False).count() == 8  # May–Dec 2024: the booking
    balances_rebuild_invalid()
    locked = ledger.lock_assets([c.pk])[c.pk]
    ledger.change_value(locked, new_value=Decimal("7200.00"), on=D(2025, 2, 3), actor=center)
    # depreciation is charged on the current value: every month-end since May 2024 changes
    assert set(BalanceMonth.objects.filter(is_valid=True).values_list("month_end", flat=True)) == set(
        month_ends(D(2024, 1, 1), D(2024, 4, 30)))
    for day in (D(2024, 6, 30), D(2024, 12, 31), D(2025, 1, 10)):
        assert_same(center, day)


@pytest.mark.django_db
def test_lines_after_the_latest_closed_month_end_change_nothing(world, django_assert_num_queries):
    _, _, _, _ = world
    balances_build(D(2025, 6, 30))
    from django.utils import timezone

    with django_assert_num_queries(0):
        assert balances_invalidate_from(timezone.localdate()) == 0
    assert BalanceMonth.objects.get(month_end=D(2025, 6, 30)).is_valid
    assert balances_invalidate_from(D(2025, 6, 30)) == 1
    assert not BalanceMonth.objects.get(month_end=D(2025, 6, 30)).is_valid


@pytest.mark.django_db
def test_build_replaces_rows_and_refuses_bad_month_ends(world):
    balances_build(D(2025, 6, 30))
    first = list(AssetBalance.objects.filter(month_end=D(2025, 6, 30)).order_by("unit_id", "class_code")
                 .values_list("unit_id", "class_code", "quantity", "value", "accumulated_depreciation"))
    month = balances_build(D(2025, 6, 30))
    again = list(AssetBalance.objects.filter(month_end=D(2025, 6, 30)).order_by("unit_id", "class_code")
                 .values_list("unit_id", "class_code", "quantity", "value", "accumulated_depreciation"))
    assert first == again and month.row_count == len(again) > 0 and month.is_valid
    assert any(r[4] > 0 for r in again)
    with pytest.raises(ValidationFailed, match="不是月末日期"):
        balances_build(D(2025, 6, 29))
    with pytest.raises(ValidationFailed, match="还没有结束"):
        balances_build(month_end_of(D.today() + datetime.timedelta(days=40)))


@pytest.mark.django_db
def test_command_builds_the_last_months(world):
    out = StringIO()
    call_command("build_asset_balances", "--months", "3", stdout=out)
    assert "已生成 3 个月末余额" in out.getvalue()
    assert BalanceMonth.objects.filter(is_valid=True).count() == 3
    BalanceMonth.objects.update(is_valid=False)
    call_command("build_asset_balances", "--invalid-only", stdout=out)
    assert BalanceMonth.objects.filter(is_valid=True).count() == 3


@pytest.mark.django_db
def test_depreciation_run_builds_its_month_end(world):
    from qinjian.assets.services.depreciation import depreciation_run

    _, center, _, _ = world
    BalanceMonth.objects.create(month_end=D(2025, 9, 30), is_valid=False)
    depreciation_run(month=D(2025, 11, 1), actor=center)
    assert BalanceMonth.objects.get(month_end=D(2025, 11, 30)).is_valid
    assert BalanceMonth.objects.get(month_end=D(2025, 9, 30)).is_valid  # invalid ones rebuilt by the run
    assert_same(center, D(2025, 11, 30))
    assert_same(center, D(2025, 12, 5))


@pytest.mark.django_db
def test_year_report_reads_the_same_with_balances(world):
    from qinjian.assets.reports import year_report_workbook

    _, center, _, _ = world

    def cells():
        wb = year_report_workbook(user=center, year=2025)
        return [[c.value for c in row] for ws in wb.worksheets for row in ws.iter_rows()]

    before = cells()
    balances_build(D(2024, 12, 31))
    balances_build(D(2025, 12, 31))
    assert cells() == before


@pytest.mark.django_db
def test_imported_card_takes_over_its_opening_depreciation_once(mini_city):
    """The legacy figure covers the months before the import; this system charges from the import month."""
    start = opening_depreciation_start(D(2021, 5, 20), imported_on=D(2026, 11, 25))
    assert start == D(2026, 11, 1)
    assert opening_depreciation_start(D(2026, 11, 3), imported_on=D(2026, 11, 25)) == D(2026, 11, 1)
    c = card(mini_city.edu, "7200.00", booked=D(2021, 5, 20), opening_depreciation=Decimal("3000.00"),
             accumulated_depreciation=Decimal("3000.00"))
    c.depreciation_start = start
    assert accumulated_as_of(c, D(2026, 10, 31)) == Decimal("3000.00")
    assert accumulated_as_of(c, D(2026, 11, 30)) == Decimal("3100.00")  # one month at 7200 / 72
    assert accumulated_as_of(c, D(2030, 4, 30)) == Decimal("7200.00")  # 42 months more, then it stops
    assert accumulated_as_of(c, D(2030, 3, 31)) == Decimal("7100.00")
