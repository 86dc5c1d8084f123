"""Depreciation under 政府会计准则第3号: the policy of a class and the accumulated depreciation on any date.

Rules (regulations.md §4.2): straight line (年限平均法), monthly, zero residual value; an asset added in a
month is depreciated from that month (当月增加当月计提: ``depreciation_start`` is the first day of the
booking month), an asset removed in a month is not depreciated in that month (当月减少当月不计提); a fully
depreciated asset stays on the books and is depreciated no further; land, cultural relics and exhibits,
books and archives, special animals and plants and assets carried at a nominal amount (名义金额) are not
depreciated.

Where the figures come from:

* the class → category mapping is the reference table ``depreciation_class_map`` (longest class-code
  prefix wins; an empty category means the class is exempt; a class with no row is not depreciated);
* the years of a category are the reference table ``depreciation_years``.

The arithmetic (one formula, used by the monthly run, by ``accumulated_as_of`` and by the set-based SQL
expression, so all three always agree)::

    monthly  = original value / useful life in months, rounded UP to the cent
    months   = depreciation months from ``depreciation_start`` through the month in question
               (never the month of disposal or later)
    accumulated = min(original value, opening_depreciation + monthly × months)

Rounding the monthly amount up means the asset is fully depreciated exactly in its last month of life
(the last month takes the remainder). ``opening_depreciation`` is the depreciation an imported card
already carried *before* its ``depreciation_start`` (the importer sets ``depreciation_start`` to the
first month this system depreciates it). "As of a date" counts the months that have ended on or before
that date (depreciation is charged at month end: the ledger of 2025-12-31 includes December).
Depreciation is computed on the card's current original value.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest, Least
from django.utils import timezone

from qinjian.standards.selectors import Standard, StandardNotFound, standard

from .choices import DepreciationMethod, ValueType

CLASS_MAP = "depreciation_class_map"
YEARS = "depreciation_years"
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------- policy

def _table(name: str, on: datetime.date) -> Standard | None:
    """The table in force on ``on``; for a date before its first version (legacy bookings before 2017)
    the version in force today — the standard applies to every asset still on the books."""
    try:
        return standard(name, on=on)
    except StandardNotFound:
        pass
    try:
        return standard(name)
    except StandardNotFound:
        return None


def category_for(class_code: str, on: datetime.date | None = None) -> str | None:
    """The depreciation category of a class: '' when exempt, None when no row covers it."""
    table = _table(CLASS_MAP, on or timezone.localdate())
    if table is None or not class_code:
        return None
    best: tuple[int, str] | None = None
    for row in table.rows:
        prefix = row.key.get("class_prefix", "")
        if prefix and class_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), row.values.get("category") or "")
    return None if best is None else best[1]


def policy_for(class_code: str, on: datetime.date) -> tuple[str, int | None]:
    """(method, useful life in months) for a class booked on a date; exempt or unknown → (不计提, None)."""
    category = category_for(class_code, on)
    if not category:
        return DepreciationMethod.NONE, None
    table = _table(YEARS, on)
    row = table.get(category=category) if table is not None else None
    years = row.values.get("years") if row is not None else None
    if not years:
        return DepreciationMethod.NONE, None
    return DepreciationMethod.STRAIGHT_LINE, int(years) * 12


# ----------------------------------------------------------------------------------------- arithmetic

def month_index(day: datetime.date) -> int:
    """Months since year 0 (January 2026 and February 2026 are one apart)."""
    return day.year * 12 + day.month - 1


def last_closed_month(day: datetime.date) -> int:
    """The month index of the last month that has ended on or before ``day``."""
    tomorrow = day + datetime.timedelta(days=1)
    return month_index(tomorrow) - 1


def to_cents(value: Decimal | int | None) -> int:
    return int((Decimal(value or 0) * 100).to_integral_value())


def depreciates(asset: Any) -> bool:
    return (asset.depreciation_method == DepreciationMethod.STRAIGHT_LINE and bool(asset.useful_life_months)
            and asset.depreciation_start is not None and asset.value_type != ValueType.NOMINAL)


def monthly_amount(asset: Any) -> Decimal:
    """This card's monthly charge (原值 ÷ 折旧月数, rounded up to the cent); 0 when it does not depreciate."""
    if not depreciates(asset):
        return Decimal("0.00")
    life = int(asset.useful_life_months)
    return Decimal(-(-to_cents(asset.original_value) // life)) / 100


def _accumulated_cents(asset: Any, through: int) -> int:
    """Accumulated depreciation in cents after charging every month up to month index ``through``."""
    original, opening = to_cents(asset.original_value), to_cents(asset.opening_depreciation)
    if not depreciates(asset):
        return opening
    if asset.disposed_on is not None:
        through = min(through, month_index(asset.disposed_on) - 1)  # 当月减少当月不计提
    months = max(0, through - month_index(asset.depreciation_start) + 1)
    life = int(asset.useful_life_months)
    monthly = -(-original // life)
    return max(opening, min(original, opening + monthly * min(months, life)))


def opening_depreciation_start(booked_on: datetime.date, *, imported_on: datetime.date | None = None) -> datetime.date:
    """``depreciation_start`` of a card taken over from a legacy ledger together with its accumulated
    depreciation (``opening_depreciation``).

    The legacy figure is the depreciation charged through the month *before* the import (ledgers charge at
    month end), so this system charges from the import month on — or from the booking month when the card
    was booked in the import month. The importer must set both fields together: a legacy card booked in
    2021 keeps ``booked_on`` 2021 but gets ``depreciation_start`` = the import month; setting it to the
    booking month would charge 2021 … today a second time on top of the opening figure. A legacy ledger
    without an accumulated-depreciation column has nothing to take over: its cards depreciate from their
    booking month (``opening_depreciation`` 0), like a card booked here.
    """
    month = (imported_on or timezone.localdate()).replace(day=1)
    return max(booked_on.replace(day=1), month)


def accumulated_as_of(asset: Any, day: datetime.date) -> Decimal:
    """Accumulated depreciation of one card at the end of ``day`` (months ended by then)."""
    return Decimal(_accumulated_cents(asset, last_closed_month(day))) / 100


def accumulated_through_month(asset: Any, month: datetime.date) -> Decimal:
    """Accumulated depreciation once the month ``month`` has been charged (what a run writes)."""
    return Decimal(_accumulated_cents(asset, month_index(month))) / 100


def net_value_as_of(asset: Any, day: datetime.date) -> Decimal:
    return Decimal(asset.original_value) - accumulated_as_of(asset, day)


# --------------------------------------------------------------------------------------- SQL (set-based)

class MonthIndex(Func):
    """year × 12 + month − 1 of a date column, as an integer (NULL stays NULL)."""

    output_field = IntegerField()

    def __init__(self, expression: Any, **extra: Any) -> None:
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"(CAST(substr({sql}, 1, 4) AS INTEGER) * 12 + CAST(substr({sql}, 6, 2) AS INTEGER) - 1)",
                params * 2)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"(CAST(EXTRACT(YEAR FROM {sql}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {sql}) AS INTEGER) - 1)",
                params * 2)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]  # ANSI EXTRACT
        return self.as_postgresql(compiler, connection, **extra)


