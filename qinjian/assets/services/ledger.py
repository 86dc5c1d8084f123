"""The primitives that change a card's standing on the books, each writing its event and journal lines.

Every lifecycle service (业务单 decisions, stocktake adjustments, imports) goes through these, so the
card, its 履历 and the ledger journal can never disagree. Callers hold the card's row lock
(``lock_assets``) and an open transaction; the primitives check the card's state and refuse
impossible transitions with a Chinese ``Conflict``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qinjian.core.errors import Conflict, ValidationFailed

from ..choices import AssetStatus, EventKind, MovementKind
from ..depreciation import policy_for
from ..models import Asset, AssetEvent, AssetMovement

CENT = Decimal("0.01")


def lock_assets(ids: Iterable[int]) -> dict[int, Asset]:
    """The cards with these ids, locked for the rest of the transaction (in id order: no deadlocks)."""
    wanted = sorted(set(ids))
    locked = Asset.objects.select_for_update(of=("self",)).select_related("unit", "asset_class").filter(
        pk__in=wanted).order_by("pk")
    found = {a.pk: a for a in locked}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationFailed(f"有 {len(missing)} 项资产不存在或已被删除。")
    return found


def require_status(asset: Asset, allowed: Iterable[str], verb: str) -> None:
    """Refuse an action the card's usage status does not allow (e.g. disposing of a lent asset)."""
    allowed = tuple(allowed)
    if asset.status not in allowed:
        shown = "、".join(AssetStatus(s).label for s in allowed)
        raise Conflict(f"资产“{asset.code} {asset.name}”目前为“{asset.get_status_display()}”，不能{verb}"
                       f"（只有{shown}的资产可以{verb}）。")


def record_event(asset: Asset, kind: str, *, on: datetime.date, actor: Any = None, operation: Any = None,
                 unit: Any = None, from_unit: Any = None, to_unit: Any = None, person: Any = None,
                 status_before: str = "", status_after: str = "", value_before: Decimal | None = None,
                 value_after: Decimal | None = None, amount: Decimal | None = None, message: str = "") -> AssetEvent:
    return AssetEvent.objects.create(
        asset=asset, kind=kind, occurred_on=on, unit=unit or asset.unit, from_unit=from_unit, to_unit=to_unit,
        person=person, operation=operation, status_before=status_before, status_after=status_after,
        value_before=value_before, value_after=value_after, amount=amount, message=message[:500],
        actor=actor if getattr(actor, "is_authenticated", False) else None)


def post_movement(asset: Asset, kind: str, *, on: datetime.date, unit: Any, sign: int, event: AssetEvent | None,
                  quantity: int | None = None, value: Decimal | None = None, fiscal: Decimal | None = None,
                  nonfiscal: Decimal | None = None) -> AssetMovement:
    """One journal line; quantity and values default to the card's whole holding, times ``sign``.

    Stored month-end balances from the line's date on become invalid — from the start of the card's
    depreciation for a change of value or class, which changes its depreciation in every month since."""
    from .balances import balances_invalidate_from

    since = on
    if kind in (MovementKind.VALUE_UP, MovementKind.VALUE_DOWN) and asset.depreciation_start is not None:
        since = min(on, asset.depreciation_start)
    balances_invalidate_from(since)
    return AssetMovement.objects.create(
        asset=asset, unit=unit, class_code=asset.class_code, occurred_on=on, kind=kind,
        quantity=sign * (asset.quantity if quantity is None else quantity),
        value=sign * (asset.original_value if value is None else value),
        value_fiscal=sign * (asset.value_fiscal if fiscal is None else fiscal),
        value_nonfiscal=sign * (asset.value_nonfiscal if nonfiscal is None else nonfiscal),
        event=event)


def _not_future(on: datetime.date, what: str) -> None:
    if on > timezone.localdate():
        raise ValidationFailed(f"{what}不能晚于今天。", fields={"occurred_on": [f"{what}不能晚于今天。"]})


