"""盘点 pages: campaigns (list, create/edit, detail with progress, start, close), the phone page counters
scan on, the items list, the discrepancy report (Excel) and the resolution of each discrepancy."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from qinjian.core.errors import DomainError
from qinjian.core.ui.views import (
    Action,
    Button,
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    RelatedList,
)
from qinjian.org.forms import UnitChoiceField
from qinjian.org.models import Unit

from .choices import AssetStatus, CampaignStatus, DiscrepancyKind, Resolution, StocktakeResult
from .forms_stocktake import ItemResolveForm, StocktakeCampaignForm
from .models import StocktakeCampaign, StocktakeItem, StocktakeScan
from .services.stocktake import (
    SCAN_STATUSES,
    campaign_close,
    campaign_create,
    campaign_start,
    campaign_update,
    item_resolve,
    progress_by_location,
    progress_by_unit,
    progress_totals,
    resolutions_for,
)
from .tables_stocktake import (
    CAMPAIGN_CSS,
    StocktakeCampaignTable,
    StocktakeDiscrepancyTable,
    StocktakeItemTable,
)

EXPORT_PERMISSION = "assets.export_asset"


def _found_subquery() -> Subquery:
    return Subquery(StocktakeItem.objects.filter(campaign=OuterRef("pk"), result=StocktakeResult.FOUND)
                    .order_by().values("campaign").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField())


# --------------------------------------------------------------------------------------------------
# Campaigns
# --------------------------------------------------------------------------------------------------


class CampaignFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=CampaignStatus.choices, empty_label="全部")

    class Meta:
        model = StocktakeCampaign
        fields: tuple[str, ...] = ()


class StocktakeCampaignListView(ObjectListView):
    model = StocktakeCampaign
    table_class = StocktakeCampaignTable
    filterset_class = CampaignFilterSet
    select_related = ("unit",)
    search_fields = ("number", "name", "unit__name")
    search_placeholder = "盘点单号、名称或单位"
    empty_message = "还没有盘点任务"
    buttons = (Button("差异报告", "assets:stocktake_discrepancies", "assets.view_stocktakeitem", "bi-clipboard-x",
                      "btn-outline-secondary"),)

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().annotate(qj_found=_found_subquery()).distinct()

    def perm(self, action: str) -> str:
        return EXPORT_PERMISSION if action == "export" else super().perm(action)


class StocktakeCampaignDetailView(ObjectDetailView):
    model = StocktakeCampaign
    select_related = ("unit", "created_by")
    info_template_name = "assets/stocktake_campaign_info.html"
    fields = ("number", "name", "status", "unit", "planned_start", "planned_end", "started_at", "closed_at",
              "item_count", "location_prefix", "class_prefixes", "notes")
    related = (
        RelatedList("items", "盘点明细", StocktakeItemTable,
                    lambda obj, user: StocktakeItem.objects.scoped(user, "view").filter(campaign=obj)
                    .select_related("asset", "unit", "scanned_by").order_by("unit__tree_path", "id"),
                    lambda obj: reverse("assets:stocktakeitem_list") + f"?campaign={obj.pk}",
                    columns=("code", "name", "unit", "expected_location", "found_location", "result", "discrepancy"),
                    per_page=20),
    )

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().distinct()

    def get_actions(self) -> list[Action]:
        return [
            Action("手机盘点", "assets:stocktakecampaign_count", "count", "bi-phone", "btn-primary",
                   condition=lambda o: o.status == CampaignStatus.ACTIVE),
            Action("开始盘点", "assets:stocktakecampaign_start", "change", "bi-play-circle", "btn-primary", "post",
                   "开始后将按盘点范围生成应盘资产清单，盘点范围不能再修改。确定开始吗？",
                   condition=lambda o: o.status == CampaignStatus.DRAFT),
            Action("差异报告", "assets:stocktake_discrepancies", "view", "bi-clipboard-x", "btn-outline-secondary",
                   condition=lambda o: o.status != CampaignStatus.DRAFT,
                   url=lambda o: reverse("assets:stocktake_discrepancies") + f"?campaign={o.pk}",
                   permission="assets.view_stocktakeitem"),
            Action("结束盘点", "assets:stocktakecampaign_close", "change", "bi-stop-circle", "btn-outline-danger",
                   "post", "结束后不能再扫码，所有未盘到的资产将记为盘亏。确定结束盘点吗？",
                   condition=lambda o: o.status == CampaignStatus.ACTIVE),
            Action("编辑", "assets:stocktakecampaign_edit", "change", "bi-pencil", "btn-outline-primary",
                   condition=lambda o: o.status != CampaignStatus.CLOSED),
        ]

    def get_badges(self) -> list[tuple[str, str]]:
        return [(self.object.get_status_display(), CAMPAIGN_CSS.get(self.object.status, "bg-secondary-lt"))]

    def get_subtitle(self) -> str:
        obj = self.object
        return f"{obj.unit.name} 组织 · 计划 {obj.planned_start:%Y-%m-%d} 至 {obj.planned_end:%Y-%m-%d}"

    def get_info_context(self) -> dict[str, Any]:
        obj = self.object
        user = self.request.user
        context: dict[str, Any] = {
            "scope_units": list(obj.units.order_by("tree_path")),
            "counters": list(obj.counters.select_related("unit").order_by("username")),
        }
        if obj.status != CampaignStatus.DRAFT:
            context.update(progress=progress_by_unit(obj), totals=progress_totals(obj),
                           locations=progress_by_location(obj, limit=50))
            context["recent_scans"] = list(StocktakeScan.objects.filter(campaign=obj).select_related(
                "user", "item__asset").order_by("-received_at", "-id")[:10])
        context["can_items"] = user.has_perm("assets.view_stocktakeitem")
        return context


class StocktakeCampaignFormView(ObjectFormView):
    model = StocktakeCampaign
    form_class = StocktakeCampaignForm
    select_related = ("unit",)
    success_message = "盘点任务“{obj}”已保存。"

    def get_object(self) -> Any:
        obj = super().get_object()
        if obj is not None and obj.status == CampaignStatus.CLOSED:
            raise PermissionDenied
        return obj

    def get_initial(self) -> dict[str, Any]:
        if self.object is not None:
            return {}
        assignment = getattr(self.request.user, "get_active_assignment", lambda: None)()
        unit = getattr(assignment, "unit", None)
        if unit is None or not Unit.objects.scoped(self.request.user, "view").filter(pk=unit.pk).exists():
            return {}
        import datetime

        today = datetime.date.today()
        return {"unit": unit.pk, "units": [unit.pk], "planned_start": today,
                "planned_end": today + datetime.timedelta(days=14)}

    def perform(self, form: forms.BaseForm) -> StocktakeCampaign:
        data = dict(form.cleaned_data)
        if self.object is None:
            return campaign_create(actor=self.request.user, **data)
        data.pop("unit", None)
        return campaign_update(campaign=self.object, actor=self.request.user, **data)


class StocktakeCampaignStartView(ObjectActionView):
    model = StocktakeCampaign
    action = "change"
    verb = "开始盘点"
    confirm_message = "开始后将按盘点范围生成应盘资产清单，盘点范围不能再修改。确定开始“{obj}”吗？"
    success_message = "盘点已开始，共 {obj.item_count} 项应盘资产。盘点人可以用手机扫码盘点了。"

    def perform(self, obj: StocktakeCampaign, form: forms.BaseForm | None) -> Any:
        return campaign_start(campaign=obj, actor=self.request.user)


class StocktakeCampaignCloseView(ObjectActionView):
    model = StocktakeCampaign
    action = "change"
    verb = "结束盘点"
    button_style = "btn-danger"
    confirm_message = "结束后不能再扫码，所有未盘到的资产将记为盘亏。确定结束“{obj}”吗？"
    success_message = "盘点已结束。请在差异报告中逐项处理盘盈、盘亏和不符项。"

    def perform(self, obj: StocktakeCampaign, form: forms.BaseForm | None) -> Any:
        return campaign_close(campaign=obj, actor=self.request.user)


# --------------------------------------------------------------------------------------------------
# The phone page
# --------------------------------------------------------------------------------------------------


def countable_campaign(request: HttpRequest, pk: int) -> StocktakeCampaign:
    if not request.user.has_perm("assets.count_stocktakecampaign"):
        raise PermissionDenied
    qs = StocktakeCampaign.objects.scoped(request.user, "count").select_related("unit").distinct()
    return get_object_or_404(qs, pk=pk)


class StocktakeCountView(LoginRequiredMixin, View):
    """The counter's page: progress, camera scan or typed code, confirm location/status/photo, submit
    (queued in the browser while offline)."""

    model = StocktakeCampaign
    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = countable_campaign(request, pk)
        units = list(campaign.units.order_by("tree_path"))
        context = {
            "campaign": campaign,
            "page_title": f"手机盘点：{campaign.name}",
            "breadcrumbs": [("资产盘点", reverse("assets:stocktakecampaign_list")),
                            (str(campaign), campaign.get_absolute_url()), ("手机盘点", "")],
            "active": campaign.status == CampaignStatus.ACTIVE,
            "statuses": [(s, AssetStatus(s).label) for s in SCAN_STATUSES],
            "units": units,
            "progress": progress_by_unit(campaign) if campaign.status != CampaignStatus.DRAFT else [],
            "totals": progress_totals(campaign) if campaign.status != CampaignStatus.DRAFT else {},
            "scans_url": reverse("assets-api:stocktake-campaign-scans", args=[campaign.pk]),
            "lookup_url": reverse("assets-api:stocktake-campaign-lookup", args=[campaign.pk]),
            "progress_url": reverse("assets-api:stocktake-campaign-progress", args=[campaign.pk]),
            "photo_url": reverse("assets:stocktakecampaign_photo", args=[campaign.pk]),
        }
        return render(request, "assets/stocktake_count.html", context)


class StocktakePhotoView(LoginRequiredMixin, View):
    """A photo of a counted item (the phone posts it after the scan is recorded)."""

    model = StocktakeCampaign
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from qinjian.attachments.services import attachment_upload

        campaign = countable_campaign(request, pk)
        raw = request.POST.get("item", "")
        item = StocktakeItem.objects.filter(campaign=campaign, pk=int(raw)).first() if raw.isdigit() else None
        if item is None:
            return JsonResponse({"code": "not_found", "message": "盘点明细不存在。"}, status=404)
        files = request.FILES.getlist("files")
        try:
            saved = attachment_upload(obj=item, files=files, description="盘点现场照片", kind="photo")
        except DomainError as exc:
            return JsonResponse({"code": exc.code, "message": exc.message, "fields": exc.fields}, status=400)
        return JsonResponse({"count": len(saved), "message": f"已上传 {len(saved)} 张照片。"})


# --------------------------------------------------------------------------------------------------
# Items and the discrepancy report
# --------------------------------------------------------------------------------------------------

DISCREPANCY_ANY = "any"
OPEN = "open"


def _scoped_campaigns(request: Any) -> QuerySet:
    if request is None:
        return StocktakeCampaign.objects.none()
    return StocktakeCampaign.objects.scoped(request.user, "view").distinct().order_by("-created_at")


def _scoped_units(request: Any) -> QuerySet:
    if request is None:
        return Unit.objects.none()
    return Unit.objects.scoped(request.user, "view").only("id", "name", "depth", "tree_path")


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = UnitChoiceField


class StocktakeItemFilterSet(django_filters.FilterSet):
    campaign = django_filters.ModelChoiceFilter(label="盘点任务", queryset=_scoped_campaigns, empty_label="全部")
    unit = UnitFilter(label="所属单位", queryset=_scoped_units, empty_label="全部",
                      method="filter_unit")
    result = django_filters.ChoiceFilter(label="盘点结果", choices=StocktakeResult.choices, empty_label="全部")
    discrepancy = django_filters.ChoiceFilter(
        label="差异", empty_label="全部", method="filter_discrepancy",
        choices=[(DISCREPANCY_ANY, "有差异"), *[(k, v) for k, v in DiscrepancyKind.choices if k]])
    resolution = django_filters.ChoiceFilter(
        label="处理结果", empty_label="全部", method="filter_resolution",
        choices=[(OPEN, "待处理"), *[(k, v) for k, v in Resolution.choices if k]])

    class Meta:
        model = StocktakeItem
        fields: tuple[str, ...] = ()

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        return queryset.filter(unit__tree_path__startswith=value.tree_path)

    def filter_discrepancy(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == DISCREPANCY_ANY:
            return queryset.exclude(discrepancy="")
        return queryset.filter(discrepancy=value) if value else queryset

    def filter_resolution(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == OPEN:
            return queryset.exclude(discrepancy="").filter(resolution="")
        return queryset.filter(resolution=value) if value else queryset


class StocktakeItemListView(ObjectListView):
    model = StocktakeItem
    table_class = StocktakeItemTable
    filterset_class = StocktakeItemFilterSet
    select_related = ("asset", "unit", "scanned_by")
    search_fields = ("asset__code", "asset__name", "surplus_code", "surplus_name", "expected_location",
                     "found_location")
    search_placeholder = "资产编号、名称或存放地点"
    empty_message = "没有符合条件的盘点明细"
    export_filename = "盘点明细"

    def perm(self, action: str) -> str:
        return EXPORT_PERMISSION if action == "export" else super().perm(action)


class StocktakeDiscrepancyView(StocktakeItemListView):
    """差异报告: the items with a discrepancy (盘盈、盘亏、位置/状态不符) and how each was resolved."""

    template_name = "assets/stocktake_discrepancies.html"
    table_class = StocktakeDiscrepancyTable
    title = "盘点差异报告"

    @property
    def pref_key(self) -> str:
        return "list:assets.stocktakediscrepancy"

    def get_export_table_class(self) -> type[StocktakeItemTable]:
        return StocktakeItemTable
    export_filename = "盘点差异报告"
    empty_message = "没有差异：账实相符"
    summary: dict[str, Any] | None = None
    campaign: StocktakeCampaign | None = None

    def get_queryset(self) -> QuerySet:
        qs = super().get_queryset().exclude(discrepancy="")
        raw = self.request.GET.get("campaign", "")
        self.campaign = _scoped_campaigns(self.request).filter(pk=int(raw)).first() if raw.isdigit() else None
        scope = qs.filter(campaign=self.campaign) if self.campaign is not None else qs
        counts = scope.values("discrepancy").annotate(n=Count("pk"), open=Count("pk", filter=Q(resolution="")))
        by_kind = {r["discrepancy"]: r for r in counts}
        self.summary = {
            "kinds": [{"key": k, "label": v, "n": by_kind.get(k, {}).get("n", 0),
                       "open": by_kind.get(k, {}).get("open", 0)} for k, v in DiscrepancyKind.choices if k],
            "open": sum(r["open"] for r in by_kind.values()),
            "total": sum(r["n"] for r in by_kind.values()),
        }
        return qs

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        crumbs = [("资产盘点", reverse("assets:stocktakecampaign_list"))]
        if self.campaign is not None:
            crumbs.append((str(self.campaign), self.campaign.get_absolute_url()))
        return [*crumbs, ("差异报告", "")]

    def get_title(self) -> str:
        return f"盘点差异报告：{self.campaign.name}" if self.campaign is not None else self.title


class StocktakeItemDetailView(ObjectDetailView):
    model = StocktakeItem
    select_related = ("campaign", "asset", "unit", "scanned_by", "resolved_by")
    info_template_name = "assets/stocktake_item_info.html"

    def get_fields(self) -> list[Any]:
        return []

    def get_actions(self) -> list[Action]:
        return [Action("处理差异", "assets:stocktakeitem_resolve", "change", "bi-check2-square", "btn-primary",
                       condition=lambda o: bool(resolutions_for(o)) and not (
                           o.discrepancy == DiscrepancyKind.SHORTAGE and o.campaign.status != CampaignStatus.CLOSED))]

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        return [("资产盘点", reverse("assets:stocktakecampaign_list")),
                (str(self.object.campaign), self.object.campaign.get_absolute_url()), (str(self.object), "")]

    def get_badges(self) -> list[tuple[str, str]]:
        from .tables_stocktake import DISCREPANCY_CSS, RESULT_CSS

        obj = self.object
        out = [(obj.get_result_display(), RESULT_CSS.get(obj.result, "bg-secondary-lt"))]
        if obj.discrepancy:
            out.append((obj.get_discrepancy_display(), DISCREPANCY_CSS.get(obj.discrepancy, "bg-secondary-lt")))
        return out

    def get_info_context(self) -> dict[str, Any]:
        obj = self.object
        return {"item": obj, "scans": list(obj.scans.select_related("user").order_by("-received_at")[:20])}


class StocktakeItemResolveView(ObjectActionView):
    model = StocktakeItem
    action = "change"
    verb = "处理差异"
    form_class = ItemResolveForm
    template_name = "assets/stocktake_resolve.html"
    title_format = "处理盘点差异：{obj}"
    confirm_message = "请选择处理方式并填写说明。"
    success_message = "差异已处理：{obj}。"

    def get_object(self) -> Any:
        qs = StocktakeItem.objects.scoped(self.request.user, self.action).select_related("campaign", "asset", "unit")
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def perform(self, obj: StocktakeItem, form: forms.BaseForm | None) -> Any:
        assert isinstance(form, ItemResolveForm)
        return item_resolve(item=obj, actor=self.request.user, **form.service_kwargs())

    def get_success_url(self, result: Any) -> str:
        return self.object.get_absolute_url()
