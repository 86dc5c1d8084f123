"""Columns of the asset card list, of the unit's 资产 tab and of the card's 履历/业务单 tabs.

Cells never query: the list selects ``unit``, ``asset_class``, ``department`` and ``custodian``.
"""

from __future__ import annotations

from typing import Any

from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from qinjian.core.ui.tables import EMPTY, Column, Table, fmt
from qinjian.core.ui.views import try_reverse

from .choices import AssetStatus
from .models import Asset, AssetOperationLine

STATUS_CSS: dict[str, str] = {
    AssetStatus.DRAFT: "bg-yellow-lt",
    AssetStatus.IN_USE: "bg-green-lt",
    AssetStatus.LENT: "bg-azure-lt",
    AssetStatus.IDLE: "bg-orange-lt",
    AssetStatus.PENDING_DISPOSAL: "bg-red-lt",
    AssetStatus.DISPOSED: "bg-secondary-lt",
}


_PK = 987654321
_URL_PATTERNS: dict[tuple[str, str], str] = {}


def fast_url(name: str, pk: Any) -> str:
    """``reverse(name, args=[pk])`` for a one-pk URL, reversed once per name (a page has 50–100 rows × 3 links)."""
    key = (name, get_script_prefix())
    pattern = _URL_PATTERNS.get(key)
    if pattern is None:
        pattern = _URL_PATTERNS[key] = reverse(name, args=[_PK])
    return pattern.replace(str(_PK), str(pk), 1)


def _asset_url(record: Asset) -> str:
    return fast_url("assets:asset_detail", record.pk)


STATUS_LABELS: dict[str, str] = dict(AssetStatus.choices)


def status_badge(status: str, label: str) -> SafeString:
    return fmt('<span class="badge {}">{}</span>', STATUS_CSS.get(status, "bg-secondary-lt"), label)


def _status(record: Asset, value: Any) -> SafeString:
    return status_badge(record.status, STATUS_LABELS.get(record.status, record.status))


def _unit(record: Any, value: Any) -> SafeString:
    if value is None:
        return EMPTY
    return fmt('<a href="{}" title="{}">{}</a>', fast_url("org:unit_detail", value.pk), value.name,
               value.short_name or value.name)


_UNCONFIRMED = ' <span class="badge bg-yellow-lt" title="导入时自动分类，尚待确认">待确认</span>'


def _class(record: Asset, value: Any) -> SafeString:
    return fmt('<span class="qj-class-name">{}</span><div class="small text-secondary font-monospace">{}</div>{}',
               record.asset_class.name, record.class_code, mark_safe("" if record.class_confirmed else _UNCONFIRMED))


def _name(record: Asset, value: Any) -> SafeString:
    spec = " ".join(x for x in (record.brand, record.spec_model) if x)
    if record.quantity > 1:
        spec = f"{spec} · {record.quantity}{record.measure_unit}" if spec else f"{record.quantity}{record.measure_unit}"
    if spec:
        return fmt('<a href="{}">{}</a><div class="small text-secondary">{}</div>', _asset_url(record), value, spec)
    return fmt('<a href="{}">{}</a>', _asset_url(record), value)


def _money(value: Any) -> str:
    return f"{value:,.2f}" if value is not None else ""


def _net(record: Asset, value: Any) -> SafeString:
    return SafeString(_money(record.net_value))  # digits, commas and a point: nothing to escape


def _select(record: Asset, value: Any) -> SafeString:
    return fmt('<input class="form-check-input m-0 qj-asset-pick" type="checkbox" value="{}" aria-label="选择 {}">',
               record.pk, record.code)


def _quantity(record: Asset, value: Any) -> str:
    return f"{record.quantity} {record.measure_unit}"


class AssetTable(Table):
    model = Asset
    default_order = ("unit__tree_path", "code")

    pick = Column("选择", accessor="pk", render=_select, order_by=None, export=False, css="w-1 qj-pick")
    code = Column(linkify=_asset_url, required=True, css="text-nowrap font-monospace")
    name = Column(render=_name, required=True, css="qj-asset-name")
    asset_class = Column("资产分类", render=_class, order_by="class_code", export=lambda r: r.asset_class.name)
    class_code = Column(visible=False)
    spec_model = Column(visible=False)
    brand = Column(visible=False)
    unit = Column(render=_unit, order_by="unit__tree_path")
    department = Column(order_by="department__name", visible=False)
    custodian = Column(order_by="custodian__name")
    location = Column()
    status = Column(render=_status, export=lambda r: r.get_status_display())
    quantity = Column(render=_quantity, align="end", order_by=None, export=lambda r: r.quantity, visible=False)
    measure_unit = Column(visible=False, order_by=None)
    original_value = Column(align="end", css="text-nowrap")
    value_fiscal = Column(align="end", visible=False)
    value_nonfiscal = Column(align="end", visible=False)
    accumulated_depreciation = Column(align="end", visible=False)
    net_value = Column("净值（元）", render=_net, align="end", order_by=None, export=lambda r: r.net_value,
                       css="text-nowrap")
    acquisition_method = Column(visible=False)
    acquired_on = Column(css="text-nowrap")
    booked_on = Column(visible=False, css="text-nowrap")
    supplier = Column(visible=False)
    warranty_until = Column(visible=False)
    legacy_code = Column(visible=False)
    voucher_no = Column(visible=False)
    serial_number = Column(visible=False, order_by=None)


class UnitAssetTable(AssetTable):
    """The 资产 tab of a unit: the unit is known, so no unit column and no selection."""


def _line_operation(record: AssetOperationLine, value: Any) -> SafeString:
    op: Any = record.operation
    url = try_reverse("assets:assetoperation_detail", op.pk)
    return format_html('<a href="{}">{}</a>', url, op.number) if url else format_html("{}", op.number)


class AssetOperationLineTable(Table):
    model = AssetOperationLine
    default_order = ("-operation__created_at", "-id")

    number = Column("业务单号", accessor="operation", render=_line_operation, order_by=None)
    kind = Column("业务类型", accessor="operation.kind", order_by=None)
    occurred_on = Column("业务日期", accessor="operation.occurred_on", order_by=None)
    status = Column("状态", accessor="operation.status", order_by=None)
    reason = Column("事由", accessor="operation.reason", order_by=None)
    note = Column(order_by=None)
