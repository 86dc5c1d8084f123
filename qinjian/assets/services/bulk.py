"""Booking many new cards at once (legacy-ledger import, demo data, benchmarks).

``bulk_book_new`` has the semantics of :func:`qinjian.assets.services.ledger.book` for each card — a
booking date, depreciation fields from the standards, a 入账 (or 导入) event and a ``BOOK`` journal
line — but writes cards, events and journal lines with a few ``bulk_create`` statements and the
change log set-based, all through the raw bulk path of :mod:`qinjian.core.bulk_insert` (ids reserved
first, rows streamed with ``executemany``/``COPY``), so 100,000 cards take seconds, not minutes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from qinjian.core.audit import bulk_log_created, bulk_log_created_rows
from qinjian.core.bulk_insert import allocate_ids, insert_rows
from qinjian.core.errors import ValidationFailed
from qinjian.core.numbering import next_numbers

from ..choices import ON_BOOKS_STATUSES, AssetStatus, DepreciationMethod, EventKind, MovementKind
from ..depreciation import category_for, policy_for
from ..models import Asset, AssetEvent, AssetMovement
from .balances import balances_invalidate_from

BATCH = 1000
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


def _class_codes(cards: Sequence[Asset]) -> dict[int, str]:
    from qinjian.standards.models import AssetClass

    wanted = {c.asset_class_id for c in cards if c.asset_class_id is not None
              and "asset_class" not in c._state.fields_cache}
    codes = {c.asset_class_id: c.asset_class.code for c in cards
             if c.asset_class_id is not None and "asset_class" in c._state.fields_cache}
    if wanted:
        codes.update(AssetClass.objects.filter(pk__in=wanted).values_list("pk", "code"))
    return codes  # type: ignore[return-value]


def _check(card: Asset, index: int, on: datetime.date, today: datetime.date) -> None:
    where = f"第 {index} 项资产（{card.name or '未命名'}）"
    if card.pk is not None:
        raise ValidationFailed(f"{where}已经保存过，不能再次批量入账。")
    if card.unit_id is None:
        raise ValidationFailed(f"{where}没有所属单位。", fields={"unit": ["请选择所属单位。"]})
    if card.asset_class_id is None:
        raise ValidationFailed(f"{where}没有资产分类。", fields={"asset_class": ["请选择资产分类。"]})
    if card.acquired_on is None:
        raise ValidationFailed(f"{where}没有取得日期。", fields={"acquired_on": ["请填写取得日期。"]})
    if on > today:
        raise ValidationFailed(f"{where}的入账日期不能晚于今天。", fields={"booked_on": ["入账日期不能晚于今天。"]})
    if on < card.acquired_on:
        raise ValidationFailed(f"{where}的入账日期不能早于取得日期（{card.acquired_on:%Y-%m-%d}）。",
                               fields={"booked_on": ["入账日期不能早于取得日期。"]})
    if not card.quantity or card.quantity < 1:
        raise ValidationFailed(f"{where}的数量应为正整数。", fields={"quantity": ["数量应为正整数。"]})
    if card.original_value < 0 or card.value_fiscal < 0 or card.value_nonfiscal < 0:
        raise ValidationFailed(f"{where}的原值不能为负数。", fields={"original_value": ["原值不能为负数。"]})
    if card.original_value != card.value_fiscal + card.value_nonfiscal:
        raise ValidationFailed(f"{where}的财政拨款与非财政拨款之和不等于原值。",
                               fields={"original_value": ["财政拨款与非财政拨款之和应等于原值。"]})
    if card.opening_depreciation < 0 or card.opening_depreciation > card.original_value:
        raise ValidationFailed(f"{where}的累计折旧应在 0 与原值之间。",
                               fields={"opening_depreciation": ["累计折旧应在 0 与原值之间。"]})


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
    today = timezone.localdate()
    user = actor if getattr(actor, "is_authenticated", False) else None
    policy = _policy_lookup()
    codes = _class_codes(cards)
    dates: list[datetime.date] = []
    for index, card in enumerate(cards, start=1):
        day = on or card.booked_on or today
        _check(card, index, day, today)
        dates.append(day)

    fresh = next_numbers(CODE_PREFIX, sum(1 for c in cards if not c.code))
    numbers = iter(fresh)
    now = timezone.now()
    for card, day in zip(cards, dates, strict=True):
        if not card.code:
            card.code = next(numbers)
        card.class_code = codes.get(card.asset_class_id, "")  # type: ignore[arg-type]
        if not card.class_code:
            raise ValidationFailed(f"资产“{card.name}”的资产分类不存在。", fields={"asset_class": ["资产分类不存在。"]})
        if card.useful_life_months is None:  # the lookup only when the card does not say
            card.depreciation_method, card.useful_life_months = policy(card.class_code, day)
        if card.depreciation_start is None and card.useful_life_months:
            card.depreciation_start = day.replace(day=1)  # 当月增加，当月计提
        if card.accumulated_depreciation < card.opening_depreciation:
            card.accumulated_depreciation = card.opening_depreciation
        if card.status not in ON_BOOKS_STATUSES:
            card.status = AssetStatus.IN_USE
        card.status_since = card.status_since or day
        card.booked_on = day
        card.created_by = card.created_by or user
        card.created_at = card.created_at or now
        card.updated_at = now

    card_ids = allocate_ids(Asset, len(cards))
    event_ids = allocate_ids(AssetEvent, len(cards))
    for card, pk in zip(cards, card_ids, strict=True):
        card.pk = card.id = pk  # type: ignore[assignment]
    card_fields = [f.attname for f in Asset._meta.concrete_fields]
    insert_rows(Asset, card_fields, ([getattr(card, name) for name in card_fields] for card in cards))
    user_id = getattr(user, "pk", None)
    kind_label = dict(EventKind.choices)[event_kind]

    def event_values(card: Asset, day: datetime.date, pk: int) -> dict[str, Any]:
        return {**EVENT_BLANK, "id": pk, "asset_id": card.pk, "kind": event_kind, "occurred_on": day,
                "unit_id": card.unit_id, "status_before": AssetStatus.DRAFT, "status_after": card.status,
                "value_after": card.original_value, "message": message[:500], "actor_id": user_id,
                "created_by_id": user_id, "created_at": now, "updated_at": now}

    insert_rows(AssetEvent, EVENT_COLUMNS, (
        [values[c] for c in EVENT_COLUMNS]
        for values in (event_values(card, day, pk) for card, day, pk in zip(cards, dates, event_ids, strict=True))))
    insert_rows(AssetMovement, MOVEMENT_COLUMNS, (
        (card.pk, card.unit_id, card.class_code, day, MovementKind.BOOK, card.quantity, card.original_value,
         card.value_fiscal, card.value_nonfiscal, event_pk, now)
        for card, day, event_pk in zip(cards, dates, event_ids, strict=True)))
    balances_invalidate_from(min(dates))  # back-dated lines: stored month-ends after them are stale
    bulk_log_created(cards)
    bulk_log_created_rows(AssetEvent, (
        (pk, f"{kind_label} {day:%Y-%m-%d}", event_values(card, day, pk))
        for card, day, pk in zip(cards, dates, event_ids, strict=True)))
    for card in cards:
        card._state.adding = False
    return cards


__all__ = ["bulk_book_new"]
