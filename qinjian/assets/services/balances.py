"""Month-end balances (月末余额): the ledger summed up to each month-end, stored so that a ledger as of any
date is the last valid month-end plus the few journal lines after it.

``balances_build(month_end)`` replaces one month-end's rows: the journal summed up to that day by unit and
class (one ``INSERT … SELECT … GROUP BY``), with the accumulated depreciation of that day by unit and
class (one grouped query over the cards). ``BalanceMonth.is_valid`` says whether the stored rows still
agree with the journal: ``balances_invalidate_from(day)`` — called for every journal line dated on or
before the latest closed month-end (back-dated bookings, imports, and value or class changes, which move
the card's depreciation since it began) — marks every month-end on or after that day invalid with one
``UPDATE``; an invalid month-end is never read (the selectors fall back to an earlier valid one, or to the
journal itself) and is rebuilt by the next monthly run, by the rebuild job queued when it was
invalidated, or by ``qinjian build_asset_balances``.

Concurrency: on SQLite every write transaction is ``IMMEDIATE`` (one writer at a time), so a build and a
journal write never interleave. On PostgreSQL a build holds an exclusive advisory lock for its
transaction and a back-dated journal write takes the shared one before it invalidates: a line committed
before the build started is in the build; a line written while the build runs waits and then marks the
freshly built month-end invalid.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from qinjian.core.errors import ValidationFailed

from ..models import AssetBalance, AssetMovement, BalanceMonth

log = logging.getLogger(__name__)

LOCK_KEY = 7_301_043  # pg advisory lock: builds exclusive, back-dated journal writes shared
REBUILD_DELAY = 30  # seconds: a burst of back-dated writes is rebuilt once
DEFAULT_MONTHS = 24

Progress = Callable[[int, int, str], None]


def month_end_of(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def last_closed_month_end(today: datetime.date | None = None) -> datetime.date:
    """The last day of the month before ``today``'s (the latest month-end that can have balances)."""
    return (today or timezone.localdate()).replace(day=1) - datetime.timedelta(days=1)


def recent_month_ends(months: int, *, through: datetime.date | None = None) -> list[datetime.date]:
    """The last ``months`` closed month-ends, oldest first, ending with ``through`` (default: last month's)."""
    end = month_end_of(through) if through is not None else last_closed_month_end()
    out = []
    for _ in range(max(0, months)):
        out.append(end)
        end = end.replace(day=1) - datetime.timedelta(days=1)
    return out[::-1]


def _advisory(shared: bool) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock{'_shared' if shared else ''}(%s)", [LOCK_KEY])


# ------------------------------------------------------------------------------------------- invalidate

def balances_invalidate_from(day: datetime.date) -> int:
    """Mark every stored month-end on or after ``day`` invalid (call it for each journal line written, with the
    earliest date written; a line dated after the latest closed month-end costs nothing). Returns the number
    of month-ends marked; a rebuild is queued for after the commit when there were any."""
    if day > last_closed_month_end():
        return 0
    _advisory(shared=True)
    marked = BalanceMonth.objects.filter(month_end__gte=day, is_valid=True).update(is_valid=False)
    if marked:
        transaction.on_commit(_queue_rebuild)
    return int(marked)


def _queue_rebuild() -> None:
    try:
        from ..jobs import rebuild_asset_balances

        rebuild_asset_balances.schedule(delay=REBUILD_DELAY)
    except Exception:  # a queue that is down must not fail the write (nightly sweep)
        log.warning("could not queue the month-end balance rebuild", exc_info=True)


# ------------------------------------------------------------------------------------------------ build

def _check(month_end: datetime.date) -> None:
    if month_end != month_end_of(month_end):
        raise ValidationFailed(f"{month_end:%Y-%m-%d}不是月末日期。", fields={"month_end": ["请选择月末日期。"]})
    if month_end >= timezone.localdate():
        raise ValidationFailed(f"{month_end:%Y年%m月}还没有结束，不能生成月末余额。",
                               fields={"month_end": ["只能生成已结束月份的月末余额。"]})


