"""盘点 endpoints under /api/assets/stocktake/: campaigns (with progress, code lookup and the scans the
phone page sends, one or a queued batch, idempotent by client_id) and items."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qinjian.core.api.filters import LeanFilterSet
from qinjian.core.api.viewsets import ListRetrieveMixin, ScopedViewSet
from qinjian.core.errors import ValidationFailed

from ..choices import CampaignStatus, DiscrepancyKind, StocktakeResult
from ..models import StocktakeCampaign, StocktakeItem
from ..services.stocktake import (
    MAX_BATCH_SCANS,
    progress_by_unit,
    progress_totals,
    scan_lookup,
    stocktake_scan_batch,
)


class CampaignSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="组织单位名称")
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    units: serializers.Field = serializers.PrimaryKeyRelatedField(many=True, read_only=True, label="盘点单位")
    status = serializers.CharField(read_only=True, label="状态", help_text="draft 准备中、active 盘点中、closed 已结束")

    class Meta:
        model = StocktakeCampaign
        fields = ["id", "number", "name", "unit", "unit_name", "units", "location_prefix", "class_prefixes",
                  "status", "status_display", "planned_start", "planned_end", "started_at", "closed_at",
                  "item_count", "notes", "created_at", "updated_at"]


class ItemSerializer(serializers.ModelSerializer):
    asset_code = serializers.CharField(source="asset.code", read_only=True, default="", label="资产编号")
    asset_name = serializers.CharField(source="asset.name", read_only=True, default="", label="资产名称")
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="所属单位名称")
    result_display = serializers.CharField(source="get_result_display", read_only=True, label="盘点结果名称")
    discrepancy_display = serializers.CharField(source="get_discrepancy_display", read_only=True, label="差异名称")
    resolution_display = serializers.CharField(source="get_resolution_display", read_only=True, label="处理结果名称")
    expected_status = serializers.CharField(read_only=True, label="账面使用状况")
    found_status = serializers.CharField(read_only=True, label="实际使用状况")
    result = serializers.CharField(read_only=True, label="盘点结果",
                                   help_text="pending 未盘、found 已盘到、missing 盘亏、surplus 盘盈")
    discrepancy = serializers.CharField(read_only=True, label="差异",
                                        help_text="空为无差异；surplus 盘盈、shortage 盘亏、location 位置不符、status 状态不符、"
                                                  "location_status 位置和状态不符")
    resolution = serializers.CharField(read_only=True, label="处理结果",
                                       help_text="空为待处理；adjusted、investigating、to_dispose、booked、no_action")

    class Meta:
        model = StocktakeItem
        fields = ["id", "campaign", "asset", "asset_code", "asset_name", "unit", "unit_name", "expected_location",
                  "expected_status", "found_location", "found_status", "result", "result_display", "discrepancy",
                  "discrepancy_display", "surplus_code", "surplus_name", "scanned_by", "scanned_at", "scan_count",
                  "resolution", "resolution_display", "resolution_note", "resolved_at", "note"]


class StocktakeScanInput(serializers.Serializer):
    """One scan (documentation of the body; the values are checked by the service, scan by scan)."""

    client_id = serializers.CharField(label="扫码记录编号", help_text="手机生成的唯一编号（如 UUID），重复提交同一编号只记一次")
    code = serializers.CharField(label="扫描内容", help_text="资产编号、标签二维码内容（网址）或原资产编号")
    location = serializers.CharField(label="实际存放地点", required=False, allow_blank=True)
    status = serializers.CharField(label="实际使用状况", required=False, allow_blank=True,
                                   help_text="in_use 在用、lent 出租出借、idle 闲置、pending_disposal 待处置")
    note = serializers.CharField(label="备注", required=False, allow_blank=True)
    name = serializers.CharField(label="资产名称", required=False, allow_blank=True,
                                 help_text="账上没有的资产（盘盈）须填写名称")
    unit = serializers.IntegerField(label="所属单位", required=False, help_text="盘盈资产所属的盘点单位 ID")
    scanned_at = serializers.DateTimeField(label="扫码时间", required=False, help_text="离线暂存时的扫码时间")


class StocktakeScanBatchInput(serializers.Serializer):
    scans = StocktakeScanInput(many=True, label="扫码记录", help_text=f"一次最多 {MAX_BATCH_SCANS} 条；也可以直接提交单条扫码对象")


class StocktakeScanItem(serializers.Serializer):
    id = serializers.IntegerField()
    result = serializers.CharField()
    result_display = serializers.CharField()
    discrepancy = serializers.CharField()
    discrepancy_display = serializers.CharField()
    asset_code = serializers.CharField()
    asset_name = serializers.CharField()
    unit_name = serializers.CharField()
    expected_location = serializers.CharField()
    found_location = serializers.CharField()
    expected_status = serializers.CharField()
    expected_status_display = serializers.CharField()
    found_status = serializers.CharField()
    found_status_display = serializers.CharField()


class StocktakeScanResult(serializers.Serializer):
    client_id = serializers.CharField(label="扫码记录编号")
    outcome = serializers.CharField(label="结果", help_text="accepted 已记录；rejected 已拒绝（记录在案）；error 内容有误未记录")
    message = serializers.CharField(label="说明")
    resent = serializers.BooleanField(label="重复提交", help_text="此编号此前已提交过，返回的是第一次的结果")
    item = StocktakeScanItem(allow_null=True, label="盘点明细")


class StocktakeScanBatchResult(serializers.Serializer):
    results = StocktakeScanResult(many=True)


class StocktakeLookupSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="in_scope 在盘点范围内、counted 已盘到、out_of_scope 不在范围内、"
                                             "unknown 账上没有（可记为盘盈）、invalid 不是资产标签")
    message = serializers.CharField()
    item = StocktakeScanItem(allow_null=True)


class StocktakeProgressUnit(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    expected = serializers.IntegerField()
    found = serializers.IntegerField()
    missing = serializers.IntegerField()
    surplus = serializers.IntegerField()
    percent = serializers.IntegerField()


class StocktakeProgressSerializer(serializers.Serializer):
    status = serializers.CharField()
    expected = serializers.IntegerField()
    found = serializers.IntegerField()
    missing = serializers.IntegerField()
    surplus = serializers.IntegerField()
    differing = serializers.IntegerField()
    percent = serializers.IntegerField()
    units = StocktakeProgressUnit(many=True)


class CampaignFilter(LeanFilterSet):
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label="状态")

    class Meta:
        model = StocktakeCampaign
        fields = ["status"]


class StocktakeCampaignViewSet(ListRetrieveMixin, ScopedViewSet):
    """盘点任务。盘点人用 scans 接口提交扫码（单条或离线暂存的一批，按 client_id 幂等）。"""

    queryset = StocktakeCampaign.objects.select_related("unit").prefetch_related("units")
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    search_fields = ["number", "name"]
    ordering_fields = ["created_at", "number", "planned_start"]
    http_method_names = ["get", "post", "head", "options"]
    schema_tags = ["资产管理"]

    def get_queryset(self) -> Any:
        return super().get_queryset().distinct()

    @extend_schema(request=StocktakeScanBatchInput, responses={200: StocktakeScanBatchResult, 201: StocktakeScanResult})
    @action(detail=True, methods=["post"], permission_action="count")
    def scans(self, request: Request, pk: str | None = None) -> Response:
        """提交扫码

        body 为 {"scans": [...]}（离线暂存的一批，逐条处理，返回每条的结果）或单条扫码对象。同一 client_id
        重复提交只记一次，返回第一次的结果（resent=true）。其他单位或不在盘点范围内的资产标签会被拒绝并记录。"""
        campaign = self.get_object()
        data = request.data
        if isinstance(data, dict) and "scans" in data:
            scans = data.get("scans")
            if not isinstance(scans, list) or not all(isinstance(s, dict) for s in scans):
                raise ValidationFailed("scans 应为扫码对象的列表。", fields={"scans": ["应为扫码对象的列表。"]})
            return Response({"results": stocktake_scan_batch(campaign=campaign, user=request.user, scans=scans)})
        if not isinstance(data, dict):
            raise ValidationFailed("请提交扫码对象。")
        answer = stocktake_scan_batch(campaign=campaign, user=request.user, scans=[data], raise_errors=True)[0]
        return Response(answer, status=200 if answer["resent"] else 201)

    @extend_schema(parameters=[OpenApiParameter("code", str, description="资产编号、标签二维码内容或原资产编号")],
                   responses=StocktakeLookupSerializer)
    @action(detail=True, methods=["get"], permission_action="count")
    def lookup(self, request: Request, pk: str | None = None) -> Response:
        """查询编码

        扫码后、提交前显示资产信息：是否在本次盘点范围内、账面存放地点和使用状况（不记录扫码）。"""
        campaign = self.get_object()
        return Response(scan_lookup(campaign, request.query_params.get("code", "")))

    @extend_schema(responses=StocktakeProgressSerializer)
    @action(detail=True, methods=["get"], permission_action="count")
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """盘点进度

        应盘、已盘到、盘亏、盘盈，合计与分单位。"""
        campaign = self.get_object()
        totals = progress_totals(campaign)
        units = [{"unit": r["unit"].pk, "unit_name": r["unit"].short_name or r["unit"].name,
                  **{k: r[k] for k in ("expected", "found", "missing", "surplus", "percent")}}
                 for r in progress_by_unit(campaign)]
        return Response({"status": campaign.status, **totals, "units": units})


class ItemFilter(LeanFilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id", label="盘点任务 ID")
    unit = django_filters.NumberFilter(field_name="unit_id", label="所属单位 ID")
    result = django_filters.ChoiceFilter(choices=StocktakeResult.choices, label="盘点结果")
    discrepancy = django_filters.ChoiceFilter(choices=[c for c in DiscrepancyKind.choices if c[0]], label="差异")

    class Meta:
        model = StocktakeItem
        fields = ["campaign", "unit", "result", "discrepancy"]


class StocktakeItemViewSet(ListRetrieveMixin, ScopedViewSet):
    """盘点明细：每项应盘资产（或盘盈的账外资产）的账面与实盘情况、差异和处理结果。"""

    queryset = StocktakeItem.objects.select_related("asset", "unit")
    serializer_class = ItemSerializer
    filterset_class = ItemFilter
    search_fields = ["asset__code", "asset__name", "surplus_code", "surplus_name"]
    ordering_fields = ["id", "scanned_at"]
    http_method_names = ["get", "head", "options"]
    schema_tags = ["资产管理"]
