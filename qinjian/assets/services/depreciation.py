"""The monthly depreciation run (按月计提折旧): one run per month, set-based, all or nothing.

``depreciation_run(month=..., actor=...)`` charges every card that depreciates in that month (booked, not
disposed in or before it, not yet charged for it, not fully depreciated) with ``UPDATE`` statements over
id ranges — no Python loop over the cards — and writes the run with its totals per unit and class. Only
cards whose figure changes are written. On PostgreSQL each id range is one statement (the changing cards,
their update and the totals of exactly the rows updated, through ``RETURNING``) under one table lock
taken at the start (reads go on; writes to cards wait for the run), and the card table keeps free room in
its pages (migration 0005, fillfactor) so the updates stay in the page without touching its indexes. The
amount charged to a card is the change of its accumulated depreciation to the value the rules give once
the month is charged (``qinjian.assets.depreciation``), so a month that was missed is made up (补提) in the
next run. The run is refused for a month already run, a month in the future, or a month before the last
run; two runs started at once end with one run and a clear refusal for the other.

The change log gets one readable record for the run (its totals), not one per card.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
)
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from qinjian.core.audit import log_change, snapshot
from qinjian.core.errors import Conflict, ValidationFailed
from qinjian.core.models import ObjectChange

from ..choices import AssetStatus, RunStatus
from ..depreciation import DEPRECIATING_Q, accumulated_cents_expression, cents_expression, month_index
from ..models import Asset, DepreciationRun, DepreciationRunLine

log = logging.getLogger(__name__)

CHUNK = 25_000  # cards per UPDATE (by id range)
LOCK_KEY = 7_301_042  # pg_advisory_xact_lock key of the depreciation run

Progress = Callable[[int, int, str], None]


def first_of_month(value: datetime.date | str) -> datetime.date:
    if isinstance(value, str):
        text = value.strip()
        try:
            day = datetime.date.fromisoformat(text if len(text) > 7 else f"{text}-01")
        except ValueError as exc:
            raise ValidationFailed("计提月份格式不正确，应为 YYYY-MM。", fields={"month": ["格式应为 YYYY-MM。"]}) from exc
    else:
        day = value
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def previous_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def month_label(month: datetime.date) -> str:
    return f"{month.year}年{month.month}月"


def due_queryset(month: datetime.date) -> Any:
    """Cards that depreciate in ``month`` and have not been charged for it yet."""
    return (Asset.objects.filter(DEPRECIATING_Q, depreciation_start__lte=month)
            .exclude(status=AssetStatus.DRAFT)
            .filter(Q(disposed_on__isnull=True) | Q(disposed_on__gte=next_month(month)))  # 当月减少当月不计提
            .filter(Q(depreciated_through__isnull=True) | Q(depreciated_through__lt=month))
            .filter(accumulated_depreciation__lt=F("original_value")))


def _lock() -> None:
    """Serialise runs: PostgreSQL advisory lock for this transaction (SQLite serialises writers itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def check_month(month: datetime.date) -> None:
    today = timezone.localdate()
    if month > today.replace(day=1):
        raise ValidationFailed(f"{month_label(month)}还没有到，不能计提未来月份的折旧。",
                               fields={"month": ["不能选择未来的月份。"]})
    done = DepreciationRun.objects.filter(month=month).first()
    if done is not None:
        raise Conflict(f"{month_label(month)}的折旧已经计提过（{done.get_status_display()}，"
                       f"{done.asset_count} 项资产，合计 {done.total_amount:,.2f} 元），不能重复计提。",
                       fields={"month": ["该月已计提。"]})
    later = DepreciationRun.objects.filter(month__gt=month).order_by("-month").first()
    if later is not None:
        raise Conflict(f"已计提至{month_label(later.month)}，不能再计提更早的{month_label(month)}。",
                       fields={"month": [f"请选择{month_label(later.month)}之后的月份。"]})


def _charge(month: datetime.date, progress: Progress | None) -> dict[tuple[int, str], list[int]]:
    """Charge the month on every due card, chunk by chunk; returns {(unit, class): [cards, cents]}."""
    bounds = Asset.objects.aggregate(lo=Min("pk"), hi=Max("pk"))  # the pk index, not a scan of the due cards
    totals: dict[tuple[int, str], list[int]] = {}
    if bounds["lo"] is None:
        return totals
    lo, hi = bounds["lo"], bounds["hi"]
    postgres = connection.vendor == "postgresql"
    if postgres:
        _lock_cards()
    charge = _charge_chunk_postgresql if postgres else _charge_chunk
    now = timezone.now()
    span = hi - lo + 1
    for start in range(lo, hi + 1, CHUNK):
        for unit_id, code, n, cents in charge(month, start, start + CHUNK, now):
            entry = totals.setdefault((unit_id, code), [0, 0])
            entry[0] += int(n)
            entry[1] += int(cents or 0)
        if progress is not None:
            progress(min(span, start + CHUNK - lo), span, f"正在计提{month_label(month)}折旧")
    return totals


def _lock_cards() -> None:
    """PostgreSQL: no other transaction writes or row-locks a card until the run commits (reads go on).

    Row locks taken chunk by chunk cost a write of every due card before its update (and held up edits of
    those cards until the commit all the same); one table lock costs nothing per card and leaves every
    statement of the run looking at the same cards, so the totals are exactly what the updates wrote. EXCLUSIVE (not
    SHARE ROW EXCLUSIVE) also keeps out ``SELECT … FOR UPDATE``, which would otherwise deadlock with the run."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Asset._meta.db_table)} IN EXCLUSIVE MODE")


def _changing(month: datetime.date, start: int, stop: int) -> Any:
    """The due cards with ids in [start, stop) whose accumulated depreciation changes."""
    new = accumulated_cents_expression(month_index(month))
    return (due_queryset(month).filter(pk__gte=start, pk__lt=stop)
            .filter(GreaterThan(new, cents_expression("accumulated_depreciation"))))


def _charge_chunk(month: datetime.date, start: int, stop: int, now: datetime.datetime) -> list[tuple[Any, ...]]:
    """SQLite (one writer at a time, so nothing changes between the two statements): totals, then the update."""
    chunk = _changing(month, start, stop)
    new = accumulated_cents_expression(month_index(month))
    delta = ExpressionWrapper(new - cents_expression("accumulated_depreciation"), output_field=BigIntegerField())
    rows = list(chunk.order_by().values_list("unit_id", "class_code").annotate(n=Count("pk"), cents=Sum(delta)))
    if rows:
        chunk.update(accumulated_depreciation=ExpressionWrapper(
            new / Value(100.0), output_field=DecimalField(max_digits=16, decimal_places=2)),
            depreciated_through=month, updated_at=now)
    return rows


def _charge_chunk_postgresql(month: datetime.date, start: int, stop: int,
                             now: datetime.datetime) -> list[tuple[Any, ...]]:
    """PostgreSQL: one statement per chunk — the changing cards with their old and new figures (computed
    once), their update, and the totals of exactly the rows updated (``RETURNING``)."""
    new = accumulated_cents_expression(month_index(month))
    due = (_changing(month, start, stop).order_by()
           .values("id", "unit_id", "class_code")
           .annotate(new_cents=new, old_cents=cents_expression("accumulated_depreciation")))
    sql, params = due.query.sql_with_params()
    table = connection.ops.quote_name(Asset._meta.db_table)
    statement = (
        f"WITH due (id, unit_id, class_code, new_cents, old_cents) AS MATERIALIZED ({sql}), changed AS ("  # noqa: S608 - compiled by the ORM, values bound
        f" UPDATE {table} AS card SET accumulated_depreciation = due.new_cents / 100.0,"
        f" depreciated_through = %s, updated_at = %s FROM due WHERE card.id = due.id"
        f" RETURNING due.unit_id, due.class_code, due.new_cents - due.old_cents AS cents)"
        f" SELECT unit_id, class_code, COUNT(*), SUM(cents) FROM changed GROUP BY unit_id, class_code")
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, month, now])
        return list(cursor.fetchall())


def depreciation_run(*, month: datetime.date | str, actor: Any, progress: Progress | None = None) -> DepreciationRun:
    """Charge one month's depreciation on every card (see the module docstring); returns the run."""
    month = first_of_month(month)
    check_month(month)
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        _lock()
        check_month(month)  # again, now that we hold the lock
        try:
            with transaction.atomic():
                run = DepreciationRun.objects.create(month=month, status=RunStatus.RUNNING, started_by=user,
                                                     started_at=timezone.now(), message="正在计提")
        except IntegrityError as exc:  # another run of the same month got there first
            raise Conflict(f"{month_label(month)}的折旧已经在计提或已计提，不能重复计提。",
                           fields={"month": ["该月已计提。"]}) from exc
        before = snapshot(run)
        totals = _charge(month, progress)
        DepreciationRunLine.objects.bulk_create(
            [DepreciationRunLine(run=run, unit_id=unit_id, class_code=code, asset_count=n,
                                 amount=Decimal(cents) / 100)
             for (unit_id, code), (n, cents) in sorted(totals.items())], batch_size=1000)
        count = sum(n for n, _ in totals.values())
        total = Decimal(sum(c for _, c in totals.values())) / 100
        message = (f"计提{month_label(month)}折旧：{count} 项资产，合计 {total:,.2f} 元，"
                   f"涉及 {len({u for u, _ in totals})} 个单位。")
        DepreciationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, finished_at=timezone.now(), asset_count=count, total_amount=total,
            message=message, updated_at=timezone.now())
        run.refresh_from_db()
        log_change(run, ObjectChange.Action.UPDATE, before=before, after=snapshot(run), message=message)
    log.info("depreciation run %s: %s", month, message)
    _vacuum_cards()
    build_month_end_balances(month, progress)
    return run


def _vacuum_cards() -> None:
    """PostgreSQL: the run rewrote every depreciating card; vacuum now so next month's UPDATEs reuse the
    space in the same pages (HOT updates: none of the changed columns is indexed) instead of writing a new
    entry into each of the card table's indexes — that halves the next run. Skipped inside a transaction."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(Asset._meta.db_table)}")
    except Exception:  # autovacuum does it later
        log.warning("vacuum after the depreciation run failed", exc_info=True)


def build_month_end_balances(month: datetime.date, progress: Progress | None = None) -> None:
    """After a run: rebuild the month-end balances marked invalid and build this month's end (once it has
    ended). A failure here leaves the run done; the rebuild job or the nightly sweep builds them later."""
    from .balances import balances_build, balances_rebuild_invalid, month_end_of

    end = month_end_of(month)
    try:
        if progress is not None:
            progress(0, 1, "正在生成月末余额")
        balances_rebuild_invalid()
        if end < timezone.localdate():
            balances_build(end)
    except Exception:  # the run is committed; the balances are rebuilt later
        log.exception("month-end balances after the depreciation run of %s not built", month)


def depreciation_backfill(*, through: datetime.date | str, queryset: Any = None) -> int:
    """Set cards' accumulated depreciation to what the rules give once ``through`` is charged, without a
    run (opening balances for demo data or a migration from another system). Returns the cards changed."""
    month = first_of_month(through)
    qs = due_queryset(month) if queryset is None else queryset.filter(pk__in=due_queryset(month).values("pk"))
    new = accumulated_cents_expression(month_index(month))
    with transaction.atomic():
        return int(qs.filter(GreaterThan(new, cents_expression("accumulated_depreciation"))).update(
            accumulated_depreciation=ExpressionWrapper(new / Value(100.0),
                                                       output_field=DecimalField(max_digits=16, decimal_places=2)),
            depreciated_through=month, updated_at=timezone.now()))


def run_previous_month(*, actor: Any = None, today: datetime.date | None = None) -> DepreciationRun | None:
    """What the monthly schedule does on the 1st: run last month unless it is done already."""
    month = previous_month(today or timezone.localdate())
    if DepreciationRun.objects.filter(month__gte=month).exists():
        return None
    return depreciation_run(month=month, actor=actor)


__all__ = ["build_month_end_balances", "depreciation_backfill", "depreciation_run", "due_queryset", "first_of_month", "month_label",
           "previous_month", "run_previous_month"]
