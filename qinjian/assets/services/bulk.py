"""Booking many new cards at once (legacy-ledger import, demo data, benchmarks).

``bulk_book_new`` has the semantics of :func:`qinjian.assets.services.ledger.book` for each card — a
booking date, depreciation fields from the standards, a 入账 (or 导入) event and a ``BOOK`` journal
line — but writes cards, events and journal lines with a few ``bulk_create`` statements and the
change log set-based, all through the raw bulk path of :mod:`qinjian.core.bulk_insert` (ids reserved
first, rows streamed with ``executemany``/``COPY``), so 100,000 cards take seconds, not minutes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from qinjian.core.audit import bulk_log_created_rows
from qinjian.core.bulk_insert import allocate_ids, insert_rows
from qinjian.core.errors import ValidationFailed
from qinjian.core.numbering import next_numbers

from ..choices import ON_BOOKS_STATUSES, AssetStatus, DepreciationMethod, EventKind, MovementKind
from ..depreciation import category_for, policy_for
from ..models import Asset, AssetEvent, AssetMovement
from .balances import balances_invalidate_from

BATCH = 1000
CHUNK = 10_000  # cards checked and written at a time by bulk_book_rows
CARD_COLUMNS = tuple(f.attname for f in Asset._meta.concrete_fields)
EVENT_COLUMNS = tuple(f.attname for f in AssetEvent._meta.concrete_fields)
EVENT_BLANK: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
MOVEMENT_COLUMNS = ("asset_id", "unit_id", "class_code", "occurred_on", "kind", "quantity", "value", "value_fiscal",
                    "value_nonfiscal", "event_id", "created_at")
CODE_PREFIX = "ZC"
ZERO = Decimal("0")


def _policy_lookup() -> Callable[[str, datetime.date], tuple[str, int | None]]:
    """policy_for, memoised per (class, date). A class that depreciates but has no table in force on an
    old booking date (the standard begins in 2017) takes the policy in force today."""
    memo: dict[tuple[str, datetime.date], tuple[str, int | None]] = {}
    today = timezone.localdate()

    def lookup(code: str, on: datetime.date) -> tuple[str, int | None]:
        key = (code, on)
        if key not in memo:
            method, months = policy_for(code, on)
            if method == DepreciationMethod.NONE and category_for(code) and on < today:
                method, months = policy_for(code, today)
            memo[key] = (method, months)
        return memo[key]

    return lookup


def _class_codes(class_ids: set[int]) -> dict[int, str]:
    from qinjian.standards.models import AssetClass

    return dict(AssetClass.objects.filter(pk__in=class_ids).values_list("pk", "code")) if class_ids else {}


def _check(card: dict[str, Any], index: int, on: datetime.date, today: datetime.date) -> None:
    where = f"第 {index} 项资产（{card['name'] or '未命名'}）"
    if card["id"] is not None:
        raise ValidationFailed(f"{where}已经保存过，不能再次批量入账。")
    if card["unit_id"] is None:
        raise ValidationFailed(f"{where}没有所属单位。", fields={"unit": ["请选择所属单位。"]})
    if card["asset_class_id"] is None:
        raise ValidationFailed(f"{where}没有资产分类。", fields={"asset_class": ["请选择资产分类。"]})
    acquired = card["acquired_on"]
    if acquired is None:
        raise ValidationFailed(f"{where}没有取得日期。", fields={"acquired_on": ["请填写取得日期。"]})
    if on > today:
        raise ValidationFailed(f"{where}的入账日期不能晚于今天。", fields={"booked_on": ["入账日期不能晚于今天。"]})
    if on < acquired:
        raise ValidationFailed(f"{where}的入账日期不能早于取得日期（{acquired:%Y-%m-%d}）。",
                               fields={"booked_on": ["入账日期不能早于取得日期。"]})
    if not card["quantity"] or card["quantity"] < 1:
        raise ValidationFailed(f"{where}的数量应为正整数。", fields={"quantity": ["数量应为正整数。"]})
    value, fiscal, nonfiscal = card["original_value"], card["value_fiscal"], card["value_nonfiscal"]
    if value < 0 or fiscal < 0 or nonfiscal < 0:
        raise ValidationFailed(f"{where}的原值不能为负数。", fields={"original_value": ["原值不能为负数。"]})
    if value != fiscal + nonfiscal:
        raise ValidationFailed(f"{where}的财政拨款与非财政拨款之和不等于原值。",
                               fields={"original_value": ["财政拨款与非财政拨款之和应等于原值。"]})
    if card["opening_depreciation"] < 0 or card["opening_depreciation"] > value:
        raise ValidationFailed(f"{where}的累计折旧应在 0 与原值之间。",
                               fields={"opening_depreciation": ["累计折旧应在 0 与原值之间。"]})


def _defaults() -> dict[str, Any]:
    """Every concrete column of a new card with the value ``Asset()`` would hold."""
    return {f.attname: f.get_default() for f in Asset._meta.concrete_fields}


@transaction.atomic
def bulk_book_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, actor: Any,
                   on: datetime.date | None = None, message: str = "验收入账", event_kind: str = EventKind.BOOKED,
                   chunk_size: int = CHUNK) -> list[tuple[int, str]]:
    """:func:`bulk_book_new` for cards given as value tuples in ``columns`` order (attnames such as
    ``unit_id``, ``asset_class_id``; every other column takes its model default), without model
    instances: what an import of 100,000 rows writes. Returns (pk, code) of every card, in order.

    The rows are checked and written ``chunk_size`` at a time (memory stays bounded by a chunk);
    all-or-nothing through the surrounding transaction."""
    if event_kind not in (EventKind.BOOKED, EventKind.IMPORTED):
        raise ValueError(f"bulk_book_rows books cards: event_kind must be BOOKED or IMPORTED, not {event_kind!r}")
    columns = tuple(columns)
    unknown = set(columns) - {f.attname for f in Asset._meta.concrete_fields}
    if unknown:
        raise LookupError(f"assets.Asset has no column {sorted(unknown)[0]!r}")
    state = _BookState(actor=actor, on=on, message=message, event_kind=event_kind)
    written: list[tuple[int, str]] = []
    batch: list[Sequence[Any]] = []
    for values in rows:
        batch.append(values)
        if len(batch) >= chunk_size:
            written += [(c["id"], c["code"]) for c in state.book(
                [dict(zip(columns, v, strict=True)) for v in batch], first=len(written) + 1)]
            batch = []
    if batch:
        written += [(c["id"], c["code"]) for c in state.book(
            [dict(zip(columns, v, strict=True)) for v in batch], first=len(written) + 1)]
    state.finish()
    return written


class _BookState:
    """What every chunk of one bulk booking shares: the actor, the time, the memoised lookups."""

    def __init__(self, *, actor: Any, on: datetime.date | None, message: str, event_kind: str) -> None:
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.on, self.message, self.event_kind = on, message[:500], event_kind
        self.user = actor if getattr(actor, "is_authenticated", False) else None
        self.user_id = getattr(self.user, "pk", None)
        self.policy = _policy_lookup()
        self.defaults = _defaults()
        self.codes: dict[int, str] = {}
        self.kind_label = dict(EventKind.choices)[event_kind]
        self.earliest: datetime.date | None = None

    def finish(self) -> None:
        if self.earliest is not None:
            balances_invalidate_from(self.earliest)  # back-dated lines: stored month-ends after them are stale

    def book(self, cards: list[dict[str, Any]], *, first: int) -> list[dict[str, Any]]:
        """Check, complete and write ``cards`` (attname -> value; ``first`` numbers them in messages);
        returns them as written."""
        defaults, today, now = self.defaults, self.today, self.now
        cards = [{**defaults, **card} for card in cards]
        dates: list[datetime.date] = []
        for index, card in enumerate(cards, start=first):
            day = self.on or card["booked_on"] or today
            _check(card, index, day, today)
            dates.append(day)
        wanted = {c["asset_class_id"] for c in cards} - set(self.codes)
        self.codes.update(_class_codes(wanted))
        fresh = iter(next_numbers(CODE_PREFIX, sum(1 for c in cards if not c["code"])))
        card_ids = allocate_ids(Asset, len(cards))
        event_ids = allocate_ids(AssetEvent, len(cards))
        for card, day, pk in zip(cards, dates, card_ids, strict=True):
            card["id"] = pk
            if not card["code"]:
                card["code"] = next(fresh)
            card["class_code"] = class_code = self.codes.get(card["asset_class_id"], "")
            if not class_code:
                raise ValidationFailed(f"资产“{card['name']}”的资产分类不存在。", fields={"asset_class": ["资产分类不存在。"]})
            if card["useful_life_months"] is None:  # the lookup only when the card does not say
                card["depreciation_method"], card["useful_life_months"] = self.policy(class_code, day)
            if card["depreciation_start"] is None and card["useful_life_months"]:
                card["depreciation_start"] = day.replace(day=1)  # 当月增加，当月计提
            if card["accumulated_depreciation"] < card["opening_depreciation"]:
                card["accumulated_depreciation"] = card["opening_depreciation"]
            if card["status"] not in ON_BOOKS_STATUSES:
                card["status"] = AssetStatus.IN_USE
            card["status_since"] = card["status_since"] or day
            card["booked_on"] = day
            card["created_by_id"] = card["created_by_id"] or self.user_id
            card["created_at"] = card["created_at"] or now
            card["updated_at"] = now
        earliest = min(dates)
        self.earliest = earliest if self.earliest is None else min(self.earliest, earliest)

        insert_rows(Asset, CARD_COLUMNS, ([card[c] for c in CARD_COLUMNS] for card in cards))
        user_id, kind, message = self.user_id, self.event_kind, self.message

        def event_values(card: dict[str, Any], day: datetime.date, pk: int) -> dict[str, Any]:
            return {**EVENT_BLANK, "id": pk, "asset_id": card["id"], "kind": kind, "occurred_on": day,
                    "unit_id": card["unit_id"], "status_before": AssetStatus.DRAFT, "status_after": card["status"],
                    "value_after": card["original_value"], "message": message, "actor_id": user_id,
                    "created_by_id": user_id, "created_at": now, "updated_at": now}

        events = [event_values(card, day, pk) for card, day, pk in zip(cards, dates, event_ids, strict=True)]
        insert_rows(AssetEvent, EVENT_COLUMNS, ([e[c] for c in EVENT_COLUMNS] for e in events))
        insert_rows(AssetMovement, MOVEMENT_COLUMNS, (
            (card["id"], card["unit_id"], card["class_code"], day, MovementKind.BOOK, card["quantity"],
             card["original_value"], card["value_fiscal"], card["value_nonfiscal"], event["id"], now)
            for card, day, event in zip(cards, dates, events, strict=True)))
        bulk_log_created_rows(Asset, ((c["id"], f"{c['code']} {c['name']}", c) for c in cards))  # str(Asset)
        label = self.kind_label
        bulk_log_created_rows(AssetEvent, ((e["id"], f"{label} {e['occurred_on']:%Y-%m-%d}", e) for e in events))
        return cards


@transaction.atomic
def bulk_book_new(cards: Sequence[Asset], *, actor: Any, on: datetime.date | None = None,
                  message: str = "验收入账", event_kind: str = EventKind.BOOKED,
                  batch_size: int = BATCH) -> list[Asset]:
    """Save and book new (unsaved) cards in bulk; returns them with their pks.

    ``on`` is the booking date of every card; ``None`` keeps each card's own ``booked_on`` (today when
    blank). Cards without a code get the next ``ZC-<year>-nnnnnn`` numbers. A card whose status is an
    on-the-books status (闲置, 出租出借 …) keeps it; otherwise it is booked 在用. Cards carrying an
    ``opening_depreciation`` (imports) start with that accumulated depreciation. ``event_kind`` is
    ``BOOKED`` (验收入账) or ``IMPORTED`` (导入). All or nothing: one bad card refuses the whole set.
    """
    cards = list(cards)
    if not cards:
        return []
    if event_kind not in (EventKind.BOOKED, EventKind.IMPORTED):
        raise ValueError(f"bulk_book_new books cards: event_kind must be BOOKED or IMPORTED, not {event_kind!r}")
    state = _BookState(actor=actor, on=on, message=message, event_kind=event_kind)
    for start in range(0, len(cards), CHUNK):
        chunk = cards[start:start + CHUNK]
        booked = state.book([{c: getattr(card, c) for c in CARD_COLUMNS} for card in chunk], first=start + 1)
        for card, values in zip(chunk, booked, strict=True):
            for name, value in values.items():
                setattr(card, name, value)
            card._state.adding = False
    state.finish()
    return cards


__all__ = ["bulk_book_new", "bulk_book_rows"]
