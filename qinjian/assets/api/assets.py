"""Asset card endpoints under /api/assets/: cards (list, retrieve, create draft, update), a card's 履历,
and the name classifier (``POST classify/``)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qinjian.core.api.filters import LeanFilterSet
from qinjian.core.api.pagination import CappedPagination
from qinjian.core.api.rows import RowListMixin
from qinjian.core.api.viewsets import CreateMixin, ListRetrieveMixin, ScopedViewSet, UpdateMixin
from qinjian.org.api.filters import IdFilter, WithinUnitFilter

from ..choices import AcquisitionMethod
from ..classify import get_classifier
from ..filtersets import FUNDING_CHOICES, ON_BOOKS, STATUS_CHOICES, class_q
from ..models import Asset
from ..selectors_cards import card_events
from ..services.assets import asset_register, asset_update
from . import serializers as s

TAGS = ["资产管理"]


class CardPagination(CappedPagination):
    count_limit = 5_000  # as the card list page: a city's exact COUNT(*) over 500,000 cards costs seconds


class AssetApiFilter(LeanFilterSet):
    unit = IdFilter(field_name="unit", label="所属单位编号")
    within = WithinUnitFilter()
    class_code = filters.CharFilter(method="filter_class", max_length=60,
                                    label="分类代码前缀（如 A0201，含其下级分类）或分类名称中的词")
    status = filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status",
                                  label="使用状况（on_books 为在账资产）")
    value_min = filters.NumberFilter(field_name="original_value", lookup_expr="gte", label="原值不低于（元）")
    value_max = filters.NumberFilter(field_name="original_value", lookup_expr="lte", label="原值不高于（元）")
    acquired_after = filters.DateFilter(field_name="acquired_on", lookup_expr="gte", label="取得日期从（含）")
    acquired_before = filters.DateFilter(field_name="acquired_on", lookup_expr="lte", label="取得日期至（含）")
    funding = filters.ChoiceFilter(choices=FUNDING_CHOICES, method="filter_funding", label="资金来源")
    acquisition_method = filters.ChoiceFilter(choices=AcquisitionMethod.choices, label="取得方式")
    location = filters.CharFilter(field_name="location", lookup_expr="icontains", max_length=100, label="存放地点包含")
    custodian = IdFilter(field_name="custodian", label="使用人编号")
    department = IdFilter(field_name="department", label="使用部门编号")
    class_confirmed = filters.BooleanFilter(label="分类已确认（true/false）")

    class Meta:
        model = Asset
        fields = ["unit", "within", "class_code", "status", "value_min", "value_max", "acquired_after",
                  "acquired_before", "funding", "acquisition_method", "location", "custodian", "department",
                  "class_confirmed"]

    def filter_class(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(class_q(value)) if value.strip() else qs

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        from ..choices import ON_BOOKS_STATUSES

        if value == ON_BOOKS:
            return qs.filter(status__in=ON_BOOKS_STATUSES)
        return qs.filter(status=value)

    def filter_funding(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter({"fiscal": Q(value_fiscal__gt=0), "fiscal_only": Q(value_nonfiscal=0),
                          "nonfiscal": Q(value_nonfiscal__gt=0), "nonfiscal_only": Q(value_fiscal=0)}[value])


class AssetViewSet(RowListMixin, ListRetrieveMixin, CreateMixin, UpdateMixin, ScopedViewSet):
    """资产卡片。新建的卡片为“待入账”，经“验收入账”业务单审批后入账；已入账资产的原值、资金来源、数量、
    所属单位和使用人只能通过业务单变更。`class_code` 过滤按分类代码前缀（含下级分类）。列表默认按单位（单位树顺序）
    和资产编号排列，与资产卡片页面相同；`count` 最多数到 5,000：超过时 `count_capped` 为 true，仍可按 `next` 逐页翻看。"""

    # a custodian's phone is encrypted: decrypting it for every row of a page, unshown, costs more than the page
    queryset = Asset.objects.select_related("unit", "asset_class", "department", "custodian").defer(
        "custodian__phone", "custodian__phone_index")
    serializer_class = s.AssetSerializer
    write_serializer_class = s.AssetCreateInput
    update_serializer_class = s.AssetUpdateInput
    filterset_class = AssetApiFilter
    search_fields = ["code", "name", "spec_model", "legacy_code"]
    ordering_fields = ["code", "name", "class_code", "original_value", "acquired_on", "booked_on", "status",
                       "created_at", "updated_at"]
    ordering = ["unit__tree_path", "code"]  # the ledger's order: an index walk, never a sort of a city's cards
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    schema_tags = TAGS
    pagination_class = CardPagination

    def perform_create(self, data: dict[str, Any]) -> Asset:
        unit = data.pop("unit")
        return asset_register(actor=self.request.user, unit=unit, **data)

    def perform_update(self, instance: Any, data: dict[str, Any]) -> Asset:
        return asset_update(asset=instance, actor=self.request.user, **data)

    @extend_schema(responses=s.AssetEventSerializer(many=True))
    @action(detail=True, methods=["get"], permission_action="view")
    def events(self, request: Request, pk: str | None = None) -> Response:
        """资产履历

        该资产从登记起的全部事项（登记、入账、领用、调拨、处置……），最新的在前；需要“查看资产履历”权限。"""
        asset = self.get_object()
        events = card_events(asset, request.user)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(s.AssetEventSerializer(page, many=True).data)


class AssetClassifyViewSet(ScopedViewSet):
    """按名称推荐资产分类（只计算，不读写资产卡片；需要“查看资产”权限）。"""

    queryset = Asset.objects.none()
    serializer_class = s.ClassifyOutput
    permission_action = "view"
    permission_required = "assets.view_asset"  # declared for readers of the view (the permission matrix)
    http_method_names = ["post", "options"]
    schema_tags = TAGS
    pagination_class = None  # type: ignore[assignment]
    filter_backends: list[Any] = []

    @extend_schema(request=s.ClassifyInput, responses=s.ClassifyOutput)
    def create(self, request: Request) -> Response:
        """按名称推荐资产分类

        对每个资产名称（可带品牌、规格型号）推荐 GB/T 14885-2022 分类代码、分类名称和可信度，按输入顺序返回，
        与命令 `qinjian classify-assets` 的结果相同；一次最多 1000 个。可信度低于 0.8 的建议人工确认。"""
        data = self.validate_input(s.ClassifyInput, request.data)
        classifier = get_classifier()
        results = []
        for name in data["names"]:
            result = classifier.suggest(name.strip())
            results.append({"name": name, "code": result.code, "class_name": result.class_name,
                            "confidence": round(result.confidence, 2), "low_confidence": result.is_low_confidence,
                            "reason": result.reason})
        return Response({"results": results})
