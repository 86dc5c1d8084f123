"""Filter panels of the org lists (django-filter); querysets of choices follow the user's scope."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from qinjian.core.ui.filters import ActiveFilter

from .choices import AdminLevel, PersonStatus, StaffingType, UnitType
from .forms import UnitChoiceField
from .models import Department, Person, Rank, Unit
from .selectors import departments_of


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = UnitChoiceField


def _scoped_units(request: Any) -> QuerySet[Unit]:
    if request is None:
        return Unit.objects.none()
    return Unit.objects.scoped(request.user, "view").only("id", "name", "depth", "tree_path")


class UnitFilterSet(django_filters.FilterSet):
    unit_type = django_filters.ChoiceFilter(label="单位类型", choices=UnitType.choices, empty_label="全部")
    level = django_filters.ChoiceFilter(label="行政层级", choices=AdminLevel.choices, empty_label="全部")
    parent = UnitFilter(label="上级单位", queryset=_scoped_units, empty_label="全部")
    is_active = ActiveFilter()

    class Meta:
        model = Unit
        fields = ("unit_type", "level", "parent", "is_active")


class DepartmentFilterSet(django_filters.FilterSet):
    unit = UnitFilter(label="所属单位", queryset=_scoped_units, empty_label="全部")
    is_active = ActiveFilter()

    class Meta:
        model = Department
        fields = ("unit", "is_active")


def _departments(request: Any) -> QuerySet[Department]:
    if request is None:
        return Department.objects.none()
    return departments_of(request.user, request.GET.get("unit"))


class PersonFilterSet(django_filters.FilterSet):
    unit = UnitFilter(label="单位", queryset=_scoped_units, empty_label="全部", method="filter_unit")
    include_sub = django_filters.BooleanFilter(label="含下级单位", method="filter_noop",
                                               widget=forms.CheckboxInput)
    department = django_filters.ModelChoiceFilter(label="部门", queryset=_departments, empty_label="全部")
    rank = django_filters.ModelChoiceFilter(label="职级", queryset=Rank.objects.all(), empty_label="全部")
    staffing_type = django_filters.ChoiceFilter(label="编制类型", choices=StaffingType.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=PersonStatus.choices, empty_label="全部")
    is_active = ActiveFilter(label="启用")

    class Meta:
        model = Person
        fields = ("unit", "include_sub", "department", "rank", "staffing_type", "status", "is_active")

    dependent_fields = ("department",)  # its choices follow the chosen unit

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and data.get("department"):
            # a department of a previously chosen unit is cleared, not an error
            raw = str(data.get("department"))
            if raw.isdigit() and not _departments(kwargs.get("request")).filter(pk=raw).exists():
                data = data.copy()
                data.pop("department")
        super().__init__(data, *args, **kwargs)
        dept = self.form.fields["department"]
        if not (self.data or {}).get("unit"):
            dept.disabled = True
            dept.empty_label = "请先选择单位"  # type: ignore[attr-defined]
        self.form.fields["rank"].label_from_instance = lambda r: f"{r.name}（{r.get_level_display()}）"  # type: ignore[attr-defined]

    def filter_unit(self, queryset: QuerySet[Person], name: str, value: Unit) -> QuerySet[Person]:
        if self.form.cleaned_data.get("include_sub"):
            return queryset.filter(unit__tree_path__startswith=value.tree_path)
        return queryset.filter(unit=value)

    def filter_noop(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset
