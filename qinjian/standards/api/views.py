"""Standards endpoints under /api/standards/ (read-only, for every role with the view permission)."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinjian.core.api.filters import LeanFilterSet
from qinjian.core.api.permissions import IsAuthenticated
from qinjian.core.api.schema import AutoSchema
from qinjian.core.api.viewsets import ListRetrieveMixin, ScopedViewSet
from qinjian.core.errors import NotAllowed, ValidationFailed

from .. import selectors
from ..choices import LegacyScheme, MappingMatch
from ..models import AssetClass, LegacyClassMapping, StandardTable, StandardVersion
from . import serializers as s

TAGS = ["标准库"]


class StandardTableViewSet(ListRetrieveMixin, ScopedViewSet):
    """标准（参考数据表）及其版本；current_version 为今天生效的版本。"""

    queryset = StandardTable.objects.prefetch_related("versions")
    serializer_class = s.StandardTableSerializer
    search_fields = ["name", "title", "category"]
    ordering_fields = ["sort_order", "name"]
    ordering = ["sort_order", "name"]
    filterset_class = None
    schema_tags = TAGS

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["current"] = selectors.current_versions(list(StandardTable.objects.all()))
        return context


class StandardVersionFilter(LeanFilterSet):
    table = django_filters.CharFilter(field_name="table__name", label="标准标识（如 office_area）")

    class Meta:
        model = StandardVersion
        fields = ["table", "status"]


class StandardVersionViewSet(ListRetrieveMixin, ScopedViewSet):
    """标准版本，含全部数据行。"""

    queryset = StandardVersion.objects.select_related("table").prefetch_related("rows__version__table")
    serializer_class = s.StandardVersionSerializer
    filterset_class = StandardVersionFilter
    ordering_fields = ["effective_from", "code"]
    ordering = ["table__sort_order", "-effective_from"]
    schema_tags = TAGS


class AssetClassFilter(LeanFilterSet):
    level = django_filters.NumberFilter(label="层级（1–4）")
    parent = django_filters.CharFilter(field_name="parent__code", label="上级分类代码")

    class Meta:
        model = AssetClass
        fields = ["level", "parent"]


class AssetClassViewSet(ListRetrieveMixin, ScopedViewSet):
    """GB/T 14885-2022 资产分类。search 按代码前缀或名称查找，如 search=台式、search=A020101。"""

    queryset = AssetClass.objects.select_related("parent")
    serializer_class = s.AssetClassSerializer
    filterset_class = AssetClassFilter
    ordering_fields = ["code", "level"]
    ordering = ["code"]
    schema_tags = TAGS

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        term = self.request.query_params.get("search", "") if hasattr(self, "request") and self.request else ""
        return selectors.asset_class_search(qs, term.replace("\x00", "")) if term else qs


class LegacyClassMappingFilter(LeanFilterSet):
    scheme = django_filters.ChoiceFilter(choices=LegacyScheme.choices, label="旧分类体系")
    match = django_filters.ChoiceFilter(choices=MappingMatch.choices, label="对应关系")
    code = django_filters.CharFilter(field_name="legacy_code", label="旧代码")

    class Meta:
        model = LegacyClassMapping
        fields = ["scheme", "match", "code"]


class LegacyClassMappingViewSet(ListRetrieveMixin, ScopedViewSet):
    """旧分类代码（GB/T 14885-2010、2013版品目目录）与 2022 分类的对照；code_2022 为空表示未对应。"""

    queryset = LegacyClassMapping.objects.select_related("asset_class")
    serializer_class = s.LegacyClassMappingSerializer
    filterset_class = LegacyClassMappingFilter
    search_fields = ["legacy_code", "legacy_name"]
    ordering_fields = ["scheme", "legacy_code"]
    ordering = ["scheme", "legacy_code"]
    schema_tags = TAGS


RESERVED = {"name", "on", "format"}


class LookupView(APIView):
    """按日期查询标准

    返回 `name` 标准在 `on` 日（默认今天）生效的版本中与查询条件相符的数据行。查询条件为该标准的
    查询条件列（见 /api/standards/tables/ 的 key_columns），如 `level=city&rank=C-3`；未给出的条件不限。
    该日期没有生效版本、或没有相符的数据行时返回 404。"""

    permission_classes = [IsAuthenticated]
    schema = AutoSchema()
    schema_tags = TAGS

    @extend_schema(
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, required=True, description="标准标识，如 office_area"),
            OpenApiParameter("on", OpenApiTypes.DATE, description="查询日期 YYYY-MM-DD，默认今天"),
        ],
        responses=s.LookupSerializer,
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("standards.view_standardtable"):
            raise NotAllowed("没有查看标准库的权限。")
        name = request.query_params.get("name", "").strip()[:60]
        if not name:
            raise ValidationFailed("请提供标准标识 name，如 name=office_area。", fields={"name": ["必填。"]})
        day = selectors.as_date(request.query_params.get("on") or None)
        std = selectors.standard(name, on=day)
        keys = {k: v[:100] for k, v in request.query_params.items() if k not in RESERVED}
        rows = std.filter(**keys)
        if not rows:
            std.row(**keys)  # raises the "no such row" error with the key named
        table = StandardTable.objects.get(name=std.name)
        return Response({
            "name": std.name,
            "title": std.title,
            "on": day,
            "version": {"id": std.version_id, "code": std.version_code, "doc_no": std.doc_no,
                        "doc_title": std.doc_title, "effective_from": std.effective_from,
                        "effective_to": std.effective_to},
            "rows": [{"key": r.key, "values": s.typed_values(table, {k: ("" if v is None else str(v))
                                                                     for k, v in r.values.items()}),
                      "confidence": r.confidence, "note": r.note} for r in rows],
        })
