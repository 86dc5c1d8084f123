"""Detail tabs the asset module adds: 履历 and 业务单 on the card, 资产 on the unit (registered from hooks)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from qinjian.core.ui.extensions import DetailTab, register_detail_tab
from qinjian.core.ui.views import try_reverse

from .choices import EventKind
from .models import Asset
from .selectors_cards import card_events, card_operation_lines, totals
from .tables import AssetOperationLineTable, UnitAssetTable

EVENT_ICONS = {
    EventKind.REGISTERED: "bi-pencil-square", EventKind.BOOKED: "bi-journal-check", EventKind.ISSUED: "bi-person-check",
    EventKind.RETURNED: "bi-box-arrow-in-left", EventKind.TRANSFER_OUT: "bi-box-arrow-right",
    EventKind.TRANSFER_IN: "bi-box-arrow-in-right", EventKind.LENT: "bi-share", EventKind.LOAN_RETURNED: "bi-reply",
    EventKind.REPAIRED: "bi-tools", EventKind.DISPOSED: "bi-trash3", EventKind.VALUE_CHANGED: "bi-currency-yen",
    EventKind.STATUS_CHANGED: "bi-arrow-repeat", EventKind.STOCKTAKE: "bi-upc-scan",
    EventKind.STOCKTAKE_ADJUSTED: "bi-clipboard-check", EventKind.EDITED: "bi-pencil", EventKind.IMPORTED: "bi-upload",
}
UNIT_TAB_COLUMNS = ("code", "name", "asset_class", "custodian", "location", "status", "original_value", "net_value")


def _is_asset(model: type[models.Model]) -> bool:
    return model is Asset


def _is_unit(model: type[models.Model]) -> bool:
    return model._meta.label_lower == "org.unit"


def _page(request: HttpRequest, qs: Any, per_page: int) -> Any:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def render_events(request: HttpRequest, obj: models.Model) -> str:
    assert isinstance(obj, Asset)
    page = _page(request, card_events(obj, request.user), 20)
    op_url = try_reverse("assets:assetoperation_detail", 0)
    for event in page.object_list:
        event.qj_icon = EVENT_ICONS.get(event.kind, "bi-dot")
        event.qj_operation_url = op_url.replace("/0/", f"/{event.operation_id}/") if op_url and event.operation_id \
            else ""
    return render_to_string("assets/_asset_events.html", {"page": page, "object": obj}, request=request)


def render_operations(request: HttpRequest, obj: models.Model) -> str:
    assert isinstance(obj, Asset)
    page = _page(request, card_operation_lines(obj, request.user), 10)
    rows = list(page.object_list)
    return render_to_string("assets/_asset_operations.html",
                            {"page": page, "table": AssetOperationLineTable(rows)}, request=request)


def _unit_cards(request: HttpRequest, unit: Any) -> Any:
    return Asset.objects.scoped(request.user, "view").filter(unit=unit)


def render_unit_assets(request: HttpRequest, obj: models.Model) -> str:
    qs = _unit_cards(request, obj)
    page = _page(request, qs.select_related("unit", "asset_class", "custodian", "department").order_by("code"), 20)
    table = UnitAssetTable(list(page.object_list), visible=UNIT_TAB_COLUMNS)
    context = {"page": page, "table": table, "totals": totals(qs),
               "list_url": reverse("assets:asset_list") + f"?unit={obj.pk}"}
    return render_to_string("assets/_unit_assets.html", context, request=request)


def count_unit_assets(request: HttpRequest, obj: models.Model) -> int | None:
    return _unit_cards(request, obj).count() or None


def register() -> None:
    register_detail_tab(DetailTab(key="events", title="履历", order=10, applies=_is_asset, render=render_events,
                                  permission="assets.view_assetevent"))
    register_detail_tab(DetailTab(key="asset_operations", title="业务单", order=20, applies=_is_asset,
                                  render=render_operations, permission="assets.view_assetoperation"))
    register_detail_tab(DetailTab(key="unit_assets", title="资产", order=30, applies=_is_unit, render=render_unit_assets,
                                  permission="assets.view_asset", count=count_unit_assets))