def book(asset: Asset, *, on: datetime.date, actor: Any = None, operation: Any = None,
         kind: str = MovementKind.BOOK, status: str = AssetStatus.IN_USE, message: str = "验收入账") -> AssetEvent:
    """待入账 → on the books: booking date, depreciation fields from the standards, 入账 event and journal."""
    require_status(asset, (AssetStatus.DRAFT,), "入账")
    _not_future(on, "入账日期")
    if on < asset.acquired_on:
        raise ValidationFailed(f"资产“{asset.code}”的入账日期不能早于取得日期（{asset.acquired_on:%Y-%m-%d}）。")
    method, months = policy_for(asset.class_code, on)
    if asset.useful_life_months is None:
        asset.depreciation_method, asset.useful_life_months = method, months
    if asset.depreciation_start is None and asset.useful_life_months:
        asset.depreciation_start = on.replace(day=1)  # 当月增加，当月计提
    asset.status, asset.status_since, asset.booked_on = status, on, on
    asset.save()
    event = record_event(asset, EventKind.BOOKED, on=on, actor=actor, operation=operation,
                         status_before=AssetStatus.DRAFT, status_after=status, value_after=asset.original_value,
                         message=message)
    post_movement(asset, kind, on=on, unit=asset.unit, sign=1, event=event)
    return event


def transfer(asset: Asset, *, to_unit: Any, on: datetime.date, actor: Any = None, operation: Any = None,
             message: str = "") -> tuple[AssetEvent, AssetEvent]:
    """调拨: ownership and the ledger move together (调出 from one unit, 调入 to the other, same date)."""
    require_status(asset, (AssetStatus.IN_USE, AssetStatus.IDLE), "调拨")
    if to_unit is None or to_unit.pk == asset.unit_id:
        raise ValidationFailed("调入单位不能与调出单位相同。", fields={"counterpart_unit": ["调入单位不能与调出单位相同。"]})
    if not to_unit.is_active:
        raise ValidationFailed(f"调入单位“{to_unit.name}”已停用。", fields={"counterpart_unit": ["调入单位已停用。"]})
    from_unit = asset.unit
    out = record_event(asset, EventKind.TRANSFER_OUT, on=on, actor=actor, operation=operation, unit=from_unit,
                       from_unit=from_unit, to_unit=to_unit, status_before=asset.status,
                       status_after=AssetStatus.IN_USE, value_before=asset.original_value,
                       value_after=asset.original_value, message=message or f"调出至{to_unit.name}")
    post_movement(asset, MovementKind.TRANSFER_OUT, on=on, unit=from_unit, sign=-1, event=out)
    asset.unit, asset.department, asset.custodian = to_unit, None, None
    asset.status, asset.status_since = AssetStatus.IN_USE, on
    asset.save()
    into = record_event(asset, EventKind.TRANSFER_IN, on=on, actor=actor, operation=operation, unit=to_unit,
                        from_unit=from_unit, to_unit=to_unit, status_after=AssetStatus.IN_USE,
                        value_after=asset.original_value, message=message or f"由{from_unit.name}调入")
    post_movement(asset, MovementKind.TRANSFER_IN, on=on, unit=to_unit, sign=1, event=into)
    return out, into


def dispose(asset: Asset, *, on: datetime.date, method: str, actor: Any = None, operation: Any = None,
            income: Decimal | None = None, kind: str = MovementKind.DISPOSAL, message: str = "") -> AssetEvent:
    """Off the books (报废、出售、盘亏核销 …): the card stays, status 已处置, a decrease in the journal."""
    require_status(asset, (AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.PENDING_DISPOSAL), "处置")
    before = asset.status
    asset.status, asset.status_since, asset.disposed_on, asset.disposal_method = \
        AssetStatus.DISPOSED, on, on, method
    asset.save()
    event = record_event(asset, EventKind.DISPOSED, on=on, actor=actor, operation=operation, status_before=before,
                         status_after=AssetStatus.DISPOSED, value_before=asset.original_value, amount=income,
                         message=message)
    post_movement(asset, kind, on=on, unit=asset.unit, sign=-1, event=event)
    return event


