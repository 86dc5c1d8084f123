"""Asset card pages: the list (filters, search, export, labels), the card, register/edit, idle/in use, delete.

Thin: parse, call a service or a selector, render. Rows always come from ``Asset.objects.scoped``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from qinjian.core.search import contains_q
from qinjian.core.ui.views import (
    Action,
    Button,
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    try_reverse,
)

from .choices import AssetStatus, OperationKind
from .filtersets import AssetFilterSet
from .forms import AssetForm, AssetStatusForm
from .models import Asset
from .services.assets import asset_delete, asset_mark_idle, asset_mark_in_use, asset_register, asset_update
from .tables import AssetTable

LIST_SELECT = ("unit", "asset_class", "department", "custodian")
# The columns the list, its column chooser and its Excel export read (AssetTable): a card has 45 columns and
# its joined rows 60 more, and a custodian's phone is decrypted for every row unless it is left out.
LIST_FIELDS = (
    "code", "name", "class_code", "class_confirmed", "spec_model", "brand", "serial_number", "quantity",
    "measure_unit", "original_value", "value_fiscal", "value_nonfiscal", "accumulated_depreciation",
    "acquisition_method", "acquired_on", "booked_on", "supplier", "warranty_until", "legacy_code", "voucher_no",
    "status", "location", *LIST_SELECT, "unit__name", "unit__short_name", "asset_class__name", "department__name",
    "custodian__name",
)
_ASSET_CODE = re.compile(r"^[A-Za-z]{1,8}-\d{4}-\d{3,}$")

# Which 业务单 a card's usage status allows (the operation services re-check: this only hides buttons).
OPERATION_STATUSES: dict[str, tuple[str, ...]] = {
    OperationKind.ACCEPTANCE: (AssetStatus.DRAFT,),
    OperationKind.ISSUE: (AssetStatus.IN_USE, AssetStatus.IDLE),
    OperationKind.RETURN: (AssetStatus.IN_USE,),
    OperationKind.TRANSFER: (AssetStatus.IN_USE, AssetStatus.IDLE),
    OperationKind.LOAN: (AssetStatus.IN_USE, AssetStatus.IDLE),
    OperationKind.LOAN_RETURN: (AssetStatus.LENT,),
    OperationKind.REPAIR: (AssetStatus.IN_USE, AssetStatus.IDLE),
    OperationKind.DISPOSAL: (AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.PENDING_DISPOSAL),
    OperationKind.REVALUATION: (AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.LENT,
                                AssetStatus.PENDING_DISPOSAL),
}
OPERATION_ICONS: dict[str, str] = {
    OperationKind.ACCEPTANCE: "bi-clipboard-check", OperationKind.ISSUE: "bi-box-arrow-right",
    OperationKind.RETURN: "bi-box-arrow-in-left", OperationKind.TRANSFER: "bi-arrow-left-right",
    OperationKind.LOAN: "bi-share", OperationKind.LOAN_RETURN: "bi-reply", OperationKind.REPAIR: "bi-tools",
    OperationKind.DISPOSAL: "bi-trash3", OperationKind.REVALUATION: "bi-currency-yen",
}
OPERATION_LABELS: dict[str, str] = {
    OperationKind.ACCEPTANCE: "验收入账", OperationKind.ISSUE: "领用", OperationKind.RETURN: "交回",
    OperationKind.TRANSFER: "调拨", OperationKind.LOAN: "出借", OperationKind.LOAN_RETURN: "出借收回",
    OperationKind.REPAIR: "维修", OperationKind.DISPOSAL: "处置", OperationKind.REVALUATION: "价值变动",
}


def operation_url(kind: str, asset: Asset) -> str:
    """The 新建业务单 page for this card, or "" while that page does not exist."""
    base = try_reverse("assets:assetoperation_create")
    return f"{base}?{urlencode({'kind': kind, 'assets': asset.pk})}" if base else ""


def label_url(query: str) -> str:
    base = try_reverse("attachments:labels")
    return f"{base}?model=assets.asset&{query}" if base else ""


def asset_search_q(term: str) -> Q:
    """A full asset code matches exactly (index); otherwise code, name, spec/model or legacy code contain it."""
    if _ASSET_CODE.match(term):
        return Q(code=term.upper()) | Q(legacy_code=term)
    q = Q()
    for name in ("code", "name", "spec_model", "legacy_code"):
        q |= contains_q(name, term)
    return q


class AssetListView(ObjectListView):
    model = Asset
    table_class = AssetTable
    filterset_class = AssetFilterSet
    select_related = LIST_SELECT
    template_name = "assets/asset_list.html"
    search_placeholder = "资产编号、名称、规格型号或原资产编号"
    buttons = (
        Button("导入旧台账", "assets:asset_import", "assets.import_asset", "bi-upload", "btn-outline-secondary"),
        Button("打印标签", "attachments:labels", "assets.print_asset_label", "bi-printer", "btn-outline-secondary",
               query="?model=assets.asset", keep_query=True),
    )
    empty_message = "还没有登记资产"
    export_filename = "资产卡片"
    count_limit = 5_000  # a city's exact COUNT(*) over 100,000+ cards costs seconds on SQLite

    def get_title(self) -> str:
        return "资产卡片"

    def get_queryset(self) -> Any:
        return super().get_queryset().only(*LIST_FIELDS)

    def get_search_q(self, term: str) -> Q:
        return asset_search_q(term)

    def get_buttons(self) -> list[dict[str, str]]:
        out = super().get_buttons()
        for b in out:
            if b["url"].startswith(try_reverse("assets:asset_create") or "\0"):
                b["label"] = "登记资产"
        return out


# --------------------------------------------------------------------------------------------------
# Card
# --------------------------------------------------------------------------------------------------


class CardPage:
    """Breadcrumbs say 资产卡片 (the model's plural is plain 资产)."""

    def list_crumb(self) -> tuple[str, str]:
        return ("资产卡片", reverse("assets:asset_list"))


def _operation_action(kind: str) -> Action:
    allowed = OPERATION_STATUSES[kind]
    condition: Callable[[Any], bool] = (lambda o: o.status in allowed and bool(o.custodian_id)) \
        if kind == OperationKind.RETURN else (lambda o: o.status in allowed)
    return Action(OPERATION_LABELS[kind], "assets:assetoperation_create", "view", OPERATION_ICONS[kind],
                  condition=condition, permission="assets.add_assetoperation",
                  url=lambda o: operation_url(kind, o))


class AssetDetailView(CardPage, ObjectDetailView):
    model = Asset
    select_related = ("unit", "asset_class", "department", "custodian", "created_by")
    template_name = "assets/asset_detail.html"
    info_template_name = "assets/asset_info.html"

    def get_actions(self) -> list[Action]:
        return [
            *(_operation_action(kind) for kind in OPERATION_STATUSES),
            Action("标记闲置", "assets:asset_mark_idle", "change", "bi-pause-circle",
                   condition=lambda o: o.status == AssetStatus.IN_USE),
            Action("恢复在用", "assets:asset_mark_in_use", "change", "bi-play-circle",
                   condition=lambda o: o.status == AssetStatus.IDLE),
            Action("删除", "assets:asset_delete", "delete", "bi-trash", "btn-outline-danger", "post",
                   "删除后不可恢复。只有尚未入账的资产卡片可以删除，确定删除吗？",
                   condition=lambda o: o.status == AssetStatus.DRAFT),
            Action("打印标签", "attachments:labels", "view", "bi-qr-code", permission="assets.print_asset_label",
                   url=lambda o: label_url(f"ids={o.pk}")),
            Action("编辑", "assets:asset_edit", "change", "bi-pencil", "btn-primary"),
        ]

    def resolve_actions(self) -> list[dict[str, Any]]:
        out = super().resolve_actions()
        for a in out:
            a["group"] = "operation" if a["key"] == "assetoperation_create" else ""
        self.has_operations = any(a["group"] for a in out)
        return out

    def get_badges(self) -> list[tuple[str, str]]:
        from .tables import STATUS_CSS

        asset = self.object
        badges = [(asset.get_status_display(), STATUS_CSS.get(asset.status, "bg-secondary-lt"))]
        if not asset.class_confirmed:
            badges.append(("分类待确认", "bg-yellow-lt"))
        return badges

    def get_subtitle(self) -> str:
        asset = self.object
        parts = [asset.unit.name, f"{asset.class_code} {asset.asset_class.name}"]
        if asset.location:
            parts.append(asset.location)
        return " · ".join(parts)

    def get_extra_context(self) -> dict[str, Any]:
        return {"has_operations": getattr(self, "has_operations", False)}

    def get_info_context(self) -> dict[str, Any]:
        from .selectors_cards import card_panels

        return card_panels(self.object, self.request.user)


class AssetFormView(CardPage, ObjectFormView):
    model = Asset
    form_class = AssetForm
    template_name = "assets/asset_form.html"
    select_related = ("unit", "asset_class")
    form_script = "assets/asset_form.js"
    success_message = "资产卡片“{obj}”已保存。"

    def get_title(self) -> str:
        return "登记资产" if self.is_create else f"编辑资产卡片：{self.object}"

    def get_initial(self) -> dict[str, Any]:
        raw = self.request.GET.get("unit", "")
        if raw.isdigit():
            return {"unit": raw}
        from qinjian.core.scope import active_assignment

        assignment = active_assignment(self.request.user)
        return {"unit": assignment.unit_id} if assignment is not None and assignment.unit_id else {}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "qj-asset-dependent":
            # the unit changed: offer that unit's departments and people (a plain submit works too)
            self.check_permission()
            self.object = self.get_object()
            form = self.form_class(initial={"unit": request.GET.get("unit", "")}, instance=self.object,
                                   user=request.user)
            return render(request, "assets/_asset_dependent.html", {"form": form})
        return super().get(request, *args, **kwargs)

    def get_form(self, data: Any = None) -> forms.BaseForm:
        form = super().get_form(data)
        form.fields["unit"].widget.attrs.update({
            "hx-get": self.request.path, "hx-target": "#qj-asset-dependent", "hx-swap": "outerHTML",
            "hx-trigger": "change", "hx-include": "[name=unit]",
        })
        return form

    @property
    def classify_url(self) -> str:
        return try_reverse("assets-api:asset-classify")

    @property
    def class_tree_url(self) -> str:
        return try_reverse("standards:assetclass_list")

    def perform(self, form: forms.BaseForm) -> Asset:
        assert isinstance(form, AssetForm)
        data = form.service_data()
        if self.object is None:
            unit = data.pop("unit")
            return asset_register(actor=self.request.user, unit=unit, **data)
        return asset_update(asset=self.object, actor=self.request.user, **data)


class AssetMarkIdleView(CardPage, ObjectActionView):
    model = Asset
    form_class = AssetStatusForm
    verb = "标记闲置"
    title_format = "标记闲置：{obj}"
    button_style = "btn-warning"
    confirm_message = "“{obj}”将标记为闲置。闲置超过规定天数的资产会提示交公物仓统一调剂。"
    success_message = "已将“{obj}”标记为闲置。"

    def perform(self, obj: Asset, form: forms.BaseForm | None) -> Asset:
        assert form is not None
        return asset_mark_idle(asset=obj, actor=self.request.user, on=form.cleaned_data["on"],
                               reason=form.cleaned_data.get("reason") or "")


class AssetMarkInUseView(CardPage, ObjectActionView):
    model = Asset
    form_class = AssetStatusForm
    verb = "恢复在用"
    title_format = "恢复在用：{obj}"
    confirm_message = "“{obj}”将恢复为在用。"
    success_message = "“{obj}”已恢复在用。"

    def perform(self, obj: Asset, form: forms.BaseForm | None) -> Asset:
        assert form is not None
        return asset_mark_in_use(asset=obj, actor=self.request.user, on=form.cleaned_data["on"],
                                 reason=form.cleaned_data.get("reason") or "")


class AssetDeleteView(CardPage, ObjectActionView):
    model = Asset
    action = "delete"
    verb = "删除"
    title_format = "删除资产卡片：{obj}"
    button_style = "btn-danger"
    confirm_message = "删除后不可恢复。只有尚未入账的资产卡片可以删除，确定删除“{obj}”吗？"
    success_message = "已删除资产卡片“{obj}”。"

    def perform(self, obj: Asset, form: forms.BaseForm | None) -> Asset:
        asset_delete(asset=obj, actor=self.request.user)
        return obj

    def get_success_url(self, result: Any) -> str:
        return reverse("assets:asset_list")