@transaction.atomic
def balances_build(month_end: datetime.date) -> BalanceMonth:
    """Replace the stored balances of one closed month-end (journal sums + accumulated depreciation)."""
    from ..selectors import card_depreciation

    _check(month_end)
    _advisory(shared=False)
    month, _ = BalanceMonth.objects.select_for_update().get_or_create(month_end=month_end,
                                                                     defaults={"is_valid": False})
    AssetBalance.objects.filter(month_end=month_end).delete()
    balance, movement = AssetBalance._meta.db_table, AssetMovement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {balance} (month_end, unit_id, class_code, quantity, value, value_fiscal, "  # noqa: S608
            f"value_nonfiscal, accumulated_depreciation) "
            f"SELECT %s, unit_id, class_code, SUM(quantity), SUM(value), SUM(value_fiscal), SUM(value_nonfiscal), 0 "
            f"FROM {movement} WHERE occurred_on <= %s GROUP BY unit_id, class_code",
            [month_end, month_end])
    depreciation = {key: amount for key, amount in card_depreciation(None, month_end, full_class=True).items()
                    if amount}
    if depreciation:
        present = set(AssetBalance.objects.filter(month_end=month_end).values_list("unit_id", "class_code"))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {balance} SET accumulated_depreciation = %s "  # noqa: S608
                f"WHERE month_end = %s AND unit_id = %s AND class_code = %s",
                [(amount, month_end, unit_id, code) for (unit_id, code), amount in depreciation.items()
                 if (unit_id, code) in present])
        AssetBalance.objects.bulk_create(
            [AssetBalance(month_end=month_end, unit_id=unit_id, class_code=code, accumulated_depreciation=amount)
             for (unit_id, code), amount in depreciation.items() if (unit_id, code) not in present],
            batch_size=1000)
    month.row_count = AssetBalance.objects.filter(month_end=month_end).count()
    month.is_valid, month.built_at = True, timezone.now()
    month.save(update_fields=["row_count", "is_valid", "built_at"])
    return month


def balances_build_recent(months: int = DEFAULT_MONTHS, *, through: datetime.date | None = None,
                          only_missing: bool = False, progress: Progress | None = None) -> list[BalanceMonth]:
    """Build the last ``months`` closed month-ends (each in its own transaction); ``only_missing`` skips the
    ones already stored and valid."""
    ends = recent_month_ends(months, through=through)
    if only_missing:
        valid = set(BalanceMonth.objects.filter(month_end__in=ends, is_valid=True).values_list("month_end", flat=True))
        ends = [e for e in ends if e not in valid]
    built = []
    for i, end in enumerate(ends, start=1):
        built.append(balances_build(end))
        if progress is not None:
            progress(i, len(ends), f"已生成 {end:%Y年%m月} 月末余额")
    return built


def balances_rebuild_invalid(progress: Progress | None = None) -> int:
    """Rebuild every stored month-end that has been marked invalid; returns how many."""
    ends = list(BalanceMonth.objects.filter(is_valid=False).order_by("month_end").values_list("month_end", flat=True))
    done = 0
    for end in ends:
        if end >= timezone.localdate():
            continue
        balances_build(end)
        done += 1
        if progress is not None:
            progress(done, len(ends), f"已重建 {end:%Y年%m月} 月末余额")
    return done


def balances_status() -> dict[str, Any]:
    """What is stored: counts of valid and invalid month-ends, the latest valid one."""
    latest = BalanceMonth.objects.filter(is_valid=True).order_by("-month_end").values_list("month_end", flat=True)
    return {"valid": BalanceMonth.objects.filter(is_valid=True).count(),
            "invalid": BalanceMonth.objects.filter(is_valid=False).count(),
            "latest": latest.first()}


__all__ = ["balances_build", "balances_build_recent", "balances_invalidate_from", "balances_rebuild_invalid",
           "balances_status", "last_closed_month_end", "month_end_of", "recent_month_ends"]
