"""Query filters of the alert API (``?status=live&severity=30&unit=3&within=1``)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet

from qinjian.core.api.filters import LeanFilterSet

from ..choices import LIVE_STATUSES, AlertStatus, Severity
from ..models import Alert

MAX_ID = 2**63 - 1


class AlertFilter(LeanFilterSet):
    status = filters.ChoiceFilter(label="状态（live = 未关闭，即待处理和已处理）",
                                  choices=[("live", "未关闭"), *AlertStatus.choices], method="filter_status")
    severity = filters.TypedChoiceFilter(label="级别（10 提示、20 预警、30 严重）", choices=Severity.choices,
                                         coerce=int)
    rule = filters.CharFilter(label="规则编码", field_name="rule__code")
    unit = filters.NumberFilter(label="责任单位编号", field_name="unit_id", min_value=1, max_value=MAX_ID)
    within = filters.NumberFilter(label="单位范围（该单位及其全部下级单位的编号）", method="filter_within",
                                  min_value=1, max_value=MAX_ID)
    object_type = filters.CharFilter(label="对象类型（如 org.unit）", method="filter_object_type")
    object_id = filters.CharFilter(label="对象编号", field_name="object_id", max_length=64)
    opened_after = filters.IsoDateTimeFilter(label="发生时间不早于", field_name="opened_at", lookup_expr="gte")
    opened_before = filters.IsoDateTimeFilter(label="发生时间早于", field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Alert
        fields: list[str] = []

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(status__in=LIVE_STATUSES) if value == "live" else qs.filter(status=value)

    def filter_within(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        unit_model: Any = Alert._meta.get_field("unit").related_model
        tree_path = unit_model._default_manager.filter(pk=int(value)).values_list("tree_path", flat=True).first()
        return qs.filter(unit__tree_path__startswith=tree_path) if tree_path else qs.none()

    def filter_object_type(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        app_label, _, model = value.lower().partition(".")
        return qs.filter(content_type__app_label=app_label, content_type__model=model)