def cents_expression(field: str) -> Any:
    return Cast(Func(F(field) * Value(100), function="ROUND"), BigIntegerField())


DEPRECIATING_Q = (Q(depreciation_method=DepreciationMethod.STRAIGHT_LINE) & Q(useful_life_months__gt=0)
                  & Q(depreciation_start__isnull=False) & ~Q(value_type=ValueType.NOMINAL))


def accumulated_cents_expression(through: int) -> Any:
    """SQL for a card's accumulated depreciation in cents once months up to index ``through`` are charged."""
    original, opening = cents_expression("original_value"), cents_expression("opening_depreciation")
    end = Case(When(disposed_on__isnull=False, then=Least(Value(through), MonthIndex("disposed_on") - 1)),
               default=Value(through), output_field=IntegerField())
    months = Least(Greatest(end - MonthIndex("depreciation_start") + 1, Value(0)), F("useful_life_months"))
    life = F("useful_life_months")
    monthly = ExpressionWrapper((original + life - 1) / life, output_field=BigIntegerField())  # integer division
    charged = Greatest(opening, Least(original, opening + monthly * months))
    return Case(When(DEPRECIATING_Q, then=charged), default=opening, output_field=BigIntegerField())


def accumulated_expression(day: datetime.date) -> Any:
    """SQL: accumulated depreciation (元) of each card as of ``day`` — ``qs.annotate(acc=...)``."""
    return ExpressionWrapper(accumulated_cents_expression(last_closed_month(day)) / Value(100.0),
                             output_field=DecimalField(max_digits=16, decimal_places=2))


def accumulated_total(queryset: QuerySet[Any], day: datetime.date) -> Decimal:
    """Accumulated depreciation of a whole set of cards as of ``day``, in one query (exact to the cent)."""
    from django.db.models import Sum

    cents = queryset.aggregate(c=Sum(accumulated_cents_expression(last_closed_month(day))))["c"] or 0
    return Decimal(int(cents)) / 100


__all__ = [
    "DEPRECIATING_Q",
    "MonthIndex",
    "accumulated_as_of",
    "accumulated_cents_expression",
    "accumulated_expression",
    "accumulated_through_month",
    "accumulated_total",
    "category_for",
    "cents_expression",
    "depreciates",
    "last_closed_month",
    "month_index",
    "monthly_amount",
    "net_value_as_of",
    "opening_depreciation_start",
    "policy_for",
]
