"""Query filters of the org API (``?unit=3&within=1&is_active=true``)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field

from qinjian.core import crypto
from qinjian.core.api.filters import LeanFilterSet

from ..choices import AdminLevel, Gender, PersonStatus, StaffingType, UnitType
from ..models import Department, Person, Rank, Region, Unit

MAX_ID = 2**63 - 1


class IdFilter(filters.Filter):
    """An object id (integer) compared exactly; ``field_name`` is the foreign key."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
        # An integer with its Chinese label in the schema (the field name need not be a model field).
        extend_schema_field({"type": "integer", "minimum": 1, "description": str(self.label or "")})(self)


class WithinUnitFilter(IdFilter):
    """``within=<unit id>``: rows of that unit and of every unit below it (materialised tree path).

    Other apps use it on their own models: ``within = WithinUnitFilter(path="unit__tree_path")``.
    """

    def __init__(self, *args: Any, path: str = "unit__tree_path", **kwargs: Any) -> None:
        kwargs.setdefault("label", "单位范围（该单位及其全部下级单位的编号）")
        self.path = path
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in (None, ""):
            return qs
        tree_path = Unit.objects.filter(pk=value).values_list("tree_path", flat=True).first()
        if not tree_path:
            return qs.none()
        return qs.filter(**{f"{self.path}__startswith": tree_path})


class UnitFilter(LeanFilterSet):
    parent = IdFilter(field_name="parent", label="上级单位编号")
    within = WithinUnitFilter(path="tree_path")
    unit_type = filters.ChoiceFilter(choices=UnitType.choices, label="单位类型")
    level = filters.ChoiceFilter(choices=AdminLevel.choices, label="行政层级")
    region = IdFilter(field_name="region", label="所在区划编号")
    is_active = filters.BooleanFilter(label="是否启用（true/false）")

    class Meta:
        model = Unit
        fields = ["parent", "within", "unit_type", "level", "region", "is_active"]


class DepartmentFilter(LeanFilterSet):
    unit = IdFilter(field_name="unit", label="所属单位编号")
    within = WithinUnitFilter()
    is_active = filters.BooleanFilter(label="是否启用（true/false）")

    class Meta:
        model = Department
        fields = ["unit", "within", "is_active"]


class PersonFilter(LeanFilterSet):
    unit = IdFilter(field_name="unit", label="所在单位编号")
    within = WithinUnitFilter()
    department = IdFilter(field_name="department", label="所在部门编号")
    rank = IdFilter(field_name="rank", label="职级编号")
    gender = filters.ChoiceFilter(choices=Gender.choices, label="性别")
    staffing_type = filters.ChoiceFilter(choices=StaffingType.choices, label="编制类型")
    status = filters.ChoiceFilter(choices=PersonStatus.choices, label="人员状态")
    is_active = filters.BooleanFilter(label="是否启用（true/false）")
    phone = filters.CharFilter(method="filter_phone", max_length=32, label="手机号码（精确匹配）")

    class Meta:
        model = Person
        fields = ["unit", "within", "department", "rank", "gender", "staffing_type", "status", "is_active", "phone"]

    def filter_phone(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # Phones are encrypted at rest; the blind index allows an exact match without decrypting.
        phone = value.strip().replace(" ", "").replace("-", "")
        return qs.filter(phone_index=crypto.blind_index(phone)) if phone else qs


class RankFilter(LeanFilterSet):
    level = filters.ChoiceFilter(choices=AdminLevel.choices, label="机关层级")
    is_leader = filters.BooleanFilter(label="是否领导职务（true/false）")

    class Meta:
        model = Rank
        fields = ["level", "is_leader"]


class RegionFilter(LeanFilterSet):
    level = filters.ChoiceFilter(choices=AdminLevel.choices, label="层级")
    parent = IdFilter(field_name="parent", label="上级区划编号")

    class Meta:
        model = Region
        fields = ["level", "parent"]
