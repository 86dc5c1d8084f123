"""Asset cards (资产卡片): register a draft, edit what may be edited, mark idle / back in use, delete a draft.

A card is registered as 待入账 (not on the books); it goes on the books only through a 验收入账 业务单
(``ledger.book``). Once booked, the figures on the books change only through documents: values through
价值变动, the owning unit through 调拨, the user through 领用/交回. The descriptive fields stay editable;
a change of class on a booked card moves its holding between classes in the journal (``ledger.reclassify``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from qinjian.core.errors import Conflict, ValidationFailed
from qinjian.core.numbering import next_number

from ..choices import AcquisitionMethod, AssetKind, AssetStatus, EventKind, ValueType
from ..models import Asset
from . import ledger

CENT = Decimal("0.01")
MAX_VALUE = Decimal("10000000000")  # 100 亿元: above this a card's value is a typing error
MAX_QUANTITY = 1_000_000
EARLIEST_DATE = datetime.date(1900, 1, 1)

VALUE_FIELDS = ("original_value", "value_fiscal", "value_nonfiscal")
TEXT_FIELDS = {
    "name": 200, "spec_model": 200, "brand": 100, "serial_number": 100, "measure_unit": 10, "supplier": 200,
    "purchase_project": 200, "invoice_no": 64, "voucher_no": 64, "location": 200, "legacy_code": 64,
    "legacy_class_code": 20, "notes": 5000,
}
CHOICE_FIELDS = {"kind": AssetKind, "value_type": ValueType, "acquisition_method": AcquisitionMethod}
DATE_FIELDS = ("acquired_on", "warranty_until")
RELATION_FIELDS = ("department", "custodian")
# Everything a caller may pass to asset_register / asset_update.
CARD_FIELDS = frozenset({*TEXT_FIELDS, *CHOICE_FIELDS, *DATE_FIELDS, *RELATION_FIELDS, *VALUE_FIELDS,
                         "asset_class", "class_code", "quantity", "unit"})
# Still editable on a disposed card (the books are closed; only the paperwork may be completed).
DISPOSED_EDITABLE = frozenset({"notes", "voucher_no", "invoice_no", "legacy_code"})


def _field_error(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={name: [message]})


def _text(name: str, value: Any) -> str:
    text = "" if value is None else str(value).replace("\x00", "").strip()
    limit = TEXT_FIELDS[name]
    if len(text) > limit:
        raise _field_error(name, f"不能超过 {limit} 个字。")
    return text


def _money(name: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise _field_error(name, "请输入金额（元），如 5600.00。") from None
    if not amount.is_finite():
        raise _field_error(name, "请输入金额（元），如 5600.00。")
    if amount < 0:
        raise _field_error(name, "金额不能为负数。")
    if amount > MAX_VALUE:
        raise _field_error(name, "金额超过 100 亿元，请核对是否多输了位数（单位为元）。")
    if amount != amount.quantize(CENT):
        raise _field_error(name, "金额最多保留两位小数（分）。")
    return amount.quantize(CENT)


def _date(name: str, value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value))
        except ValueError:
            raise _field_error(name, "日期格式应为 YYYY-MM-DD。") from None
    if value < EARLIEST_DATE:
        raise _field_error(name, "日期早于 1900 年，请核对。")
    return value


def _asset_class(value: Any) -> Any:
    from qinjian.standards.models import AssetClass

    if isinstance(value, AssetClass):
        return value
    code = str(value or "").replace("\x00", "").strip().upper()
    if not code:
        raise _field_error("asset_class", "请选择资产分类（GB/T 14885-2022）。")
    found = AssetClass.objects.filter(code=code[:9]).first() if len(code) <= 9 else None
    if found is None:
        raise _field_error("asset_class", f"分类代码“{code[:20]}”不在 GB/T 14885-2022 分类中，请核对。")
    return found


def _split_values(original: Decimal | None, fiscal: Decimal | None,
                  nonfiscal: Decimal | None) -> tuple[Decimal, Decimal, Decimal]:
    """原值 = 财政拨款 + 非财政拨款; a part left out is the rest (only the original: all fiscal)."""
    if original is None:
        if fiscal is None and nonfiscal is None:
            raise _field_error("original_value", "请填写原值（元）。")
        original = (fiscal or Decimal("0")) + (nonfiscal or Decimal("0"))
        if original > MAX_VALUE:
            raise _field_error("original_value", "原值超过 100 亿元，请核对是否多输了位数（单位为元）。")
    if fiscal is None and nonfiscal is None:
        fiscal, nonfiscal = original, Decimal("0")
    elif fiscal is None:
        assert nonfiscal is not None
        fiscal = original - nonfiscal
    elif nonfiscal is None:
        nonfiscal = original - fiscal
    if fiscal < 0 or nonfiscal < 0 or fiscal + nonfiscal != original:
        message = (f"财政拨款（{fiscal:,.2f}）与非财政拨款（{nonfiscal:,.2f}）之和应等于原值（{original:,.2f}）。")
        raise ValidationFailed(message, fields={"value_fiscal": [message], "value_nonfiscal": [message]})
    return original, fiscal, nonfiscal


def _check_people(unit: Any, department: Any, custodian: Any) -> None:
    if department is not None:
        if department.unit_id != unit.pk:
            raise _field_error("department", f"使用部门“{department.name}”不属于{unit.name}。")
        if not department.is_active:
            raise _field_error("department", f"使用部门“{department.name}”已停用。")
    if custodian is not None:
        if custodian.unit_id != unit.pk:
            raise _field_error("custodian", f"使用人“{custodian.name}”不是{unit.name}的人员。")
        if not custodian.is_active:
            raise _field_error("custodian", f"使用人“{custodian.name}”已离岗停用。")
        if department is not None and custodian.department_id not in (None, department.pk):
            raise _field_error("custodian", f"使用人“{custodian.name}”不在所选使用部门。")


def _check_dates(acquired_on: datetime.date | None, warranty_until: datetime.date | None,
                 booked_on: datetime.date | None = None) -> None:
    if acquired_on is None:
        raise _field_error("acquired_on", "请填写取得日期。")
    if acquired_on > timezone.localdate():
        raise _field_error("acquired_on", "取得日期不能晚于今天。")
    if booked_on is not None and acquired_on > booked_on:
        raise _field_error("acquired_on", f"取得日期不能晚于入账日期（{booked_on:%Y-%m-%d}）。")
    if warranty_until is not None and warranty_until < acquired_on:
        raise _field_error("warranty_until", "保修截止日期不能早于取得日期。")


def _quantity(value: Any) -> int:
    try:
        quantity = int(value)
    except (TypeError, ValueError):
        raise _field_error("quantity", "数量应为正整数。") from None
    if quantity < 1:
        raise _field_error("quantity", "数量至少为 1。")
    if quantity > MAX_QUANTITY:
        raise _field_error("quantity", f"数量不能超过 {MAX_QUANTITY:,}。")
    return quantity


def _choice(name: str, value: Any) -> str:
    choices = CHOICE_FIELDS[name]
    if value not in choices.values:
        raise _field_error(name, "请从列表中选择。")
    return str(value)


def _unknown(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - CARD_FIELDS)
    if unknown:
        raise ValidationFailed(f"资产卡片没有字段：{'、'.join(unknown)}。", fields={k: ["未知字段。"] for k in unknown})


def _check_unit(unit: Any) -> None:
    if unit is None:
        raise _field_error("unit", "请选择所属单位。")
    if not unit.is_active:
        raise _field_error("unit", f"单位“{unit.name}”已停用，不能登记资产。")


@transaction.atomic
def asset_register(*, actor: Any, unit: Any, **fields: Any) -> Asset:
    """A new 待入账 card (code ZC-年份-序号) with its 登记 event; it goes on the books by 验收入账."""
    _unknown(fields)
    fields.pop("unit", None)
    _check_unit(unit)
    asset = Asset(unit=unit, status=AssetStatus.DRAFT)
    name = _text("name", fields.get("name"))
    if not name:
        raise _field_error("name", "请填写资产名称。")
    asset.name = name
    for key in TEXT_FIELDS:
        if key != "name" and key in fields:
            setattr(asset, key, _text(key, fields[key]))
    if not asset.measure_unit:
        asset.measure_unit = "台"
    for key in CHOICE_FIELDS:
        if fields.get(key) not in (None, ""):
            setattr(asset, key, _choice(key, fields[key]))
    asset.asset_class = _asset_class(fields.get("asset_class") or fields.get("class_code"))
    asset.quantity = _quantity(fields.get("quantity", 1))
    asset.original_value, asset.value_fiscal, asset.value_nonfiscal = _split_values(
        *(_money(k, fields.get(k)) for k in VALUE_FIELDS))
    asset.acquired_on = _date("acquired_on", fields.get("acquired_on"))  # type: ignore[assignment]
    asset.warranty_until = _date("warranty_until", fields.get("warranty_until"))
    _check_dates(asset.acquired_on, asset.warranty_until)
    asset.department, asset.custodian = fields.get("department"), fields.get("custodian")
    _check_people(unit, asset.department, asset.custodian)
    asset.status_since = timezone.localdate()
    asset.code = next_number("ZC")
    asset.save()
    ledger.record_event(asset, EventKind.REGISTERED, on=timezone.localdate(), actor=actor,
                        status_after=AssetStatus.DRAFT, value_after=asset.original_value,
                        message="登记资产卡片（待验收入账）")
    return asset


def _label(name: str) -> str:
    field: Any = Asset._meta.get_field("asset_class" if name == "class_code" else name)
    return str(field.verbose_name)


@transaction.atomic
def asset_update(*, asset: Asset, actor: Any, **fields: Any) -> Asset:
    """Edit a card. On a booked card values, quantity, unit and user change only through 业务单."""
    _unknown(fields)
    card = ledger.lock_assets([asset.pk])[asset.pk]
    booked = card.status != AssetStatus.DRAFT
    disposed = card.status == AssetStatus.DISPOSED
    if "class_code" in fields and "asset_class" not in fields:
        fields["asset_class"] = fields.pop("class_code")
    else:
        fields.pop("class_code", None)

    changed: list[str] = []

    def differs(name: str, new: Any) -> bool:
        current = getattr(card, f"{name}_id" if name in ("unit", *RELATION_FIELDS, "asset_class") else name)
        new_cmp = getattr(new, "pk", new)
        return bool(current != new_cmp)

    if disposed:
        refused = [k for k in fields if k not in DISPOSED_EDITABLE and differs(k, _peek(k, fields[k]))]
        if refused:
            raise Conflict(f"资产“{card.code}”已处置，只能补充备注、凭证号、发票号和原资产编号。",
                           fields={k: ["已处置的资产不能修改此项。"] for k in refused})

    # --- the figures on the books --------------------------------------------------------------
    if "unit" in fields and fields["unit"] is not None and fields["unit"].pk != card.unit_id:
        if booked:
            raise Conflict("已入账资产的所属单位只能通过“调拨”业务单变更。",
                           fields={"unit": ["已入账资产请通过调拨业务单变更所属单位。"]})
        _check_unit(fields["unit"])
        card.unit = fields["unit"]
        if "department" not in fields:
            fields["department"] = None
        if "custodian" not in fields:
            fields["custodian"] = None
        changed.append("unit")
    values = {k: _money(k, fields[k]) for k in VALUE_FIELDS if k in fields}
    if values:
        original = values.get("original_value") if "original_value" in values else card.original_value
        new = _split_values(original, values.get("value_fiscal"), values.get("value_nonfiscal"))
        if new != (card.original_value, card.value_fiscal, card.value_nonfiscal):
            if booked:
                raise Conflict("已入账资产的原值和资金来源只能通过“价值变动”业务单调整。",
                               fields={k: ["已入账资产请通过价值变动业务单调整。"] for k in values})
            card.original_value, card.value_fiscal, card.value_nonfiscal = new
            changed.append("original_value")
    if "quantity" in fields:
        quantity = _quantity(fields["quantity"])
        if quantity != card.quantity:
            if booked:
                raise Conflict("已入账资产的数量是账面数，不能直接修改（增减请办理入账、处置或盘点调整）。",
                               fields={"quantity": ["已入账资产不能直接修改数量。"]})
            card.quantity = quantity
            changed.append("quantity")

    # --- descriptive fields --------------------------------------------------------------------
    for key in TEXT_FIELDS:
        if key in fields:
            text = _text(key, fields[key])
            if key == "name" and not text:
                raise _field_error("name", "请填写资产名称。")
            if key == "measure_unit" and not text:
                text = card.measure_unit or "台"
            if text != getattr(card, key):
                setattr(card, key, text)
                changed.append(key)
    for key in CHOICE_FIELDS:
        if key in fields and fields[key] not in (None, ""):
            value = _choice(key, fields[key])
            if value != getattr(card, key):
                setattr(card, key, value)
                changed.append(key)
    for key in DATE_FIELDS:
        if key in fields:
            day = _date(key, fields[key])
            if key == "acquired_on" and day is None:
                raise _field_error("acquired_on", "请填写取得日期。")
            if day != getattr(card, key):
                setattr(card, key, day)
                changed.append(key)
    _check_dates(card.acquired_on, card.warranty_until, card.booked_on if booked else None)
    department = fields.get("department", card.department)
    custodian = fields.get("custodian", card.custodian)
    if "custodian" in fields and differs("custodian", custodian) and booked:
        raise Conflict("已入账资产的使用人请通过“领用”或“交回”业务单变更，以便在资产履历中留下记录。",
                       fields={"custodian": ["请通过领用、交回业务单变更使用人。"]})
    _check_people(card.unit, department, custodian if differs("custodian", custodian) or
                  differs("department", department) else None)
    relations: tuple[tuple[str, Any], ...] = (("department", department), ("custodian", custodian))
    for key, value in relations:
        if differs(key, value):
            setattr(card, key, value)
            changed.append(key)

    new_class = _asset_class(fields["asset_class"]) if fields.get("asset_class") not in (None, "") else None
    reclassified = new_class is not None and new_class.pk != card.asset_class_id
    if not changed and not reclassified:
        return card
    today = timezone.localdate()
    if changed:
        card.save()
        if booked and "value_type" in changed:  # 名义金额 or not changes the depreciation of every month since
            from .balances import balances_invalidate_from

            balances_invalidate_from(card.depreciation_start or card.booked_on or today)
    if reclassified:
        assert new_class is not None
        old = f"{card.class_code} {card.asset_class.name}"
        if booked:
            ledger.reclassify(card, new_class=new_class, on=today, actor=actor,
                              message=f"资产分类由 {old} 调整为 {new_class.code} {new_class.name}")
        else:
            card.asset_class = new_class
            card.save()
        changed.append("class_code")
    if changed != ["class_code"] or not booked:
        shown = "、".join(dict.fromkeys(_label(k) for k in changed))
        ledger.record_event(card, EventKind.EDITED, on=today, actor=actor, message=f"修改了{shown}")
    return card


def _peek(name: str, value: Any) -> Any:
    """The comparable value of an input without validating it (used to list refused fields)."""
    if name == "asset_class":
        return value
    if name in VALUE_FIELDS:
        try:
            return Decimal(str(value)).quantize(CENT)
        except (InvalidOperation, ValueError):
            return value
    if name in DATE_FIELDS:
        try:
            return _date(name, value)
        except ValidationFailed:
            return value
    if name in TEXT_FIELDS:
        return "" if value is None else str(value).strip()
    return value


def _status_day(card: Asset, on: datetime.date | None) -> datetime.date:
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise _field_error("on", "日期不能晚于今天。")
    if card.status_since and day < card.status_since:
        raise _field_error("on", f"日期不能早于当前状况的起始日期（{card.status_since:%Y-%m-%d}）。")
    return day


@transaction.atomic
def asset_mark_idle(*, asset: Asset, actor: Any, on: datetime.date | None = None, reason: str = "") -> Asset:
    """在用 → 闲置 (the unit's asset officer, no document): the idle-asset rule counts from this day."""
    card = ledger.lock_assets([asset.pk])[asset.pk]
    ledger.require_status(card, (AssetStatus.IN_USE,), "标记为闲置")
    day = _status_day(card, on)
    ledger.set_status(card, status=AssetStatus.IDLE, on=day, actor=actor,
                      message=("标记为闲置：" + reason.strip()[:200]) if reason.strip() else "标记为闲置")
    return card


@transaction.atomic
def asset_mark_in_use(*, asset: Asset, actor: Any, on: datetime.date | None = None, reason: str = "") -> Asset:
    """闲置 → 在用."""
    card = ledger.lock_assets([asset.pk])[asset.pk]
    ledger.require_status(card, (AssetStatus.IDLE,), "恢复在用")
    day = _status_day(card, on)
    ledger.set_status(card, status=AssetStatus.IN_USE, on=day, actor=actor,
                      message=("恢复在用：" + reason.strip()[:200]) if reason.strip() else "恢复在用")
    return card


@transaction.atomic
def asset_delete(*, asset: Asset, actor: Any) -> None:
    """Delete a 待入账 card registered by mistake (a card that was ever on the books is never deleted)."""
    card = ledger.lock_assets([asset.pk])[asset.pk]
    if card.status != AssetStatus.DRAFT or card.booked_on is not None:
        raise Conflict(f"资产“{card.code}”已入账，不能删除（退出账面请办理处置）。")
    line = card.operation_lines.select_related("operation").first()
    if line is not None:
        raise Conflict(f"资产“{card.code}”已列入业务单 {line.operation.number}，请先从业务单中移除后再删除。")
    if card.movements.exists():
        raise Conflict(f"资产“{card.code}”已有账务记录，不能删除。")
    card.delete()


__all__ = ["asset_delete", "asset_mark_idle", "asset_mark_in_use", "asset_register", "asset_update"]
