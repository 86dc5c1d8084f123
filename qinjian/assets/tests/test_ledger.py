"""The ledger as of a date: before and after a transfer, a disposal and a value change (made with the ledger
primitives), the summary from the journal, increases and decreases, and the scope of each role."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from qinjian.assets.selectors import (
    LedgerFilter,
    class_rows,
    decorate_cards,
    kind_rows,
    ledger_cards,
    ledger_summary,
    movements,
)
from qinjian.assets.services import ledger
from qinjian.testing.factories import AssetFactory, make_user

D = datetime.date


def card(unit, value="7200.00", booked=D(2024, 3, 10), **kw):
    value = Decimal(value)
    kw.setdefault("value_fiscal", value)
    kw.setdefault("value_nonfiscal", Decimal("0"))
    return AssetFactory(unit=unit, original_value=value, acquired_on=booked, booked_on=booked, status_since=booked,
                        depreciation_start=booked.replace(day=1), useful_life_months=72, **kw)


@pytest.fixture
def world(mini_city):
    center = make_user("center_asset", mini_city.center)
    edu_officer = make_user("unit_asset_officer", mini_city.edu)
    health_officer = make_user("unit_asset_officer", mini_city.health)
    moved = card(mini_city.edu, "7200.00")
    gone = card(mini_city.edu, "3600.00")
    kept = card(mini_city.edu, "1000.00", value_nonfiscal=Decimal("400.00"), value_fiscal=Decimal("600.00"))
    theirs = card(mini_city.health, "5000.00")
    locked = ledger.lock_assets([moved.pk, gone.pk, kept.pk])
    ledger.transfer(locked[moved.pk], to_unit=mini_city.health, on=D(2025, 3, 15), actor=center)
    ledger.dispose(locked[gone.pk], on=D(2025, 6, 20), method="scrap", actor=center)
    ledger.change_value(locked[kept.pk], new_value=Decimal("1500.00"), on=D(2025, 8, 1), actor=center)
    return SimpleNamespace(city=mini_city, center=center, edu_officer=edu_officer, health_officer=health_officer,
                           moved=moved, gone=gone, kept=kept, theirs=theirs)


def codes(user, day, **kw):
    return {a.code for a in ledger_cards(user, LedgerFilter(day=day, **kw))}


@pytest.mark.django_db
def test_ledger_before_and_after_a_transfer_and_a_disposal(world):
    w = world
    before, after = D(2024, 12, 31), D(2025, 12, 31)
    assert codes(w.center, before, unit=w.city.edu) == {w.moved.code, w.gone.code, w.kept.code}
    assert codes(w.center, before, unit=w.city.health) == {w.theirs.code}
    assert codes(w.center, after, unit=w.city.edu) == {w.kept.code}
    assert codes(w.center, after, unit=w.city.health) == {w.moved.code, w.theirs.code}
    # the day of the transfer counts as done; the day before it does not
    assert w.moved.code in codes(w.center, D(2025, 3, 15), unit=w.city.health)
    assert w.moved.code in codes(w.center, D(2025, 3, 14), unit=w.city.edu)
    assert w.gone.code in codes(w.center, D(2025, 6, 19)) and w.gone.code not in codes(w.center, D(2025, 6, 20))


@pytest.mark.django_db
def test_cards_carry_their_value_unit_status_and_depreciation_of_that_day(world):
    w = world
    rows = {r.code: r for r in decorate_cards(ledger_cards(w.center, LedgerFilter(day=D(2024, 12, 31))))}
    assert rows[w.kept.code].value_at == Decimal("1000.00")  # before the value change
    assert rows[w.moved.code].unit_then == w.city.edu
    assert rows[w.moved.code].acc_at == Decimal("1000.00")  # Mar–Dec 2024: 10 × 100
    assert rows[w.moved.code].net_at == Decimal("6200.00")
    assert rows[w.moved.code].status_label == "在用"
    later = {r.code: r for r in decorate_cards(ledger_cards(w.center, LedgerFilter(day=D(2025, 12, 31))))}
    assert later[w.kept.code].value_at == Decimal("1500.00") and later[w.moved.code].unit_then == w.city.health
    fiscal = codes(w.center, D(2025, 12, 31), funding="nonfiscal")
    assert fiscal == {w.kept.code}


@pytest.mark.django_db
def test_summary_from_the_journal_as_of_a_date(world):
    w = world
    before = ledger_summary(w.center, D(2024, 12, 31), unit=w.city.edu, subtree=False)
    assert sum(f.quantity for f in before.values()) == 3
    assert sum(f.value for f in before.values()) == Decimal("11800.00")
    assert sum(f.depreciation for f in before.values()) == Decimal("1000.00") + Decimal("500.00") + Decimal("208.40")  # on the current value
    after = ledger_summary(w.center, D(2025, 12, 31), unit=w.city.edu, subtree=False)
    assert sum(f.quantity for f in after.values()) == 1
    assert sum(f.value for f in after.values()) == Decimal("1500.00")
    health = ledger_summary(w.center, D(2025, 12, 31), unit=w.city.health, subtree=False)
    assert sum(f.value for f in health.values()) == Decimal("12200.00")
    # the w.moved card's depreciation went with it
    assert sum(f.depreciation for f in health.values()) == Decimal("2200.00") + Decimal("1527.90")
    rows = class_rows(ledger_summary(w.center, D(2025, 12, 31), by_unit=False))
    assert [r.code for r in rows] == ["A02", "A0201", ""] and rows[0].name == "设备" and rows[1].name == "信息化设备"
    assert rows[-1].figures.value == Decimal("13700.00")


@pytest.mark.django_db
def test_increases_and_decreases_of_a_period(world):
    w = world
    inc, dec, inc_total, dec_total = kind_rows(movements(w.center, D(2025, 1, 1), D(2025, 12, 31)))
    by_kind = {r.kind: r.figures for r in inc + dec}
    assert by_kind["transfer_in"].value == Decimal("7200.00") and by_kind["transfer_out"].value == Decimal("7200.00")
    assert by_kind["disposal"].quantity == 1 and by_kind["disposal"].value == Decimal("3600.00")
    assert by_kind["value_up"].value == Decimal("500.00") and by_kind["book"].quantity == 0
    assert inc_total.value == Decimal("7700.00") and dec_total.value == Decimal("10800.00")
    first_year, *_ = kind_rows(movements(w.center, D(2024, 1, 1), D(2024, 12, 31)))
    assert {r.kind: r.figures.quantity for r in first_year}["book"] == 4


@pytest.mark.django_db
def test_units_see_only_their_own_ledger(world):
    w = world
    assert codes(w.edu_officer, D(2024, 12, 31)) == {w.moved.code, w.gone.code, w.kept.code}
    assert codes(w.edu_officer, D(2025, 12, 31)) == {w.kept.code}
    assert codes(w.health_officer, D(2025, 12, 31)) == {w.moved.code, w.theirs.code}
    assert codes(w.health_officer, D(2025, 12, 31), unit=w.city.edu) == set()  # another unit: nothing
    staff = make_user("staff", w.city.edu)
    assert codes(staff, D(2025, 12, 31)) == set()
    assert ledger_summary(staff, D(2025, 12, 31)) == {}
    assert not movements(w.health_officer, D(2025, 1, 1), D(2025, 12, 31)).filter(unit=w.city.edu).exists()
    assert sum(f.value for f in ledger_summary(w.edu_officer, D(2025, 12, 31)).values()) == Decimal("1500.00")
