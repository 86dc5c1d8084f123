"""The filter panel of the alert list; unit choices follow the user's scope."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from .choices import LIVE_STATUSES, AlertStatus, Severity
from .models import Alert, AlertRule

LIVE = "live"
STATUS_CHOICES = [(LIVE, "未关闭"), *AlertStatus.choices]


class UnitChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "所选单位不在您的管理范围内，请重新选择。"}

    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * max(0, getattr(obj, "depth", 0) - getattr(self, "top_depth", 0)) + obj.name


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = UnitChoiceField


def _units(request: Any) -> QuerySet:
    unit_model = Alert._meta.get_field("unit").related_model
    if request is None:
        return unit_model._default_manager.none()  # type: ignore[union-attr]
    return unit_model.objects.scoped(request.user, "view").only(  # type: ignore[union-attr]
        "id", "name", "depth", "tree_path").order_by("tree_path")


class AlertFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=STATUS_CHOICES, empty_label="全部",
                                         method="filter_status")
    severity = django_filters.ChoiceFilter(label="级别", choices=Severity.choices, empty_label="全部")
    rule = django_filters.ModelChoiceFilter(label="预警规则", queryset=AlertRule.objects.all(), empty_label="全部")
    unit = UnitFilter(label="责任单位", queryset=_units, empty_label="全部", method="filter_unit")
    include_sub = django_filters.BooleanFilter(label="含下级单位", method="filter_noop", widget=forms.CheckboxInput)
    opened_from = django_filters.DateFilter(label="发生日期从", field_name="opened_at", lookup_expr="date__gte",
                                            widget=forms.DateInput(attrs={"type": "date"}))
    opened_to = django_filters.DateFilter(label="发生日期至", field_name="opened_at", lookup_expr="date__lte",
                                          widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Alert
        fields = ("status", "severity", "rule", "unit", "include_sub", "opened_from", "opened_to")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.form.fields["unit"]
        field.top_depth = min((u.depth for u in field.queryset[:1]), default=0)  # type: ignore[attr-defined]

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == LIVE:
            return queryset.filter(status__in=LIVE_STATUSES)
        return queryset.filter(status=value) if value else queryset

    def filter_unit(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        if self.form.cleaned_data.get("include_sub"):
            return queryset.filter(Q(unit=value) | Q(unit__tree_path__startswith=value.tree_path))
        return queryset.filter(unit=value)

    def filter_noop(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset
