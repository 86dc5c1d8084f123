"""Tables of the 资产业务单 pages (the list, the lines of one document)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from qinjian.core.ui.tables import Column, Table
from qinjian.core.ui.views import try_reverse

from .choices import OperationStatus
from .models import AssetOperation, AssetOperationLine

STATUS_BADGES: dict[str, str] = {
    OperationStatus.DRAFT: "bg-secondary-lt", OperationStatus.PENDING: "bg-blue-lt",
    OperationStatus.RETURNED: "bg-orange-lt", OperationStatus.WITHDRAWN: "bg-secondary-lt",
    OperationStatus.REJECTED: "bg-red-lt", OperationStatus.DONE: "bg-green-lt",
}


def status_badge(operation: AssetOperation, value: Any = None) -> SafeString:
    return format_html('<span class="badge {}">{}</span>', STATUS_BADGES.get(operation.status, "bg-secondary-lt"),
                       operation.get_status_display())


def yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


class OperationTable(Table):
    model = AssetOperation
    default_order = ("-created_at", "-id")

    number = Column(linkify=True, required=True)
    kind = Column()
    unit = Column(order_by="unit__tree_path")
    counterpart_unit = Column(visible=True, order_by="counterpart_unit__tree_path")
    line_count = Column(align="end")
    total_value = Column(align="end", render=lambda r, v: yuan(v), export=lambda r: r.total_value)
    status = Column(render=status_badge, export=lambda r: r.get_status_display())
    occurred_on = Column()
    approval_number = Column(visible=False)
    done_on = Column(visible=False)
    created_at = Column("申请时间", visible=False)


class LineTable(Table):
    model = AssetOperationLine

    code = Column("资产编号", accessor="asset.code", order_by=None,
                  linkify=lambda r: try_reverse("assets:asset_detail", r.asset_id))
    name = Column("资产名称", accessor="asset.name", order_by=None)
    spec_model = Column("规格型号", accessor="asset.spec_model", order_by=None)
    status = Column("当前状况", accessor="asset", order_by=None, render=lambda r, v: r.asset.get_status_display())
    custodian = Column("使用人", accessor="asset.custodian.name", order_by=None)
    original_value = Column(align="end", order_by=None, render=lambda r, v: yuan(v))
    net_value = Column(align="end", order_by=None, render=lambda r, v: yuan(v))
    new_value = Column(align="end", order_by=None, render=lambda r, v: yuan(v), visible=False)
    note = Column(order_by=None, visible=False)
