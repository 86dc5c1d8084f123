"""Depreciation arithmetic (政府会计准则第3号) and its set-based SQL twin; the class → years policy."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from qinjian.assets.choices import DepreciationMethod, ValueType
from qinjian.assets.depreciation import (
    accumulated_as_of,
    accumulated_expression,
    accumulated_total,
    category_for,
    monthly_amount,
    policy_for,
)
from qinjian.assets.models import Asset
from qinjian.testing.factories import AssetFactory, _asset_class

D = datetime.date
DESKTOP, CHAIR, LAND, RELIC, BOOK, MEDICAL = "A02010105", "A05010301", "A01030100", "A03020100", "A04010100", "A02320100"


def card(unit, value="7200.00", start=D(2024, 3, 1), life=72, code=DESKTOP, **kw):
    value = Decimal(value)
    return AssetFactory(unit=unit, asset_class=_asset_class(code) if code != DESKTOP else _asset_class(),
                        original_value=value, value_fiscal=value, value_nonfiscal=Decimal("0"),
                        acquired_on=start, booked_on=start, status_since=start, depreciation_start=start,
                        useful_life_months=life, **kw)


@pytest.mark.django_db
class TestPolicy:
    def test_years_by_class_from_the_standards(self):
        assert policy_for(DESKTOP, D(2025, 1, 1)) == (DepreciationMethod.STRAIGHT_LINE, 72)  # 计算机设备 6 年
        assert policy_for(CHAIR, D(2025, 1, 1)) == (DepreciationMethod.STRAIGHT_LINE, 180)  # 家具 15 年
        assert policy_for("A02030500", D(2025, 1, 1)) == (DepreciationMethod.STRAIGHT_LINE, 96)  # 车辆 8 年
        assert category_for(DESKTOP) == "computer"

    @pytest.mark.parametrize("code", [LAND, RELIC, BOOK, "A06010100"])
    def test_exempt_classes_are_not_depreciated(self, code):
        assert category_for(code) == ""
        assert policy_for(code, D(2025, 1, 1)) == (DepreciationMethod.NONE, None)

    def test_class_without_a_row_is_not_depreciated(self):
        assert category_for(MEDICAL) is None  # 专用设备: the years table is not complete yet
        assert policy_for(MEDICAL, D(2025, 1, 1)) == (DepreciationMethod.NONE, None)

    def test_bookings_before_the_standard_take_todays_table(self):
        assert policy_for(DESKTOP, D(2012, 5, 1)) == (DepreciationMethod.STRAIGHT_LINE, 72)

    def test_mapping_is_a_versioned_standard(self):
        from qinjian.standards.selectors import standard

        table = standard("depreciation_class_map", on=D(2025, 1, 1))
        row = table.row(class_prefix="A02010")
        assert row["category"] == "computer" and row.confidence in ("C2", "R")


@pytest.mark.django_db
class TestArithmetic:
    def test_straight_line_monthly_from_the_month_of_booking(self, mini_city):
        a = card(mini_city.edu, "7200.00", start=D(2024, 3, 1))
        assert monthly_amount(a) == Decimal("100.00")
        assert accumulated_as_of(a, D(2024, 3, 30)) == Decimal("0")  # March not ended yet
        assert accumulated_as_of(a, D(2024, 3, 31)) == Decimal("100.00")  # 当月增加当月计提
        assert accumulated_as_of(a, D(2024, 12, 31)) == Decimal("1000.00")
        assert accumulated_as_of(a, D(2025, 2, 28)) == Decimal("1200.00")

    def test_rounding_up_makes_the_last_month_take_the_remainder(self, mini_city):
        a = card(mini_city.edu, "5000.00", start=D(2020, 1, 1))
        assert monthly_amount(a) == Decimal("69.45")
        assert accumulated_as_of(a, D(2025, 11, 30)) == Decimal("4930.95")  # 71 months
        assert accumulated_as_of(a, D(2025, 12, 31)) == Decimal("5000.00")  # 72nd month: 69.05

    def test_fully_depreciated_stays_on_the_books_and_stops(self, mini_city):
        a = card(mini_city.edu, "7200.00", start=D(2015, 1, 1))
        assert accumulated_as_of(a, D(2020, 12, 31)) == Decimal("7200.00")
        assert accumulated_as_of(a, D(2026, 6, 30)) == Decimal("7200.00")

    def test_no_depreciation_in_the_month_of_disposal(self, mini_city):
        a = card(mini_city.edu, "7200.00", start=D(2024, 3, 1), disposed_on=D(2024, 6, 15), status="disposed")
        assert accumulated_as_of(a, D(2024, 5, 31)) == Decimal("300.00")
        assert accumulated_as_of(a, D(2025, 12, 31)) == Decimal("300.00")  # March–May only

    def test_exempt_and_nominal_assets_do_not_depreciate(self, mini_city):
        relic = card(mini_city.edu, "90000.00", code=RELIC, life=None, depreciation_method=DepreciationMethod.NONE)
        nominal = card(mini_city.edu, "1.00", value_type=ValueType.NOMINAL)
        assert accumulated_as_of(relic, D(2026, 6, 30)) == Decimal("0")
        assert accumulated_as_of(nominal, D(2026, 6, 30)) == Decimal("0")

    def test_imported_card_starts_from_its_opening_depreciation(self, mini_city):
        a = card(mini_city.edu, "6000.00", start=D(2025, 1, 1), opening_depreciation=Decimal("3000.00"),
                 accumulated_depreciation=Decimal("3000.00"))
        assert accumulated_as_of(a, D(2024, 12, 31)) == Decimal("3000.00")
        assert accumulated_as_of(a, D(2025, 3, 31)) == Decimal("3250.02")  # 3 × 83.34
        assert accumulated_as_of(a, D(2027, 12, 31)) == Decimal("6000.00")  # capped at the original value

    def test_sql_expression_agrees_with_python_for_every_card_and_date(self, mini_city):
        cards = [
            card(mini_city.edu, "7200.00", start=D(2024, 3, 1)),
            card(mini_city.edu, "5000.00", start=D(2020, 1, 1)),
            card(mini_city.edu, "1234.56", start=D(2023, 7, 1), life=180, code=CHAIR),
            card(mini_city.edu, "999999.99", start=D(2019, 11, 1), life=600),
            card(mini_city.edu, "7200.00", start=D(2024, 3, 1), disposed_on=D(2024, 6, 15), status="disposed"),
            card(mini_city.edu, "6000.00", start=D(2025, 1, 1), opening_depreciation=Decimal("3000.00")),
            card(mini_city.edu, "1.00", value_type=ValueType.NOMINAL),
            card(mini_city.edu, "500.00", code=RELIC, life=None, depreciation_method=DepreciationMethod.NONE),
        ]
        for day in (D(2019, 12, 31), D(2024, 3, 31), D(2024, 6, 30), D(2025, 12, 30), D(2025, 12, 31),
                    D(2030, 1, 31)):
            got = dict(Asset.objects.filter(pk__in=[c.pk for c in cards])
                       .annotate(acc=accumulated_expression(day)).values_list("pk", "acc"))
            for c in cards:
                assert Decimal(got[c.pk]).quantize(Decimal("0.01")) == accumulated_as_of(c, day), (c.original_value, day)
            total = accumulated_total(Asset.objects.filter(pk__in=[c.pk for c in cards]), day)
            assert total == sum(accumulated_as_of(c, day) for c in cards)
