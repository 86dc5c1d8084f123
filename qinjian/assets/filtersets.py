"""The filter panel of the asset card list (also used by the label sheet and the API's query filters).

Every filter is index-friendly at 500,000 cards: the class filter is a code prefix
(``class_code__startswith``), the unit filter an id or a tree-path prefix, values and dates ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator

from qinjian.org.forms import UnitChoiceField
from qinjian.org.models import Unit

from .choices import ON_BOOKS_STATUSES, AcquisitionMethod, AssetStatus
from .models import Asset

ON_BOOKS = "on_books"
STATUS_CHOICES = [(ON_BOOKS, "在账资产（在用、出租出借、闲置、待处置）"), *AssetStatus.choices]
FUNDING_CHOICES = [("fiscal", "含财政拨款"), ("fiscal_only", "全部为财政拨款"), ("nonfiscal", "含非财政拨款"),
                   ("nonfiscal_only", "全部为非财政拨款")]
_CODE = re.compile(r"^[A-Za-z]\d{0,8}$")
MAX_NAME_MATCHES = 30


def class_prefix(code: str, level: int | None = None) -> str:
    """The code prefix that selects a class and everything below it: A02010000 (level 2) → A0201."""
    code = code.strip().upper()
    if level is None:
        level = 4
        while level > 1 and len(code) == 9 and code.endswith("00" * (5 - level)):
            level -= 1
    return code[:1 + 2 * level] if len(code) == 9 else code


def class_q(term: str) -> Q:
    """Cards whose class is the given code (and below) or whose class name contains the words."""
    from qinjian.standards.models import AssetClass

    term = term.replace("\x00", "").strip()[:60]
    if not term:
        return Q()
    if _CODE.match(term):
        return Q(class_code__startswith=class_prefix(term))
    rows = list(AssetClass.objects.filter(name__contains=term).values_list("code", "level")
                .order_by("level", "code")[:MAX_NAME_MATCHES])
    prefixes: list[str] = []
    for code, level in rows:
        prefix = class_prefix(code, level)
        if not any(prefix.startswith(p) for p in prefixes):
            prefixes.append(prefix)
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(class_code__startswith=prefix)
    return q


def class_group_choices() -> list[tuple[str, str]]:
    """Levels 1 and 2 of GB/T 14885-2022 (89 groups) for the 资产类别 select."""
    from qinjian.standards.models import AssetClass

    rows = AssetClass.objects.filter(level__lte=2).order_by("code").values_list("code", "name", "level")
    return [(class_prefix(code, level), ("\u3000" * (level - 1)) + f"{name}（{class_prefix(code, level)}）")
            for code, name, level in rows]


class _UnitRows(ModelChoiceIterator):
    """The options straight from (id, name, depth) rows: a city's 300 units as model instances cost more
    than the rest of the filter panel. Indented relative to the shallowest unit offered, as UnitChoiceField."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = list(self.queryset.values_list("pk", "name", "depth"))
        top = min((depth for _pk, _name, depth in rows), default=0)
        for pk, name, depth in rows:
            yield (pk, "\u3000" * max(0, depth - top) + name)


class _UnitField(UnitChoiceField):
    iterator = _UnitRows


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = _UnitField


def _scoped_units(request: Any) -> QuerySet[Unit]:
    if request is None:
        return Unit.objects.none()
    from .selectors_cards import asset_units

    return asset_units(request.user, "view").order_by("tree_path")


class AssetFilterSet(django_filters.FilterSet):
    unit = UnitFilter(label="所属单位", queryset=_scoped_units, empty_label="全部", method="filter_unit")
    include_sub = django_filters.BooleanFilter(label="含下级单位", method="filter_noop", widget=forms.CheckboxInput)
    class_group = django_filters.ChoiceFilter(label="资产类别", choices=class_group_choices, empty_label="全部",
                                              method="filter_class_group")
    class_code = django_filters.CharFilter(label="分类代码或名称", method="filter_class", max_length=60,
                                           widget=forms.TextInput(attrs={"placeholder": "如 A020101 或 计算机"}))
    status = django_filters.ChoiceFilter(label="使用状况", choices=STATUS_CHOICES, empty_label="全部",
                                         method="filter_status")
    value_min = django_filters.NumberFilter(label="原值不低于（元）", field_name="original_value", lookup_expr="gte",
                                            min_value=0, widget=forms.NumberInput(attrs={"min": 0, "step": "0.01"}))
    value_max = django_filters.NumberFilter(label="原值不高于（元）", field_name="original_value", lookup_expr="lte",
                                            min_value=0, widget=forms.NumberInput(attrs={"min": 0, "step": "0.01"}))
    acquired_after = django_filters.DateFilter(label="取得日期从", field_name="acquired_on", lookup_expr="gte",
                                               widget=forms.DateInput(attrs={"type": "date"}))
    acquired_before = django_filters.DateFilter(label="取得日期至", field_name="acquired_on", lookup_expr="lte",
                                                widget=forms.DateInput(attrs={"type": "date"}))
    funding = django_filters.ChoiceFilter(label="资金来源", choices=FUNDING_CHOICES, empty_label="全部",
                                          method="filter_funding")
    acquisition_method = django_filters.ChoiceFilter(label="取得方式", choices=AcquisitionMethod.choices,
                                                     empty_label="全部")
    location = django_filters.CharFilter(label="存放地点", method="filter_location", max_length=100)
    custodian = django_filters.CharFilter(label="使用人", method="filter_custodian", max_length=50,
                                          widget=forms.TextInput(attrs={"placeholder": "姓名"}))
    unconfirmed = django_filters.BooleanFilter(label="只看分类待确认的", method="filter_unconfirmed",
                                               widget=forms.CheckboxInput)

    class Meta:
        model = Asset
        fields: tuple[str, ...] = ()

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit) -> QuerySet:
        if self.form.cleaned_data.get("include_sub"):
            return queryset.filter(unit__tree_path__startswith=value.tree_path)
        return queryset.filter(unit=value)

    def filter_noop(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def filter_class_group(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(class_code__startswith=value) if value else queryset

    def filter_class(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(class_q(value)) if value.strip() else queryset

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == ON_BOOKS:
            return queryset.filter(status__in=ON_BOOKS_STATUSES)
        return queryset.filter(status=value) if value else queryset

    def filter_funding(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter({
            "fiscal": Q(value_fiscal__gt=0),
            "fiscal_only": Q(value_nonfiscal=0),
            "nonfiscal": Q(value_nonfiscal__gt=0),
            "nonfiscal_only": Q(value_fiscal=0),
        }.get(value, Q()))

    def filter_location(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.replace("\x00", "").strip()
        return queryset.filter(location__icontains=value) if value else queryset

    def filter_custodian(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.replace("\x00", "").strip()
        return queryset.filter(custodian__name__contains=value) if value else queryset

    def filter_unconfirmed(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(class_confirmed=False) if value else queryset
