"""Ledger and depreciation endpoints: the ledger summary as of a date, the increases and decreases of a
period, the monthly depreciation runs (read; starting a run is a background job from the page)."""

from __future__ import annotations

import datetime
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinjian.core.api.permissions import IsAuthenticated
from qinjian.core.api.schema import AutoSchema
from qinjian.core.api.viewsets import ListRetrieveMixin, ScopedViewSet
from qinjian.core.errors import NotAllowed, ValidationFailed
from qinjian.org.models import Unit

from ..models import DepreciationRun, DepreciationRunLine
from ..selectors import (
    Figures,
    can_report,
    class_names,
    class_rows,
    kind_rows,
    ledger_summary,
    movements,
    unit_choices,
    unit_rows,
)

TAGS = ["资产台账与报表"]


class FiguresSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(help_text="数量")
    value = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="原值（元）")
    fiscal = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="其中：财政拨款（元）")
    nonfiscal = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="其中：非财政拨款（元）")
    depreciation = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="累计折旧（元）")
    net = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="净值（元）")


class SummaryRowSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField(allow_null=True, help_text="单位（按单位汇总时）")
    code = serializers.CharField(help_text="分类代码开头（一级如 A02，二级如 A0201）；合计行为空")
    name = serializers.CharField(help_text="分类或单位名称")
    level = serializers.IntegerField(help_text="0 合计，1 一级分类（或单位），2 二级分类")
    figures = FiguresSerializer()


class SummarySerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="截止日期（当日日终）")
    unit = serializers.IntegerField(allow_null=True, help_text="所选单位（含下级单位）")
    by = serializers.CharField(help_text="class：按分类；unit：按单位")
    rows = SummaryRowSerializer(many=True)


class KindRowSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="变动类型代码")
    label = serializers.CharField(help_text="变动类型")  # type: ignore[assignment]
    direction = serializers.CharField(help_text="increase 增加 / decrease 减少")
    figures = FiguresSerializer()


class MovementsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    unit = serializers.IntegerField(allow_null=True)
    increases = KindRowSerializer(many=True)
    decreases = KindRowSerializer(many=True)
    increase_total = FiguresSerializer()
    decrease_total = FiguresSerializer()


def _figures(f: Figures) -> dict[str, Any]:
    return {"quantity": f.quantity, "value": f.value, "fiscal": f.fiscal, "nonfiscal": f.nonfiscal,
            "depreciation": f.depreciation, "net": f.net}


def _day(raw: str | None, name: str, default: datetime.date) -> datetime.date:
    if not raw:
        return default
    try:
        return datetime.date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise ValidationFailed(f"{name}格式不正确，应为 YYYY-MM-DD。", fields={name: ["日期格式应为 YYYY-MM-DD。"]}) from exc


def _unit(request: Request) -> Unit | None:
    raw = request.query_params.get("unit", "")
    if not raw:
        return None
    unit = unit_choices(request.user).filter(pk=raw).first() if raw.isdigit() else None
    if unit is None:
        raise ValidationFailed("单位不存在或不在您可查看的范围内。", fields={"unit": ["单位不存在或无权查看。"]})
    return unit


def _require_report(request: Request) -> None:
    if not can_report(request.user):
        raise NotAllowed("没有查看资产报表的权限。")


