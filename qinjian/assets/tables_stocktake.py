"""Columns of the 盘点 lists: campaigns, items (also the discrepancy report and its Excel file)."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from qinjian.core.ui.tables import EMPTY, Column, Table

from .choices import AssetStatus, CampaignStatus, DiscrepancyKind, Resolution, StocktakeResult
from .models import StocktakeCampaign, StocktakeItem

CAMPAIGN_CSS: dict[str, str] = {CampaignStatus.DRAFT: "bg-secondary-lt", CampaignStatus.ACTIVE: "bg-blue-lt",
                CampaignStatus.CLOSED: "bg-green-lt"}
RESULT_CSS: dict[str, str] = {StocktakeResult.PENDING: "bg-secondary-lt", StocktakeResult.FOUND: "bg-green-lt",
              StocktakeResult.MISSING: "bg-red-lt", StocktakeResult.SURPLUS: "bg-purple-lt"}
DISCREPANCY_CSS: dict[str, str] = {DiscrepancyKind.SURPLUS: "bg-purple-lt", DiscrepancyKind.SHORTAGE: "bg-red-lt",
                   DiscrepancyKind.LOCATION: "bg-orange-lt", DiscrepancyKind.STATUS: "bg-yellow-lt",
                   DiscrepancyKind.LOCATION_STATUS: "bg-orange-lt"}
RESOLUTION_CSS: dict[str, str] = {Resolution.ADJUSTED: "bg-green-lt", Resolution.BOOKED: "bg-green-lt",
                  Resolution.TO_DISPOSE: "bg-blue-lt", Resolution.INVESTIGATING: "bg-yellow-lt",
                  Resolution.NO_ACTION: "bg-secondary-lt"}


def badge(css: str, text: str) -> SafeString:
    return format_html('<span class="badge {}">{}</span>', css, text)


def _campaign_status(record: StocktakeCampaign, value: Any) -> SafeString:
    return badge(CAMPAIGN_CSS.get(record.status, "bg-secondary-lt"), record.get_status_display())


def _progress(record: StocktakeCampaign, value: Any) -> SafeString:
    found = getattr(record, "qj_found", None)
    if record.status == CampaignStatus.DRAFT or not record.item_count or found is None:
        return EMPTY
    pct = round(found * 100 / record.item_count)
    return format_html(
        '<div class="d-flex align-items-center gap-2 qj-progress-cell"><div class="progress progress-sm flex-fill">'
        '<div class="progress-bar{}" style="width: {}%" role="progressbar" aria-valuenow="{}" aria-valuemin="0" '
        'aria-valuemax="100" aria-label="盘点进度"></div></div><span class="small text-nowrap">{} / {}</span></div>',
        " bg-green" if pct >= 100 else "", pct, pct, found, record.item_count)


def _progress_text(record: StocktakeCampaign) -> str:
    found = getattr(record, "qj_found", None)
    if found is None or not record.item_count:
        return ""
    return f"{found}/{record.item_count}"


def _unit(record: Any, value: Any) -> SafeString:
    if value is None:
        return EMPTY
    return format_html('<span title="{}">{}</span>', value.name, value.short_name or value.name)


class StocktakeCampaignTable(Table):
    model = StocktakeCampaign
    default_order = ("-created_at", "-id")

    number = Column(linkify=True, required=True)
    name = Column(linkify=True)
    unit = Column(render=_unit, order_by="unit__tree_path", export=lambda r: r.unit.name)
    status = Column(render=_campaign_status, export=lambda r: r.get_status_display())
    progress = Column("盘点进度（盘到/应盘）", accessor="item_count", order_by=None, render=_progress,
                      export=_progress_text)
    planned_start = Column()
    planned_end = Column()
    started_at = Column(visible=False)
    closed_at = Column(visible=False)


def item_code(record: StocktakeItem) -> str:
    return record.asset.code if record.asset is not None else record.surplus_code


def item_name(record: StocktakeItem) -> str:
    return record.asset.name if record.asset is not None else record.surplus_name


def _code(record: StocktakeItem, value: Any) -> SafeString:
    return format_html('<a href="{}" class="font-monospace">{}</a>', record.get_absolute_url(), item_code(record) or "—")


def _name(record: StocktakeItem, value: Any) -> SafeString:
    if record.asset is not None:
        return format_html('<a href="{}">{}</a>', record.asset.get_absolute_url(), record.asset.name)
    return format_html('{} <span class="badge bg-purple-lt">账外</span>', record.surplus_name or "（未填写名称）")


def _result(record: StocktakeItem, value: Any) -> SafeString:
    return badge(RESULT_CSS.get(record.result, "bg-secondary-lt"), record.get_result_display())


def _discrepancy(record: StocktakeItem, value: Any) -> SafeString:
    if not record.discrepancy:
        return EMPTY
    return badge(DISCREPANCY_CSS.get(record.discrepancy, "bg-secondary-lt"), record.get_discrepancy_display())


def _resolution(record: StocktakeItem, value: Any) -> SafeString:
    if not record.discrepancy:
        return EMPTY
    if not record.resolution:
        return badge("bg-red-lt", "待处理")
    return badge(RESOLUTION_CSS.get(record.resolution, "bg-secondary-lt"), record.get_resolution_display())


def _found(field: str) -> Any:
    def render(record: StocktakeItem, value: Any) -> SafeString:
        expected = getattr(record, f"expected_{field}")
        found = getattr(record, f"found_{field}")
        if not found:
            return EMPTY
        text = AssetStatus(found).label if field == "status" and found in AssetStatus.values else found
        if record.result == StocktakeResult.FOUND and found != expected:
            return format_html('<span class="text-danger fw-bold">{}</span>', text)
        return format_html("{}", text)
    return render


class StocktakeItemTable(Table):
    model = StocktakeItem
    default_order = ("unit__tree_path", "id")

    code = Column("资产编号", accessor="pk", order_by=("asset__code", "surplus_code"), render=_code,
                  export=item_code, required=True)
    name = Column("资产名称", accessor="pk", order_by=("asset__name", "surplus_name"), render=_name, export=item_name)
    unit = Column(render=_unit, order_by="unit__tree_path", export=lambda r: r.unit.name)
    expected_location = Column()
    found_location = Column(render=_found("location"))
    expected_status = Column()
    found_status = Column(render=_found("status"))
    result = Column(render=_result, export=lambda r: r.get_result_display())
    discrepancy = Column(render=_discrepancy, export=lambda r: r.get_discrepancy_display() if r.discrepancy else "")
    resolution = Column(render=_resolution,
                        export=lambda r: (r.get_resolution_display() if r.resolution else "待处理")
                        if r.discrepancy else "")
    scanned_by = Column(accessor="scanned_by.display_name", order_by="scanned_by__username")
    scanned_at = Column()
    note = Column(visible=False, order_by=None)
    resolution_note = Column(visible=False, order_by=None)
    value = Column("原值（元）", accessor="asset.original_value", order_by="asset__original_value", align="end",
                   visible=False)


class StocktakeDiscrepancyTable(StocktakeItemTable):
    """The discrepancy report: what differs and how it was resolved (who counted is in the Excel file)."""

    result = Column(render=_result, export=lambda r: r.get_result_display(), visible=False)
    scanned_by = Column(accessor="scanned_by.display_name", order_by="scanned_by__username", visible=False)
    scanned_at = Column(visible=False)
    resolution_note = Column(order_by=None)