def change_value(asset: Asset, *, new_value: Decimal, on: datetime.date, actor: Any = None, operation: Any = None,
                 new_fiscal: Decimal | None = None, message: str = "") -> AssetEvent:
    """价值变动 (追加、改扩建、评估 …): the difference goes to the journal; the split follows the fiscal part
    unless given."""
    require_status(asset, (AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.LENT, AssetStatus.PENDING_DISPOSAL),
                   "调整价值")
    new_value = Decimal(new_value).quantize(CENT)
    if new_value < 0:
        raise ValidationFailed("变动后原值不能为负数。", fields={"new_value": ["变动后原值不能为负数。"]})
    delta = new_value - asset.original_value
    if delta == 0:
        raise ValidationFailed(f"资产“{asset.code}”的变动后原值与原值相同。", fields={"new_value": ["与原值相同。"]})
    if new_fiscal is None:
        new_fiscal = max(Decimal("0"), asset.value_fiscal + delta) if delta < 0 else asset.value_fiscal + delta
        new_fiscal = min(new_fiscal, new_value)
    new_fiscal = Decimal(new_fiscal).quantize(CENT)
    if not Decimal("0") <= new_fiscal <= new_value:
        raise ValidationFailed("财政拨款部分应在 0 与变动后原值之间。")
    d_fiscal = new_fiscal - asset.value_fiscal
    d_nonfiscal = (new_value - new_fiscal) - asset.value_nonfiscal
    before = asset.original_value
    asset.original_value, asset.value_fiscal, asset.value_nonfiscal = new_value, new_fiscal, new_value - new_fiscal
    asset.save()
    event = record_event(asset, EventKind.VALUE_CHANGED, on=on, actor=actor, operation=operation,
                         value_before=before, value_after=new_value, message=message)
    kind = MovementKind.VALUE_UP if delta > 0 else MovementKind.VALUE_DOWN
    post_movement(asset, kind, on=on, unit=asset.unit, sign=1, event=event, quantity=0, value=delta,
                  fiscal=d_fiscal, nonfiscal=d_nonfiscal)
    return event


def set_status(asset: Asset, *, status: str, on: datetime.date, actor: Any = None, operation: Any = None,
               kind: str = EventKind.STATUS_CHANGED, person: Any = None, message: str = "") -> AssetEvent:
    """A change of usage status that does not touch the books (领用、交回、出借、收回、闲置 …)."""
    before = asset.status
    asset.status, asset.status_since = status, on
    asset.save()
    return record_event(asset, kind, on=on, actor=actor, operation=operation, person=person, status_before=before,
                        status_after=status, message=message)


def reclassify(asset: Asset, *, new_class: Any, on: datetime.date, actor: Any = None, message: str = "") -> None:
    """A booked card moves to another class: the journal moves its holding between the two classes."""
    if new_class.pk == asset.asset_class_id:
        return
    old_code = asset.class_code
    if asset.is_on_books:
        event = record_event(asset, EventKind.EDITED, on=on, actor=actor,
                             message=message or f"资产分类由 {old_code} 调整为 {new_class.code}")
        post_movement(asset, MovementKind.VALUE_DOWN, on=on, unit=asset.unit, sign=-1, event=event)
    asset.asset_class = new_class
    asset.save()
    if asset.is_on_books:
        post_movement(asset, MovementKind.VALUE_UP, on=on, unit=asset.unit, sign=1, event=event)


__all__ = ["book", "change_value", "dispose", "lock_assets", "post_movement", "reclassify", "record_event",
           "require_status", "set_status", "transfer"]