class LedgerSummaryView(APIView):
    """资产台账汇总（截至某日）

    `as_of` 日（默认今天）日终的在账资产，按资产分类（一级、二级）或按单位汇总：数量、原值（分财政拨款、
    非财政拨款）、累计折旧、净值。`unit` 为单位 id 时只含该单位及其下级单位。只含您可查看的单位。"""

    permission_classes = [IsAuthenticated]
    schema = AutoSchema()
    schema_tags = TAGS

    @extend_schema(parameters=[
        OpenApiParameter("as_of", OpenApiTypes.DATE, description="截止日期 YYYY-MM-DD，默认今天"),
        OpenApiParameter("unit", OpenApiTypes.INT, description="单位 id（含下级单位）"),
        OpenApiParameter("by", OpenApiTypes.STR, enum=["class", "unit"], description="class 按分类（默认），unit 按单位"),
    ], responses=SummarySerializer)
    def get(self, request: Request) -> Response:
        _require_report(request)
        from django.utils import timezone

        day = _day(request.query_params.get("as_of"), "as_of", timezone.localdate())
        if day > timezone.localdate():
            raise ValidationFailed("不能查询未来日期的台账。", fields={"as_of": ["不能晚于今天。"]})
        unit = _unit(request)
        by = request.query_params.get("by") or "class"
        if by not in ("class", "unit"):
            raise ValidationFailed("by 只能为 class 或 unit。", fields={"by": ["只能为 class 或 unit。"]})
        data = ledger_summary(request.user, day, unit=unit, by_unit=by == "unit")
        rows = unit_rows(data) if by == "unit" else class_rows(data, names=class_names())
        return Response({"as_of": day, "unit": unit.pk if unit else None, "by": by, "rows": [
            {"unit_id": r.unit_id, "code": r.code, "name": r.name, "level": r.level, "figures": _figures(r.figures)}
            for r in rows]})


class LedgerMovementsView(APIView):
    """资产增减变动（期间）

    `start` 至 `end`（两端均含；默认本年初至今天）的资产增加（新增入账、调入、盘盈、价值调增）和减少
    （调出、处置、盘亏、价值调减），减少以正数列示。只含您可查看的单位。"""

    permission_classes = [IsAuthenticated]
    schema = AutoSchema()
    schema_tags = TAGS

    @extend_schema(parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE, description="开始日期，默认本年 1 月 1 日"),
        OpenApiParameter("end", OpenApiTypes.DATE, description="结束日期，默认今天"),
        OpenApiParameter("unit", OpenApiTypes.INT, description="单位 id（含下级单位）"),
    ], responses=MovementsSerializer)
    def get(self, request: Request) -> Response:
        _require_report(request)
        from django.utils import timezone

        today = timezone.localdate()
        start = _day(request.query_params.get("start"), "start", datetime.date(today.year, 1, 1))
        end = _day(request.query_params.get("end"), "end", today)
        if start > end:
            raise ValidationFailed("开始日期不能晚于结束日期。", fields={"start": ["不能晚于结束日期。"]})
        unit = _unit(request)
        inc, dec, inc_total, dec_total = kind_rows(movements(request.user, start, end, unit=unit))

        def rows(items: list[Any]) -> list[dict[str, Any]]:
            return [{"kind": r.kind, "label": r.label, "direction": r.direction, "figures": _figures(r.figures)}
                    for r in items]

        return Response({"start": start, "end": end, "unit": unit.pk if unit else None, "increases": rows(inc),
                         "decreases": rows(dec), "increase_total": _figures(inc_total),
                         "decrease_total": _figures(dec_total)})


class DepreciationRunLineSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = DepreciationRunLine
        fields = ["unit", "unit_name", "class_code", "asset_count", "amount"]


class DepreciationRunSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = DepreciationRun
        fields = ["id", "month", "status", "status_display", "started_by", "started_at", "finished_at",
                  "asset_count", "total_amount", "message"]


class DepreciationRunDetailSerializer(DepreciationRunSerializer):
    lines = serializers.SerializerMethodField()

    class Meta(DepreciationRunSerializer.Meta):
        fields = [*DepreciationRunSerializer.Meta.fields, "lines"]

    @extend_schema_field(DepreciationRunLineSerializer(many=True))
    def get_lines(self, obj: DepreciationRun) -> list[dict[str, Any]]:
        user = self.context["request"].user
        lines = DepreciationRunLine.objects.scoped(user, "view").filter(run=obj).select_related("unit")
        return list(DepreciationRunLineSerializer(lines.order_by("unit__tree_path", "class_code"), many=True).data)


class DepreciationRunViewSet(ListRetrieveMixin, ScopedViewSet):
    """折旧计提（按月）：每月一次，含分单位、分类的折旧额。计提请在“折旧计提”页面发起（后台任务）。"""

    queryset = DepreciationRun.objects.all()
    serializer_class = DepreciationRunSerializer
    ordering_fields = ["month"]
    ordering = ["-month"]
    schema_tags = TAGS
    http_method_names = ["get", "head", "options"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return DepreciationRunDetailSerializer if self.action == "retrieve" else DepreciationRunSerializer
