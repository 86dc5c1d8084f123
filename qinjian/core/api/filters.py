"""Filter backends with bounded input and Chinese parameter descriptions."""

from __future__ import annotations

import copy
from typing import Any

import django_filters
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.http import QueryDict
from django_filters.filters import QuerySetRequestMixin
from rest_framework import filters

from ..search import is_caseless

MAX_SEARCH_LENGTH = 100
MAX_SEARCH_TERMS = 8


def _verbose(view: Any, path: str) -> str:
    model = view.get_model()
    try:
        for part in path.lstrip("^=@$").split("__"):
            field = model._meta.get_field(part)
            model = getattr(field, "related_model", None) or model
        return str(getattr(field, "verbose_name", path))
    except FieldDoesNotExist:
        return path


class SearchFilter(filters.SearchFilter):
    """``?search=`` over the view's ``search_fields``; long or many-word input is cut, never a slow query."""

    def get_search_terms(self, request: Any) -> list[str]:
        value = request.query_params.get(self.search_param, "")[: MAX_SEARCH_LENGTH * 2].replace("\x00", "")
        terms = filters.search_smart_split(value)
        return [term[:MAX_SEARCH_LENGTH] for term in terms[:MAX_SEARCH_TERMS]]

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        # Terms without letter case (Chinese names, codes of digits) use a plain LIKE: same rows, and
        # PostgreSQL skips an UPPER() per row.
        self._caseless = all(is_caseless(t) for t in self.get_search_terms(request))
        return super().filter_queryset(request, queryset, view)

    def construct_search(self, field_name: str, queryset: Any = None) -> str:
        lookup = super().construct_search(field_name, queryset)
        if getattr(self, "_caseless", False) and lookup.endswith("__icontains"):
            return lookup[: -len("__icontains")] + "__contains"
        return lookup

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        fields = getattr(view, "search_fields", None) or ()
        names = "、".join(dict.fromkeys(_verbose(view, f) for f in fields))
        return [{
            "name": self.search_param, "required": False, "in": "query",
            "description": f"关键词搜索（匹配{names}，多个词以空格分隔，须同时匹配）",
            "schema": {"type": "string"},
        }]


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=name,-code`` over the view's ``ordering_fields``; unknown fields are ignored."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        fields = [f for f in (getattr(view, "ordering_fields", None) or ()) if isinstance(f, str) and f != "__all__"]
        return [{
            "name": self.ordering_param, "required": False, "in": "query",
            "description": f"排序字段，逗号分隔，前加 - 表示倒序。可选：{'、'.join(fields)}",
            "schema": {"type": "string"},
        }]

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        ordering = self.get_ordering(request, queryset, view)
        if ordering:
            # A unique last key keeps pages stable when many rows share the sort value.
            ordering = [*ordering, *(() if {"pk", "-pk", "id", "-id"} & set(ordering) else ("pk",))]
            return queryset.order_by(*ordering)
        return queryset


class LeanFilterSet(django_filters.FilterSet):
    """A query filter set built cheaply per request: django-filter deep-copies every filter with its choices and
    options and builds a new form class on every request; here each filter is copied shallowly and the form class
    is built once. Only for filters that never change themselves per request — a filter taking its queryset from
    the request (a ``ModelChoiceFilter`` with a callable queryset) is refused when the class is defined."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, filter_ in cls.declared_filters.items():  # base_filters are set after this runs
            if isinstance(filter_, QuerySetRequestMixin) and callable(filter_.queryset):
                raise ImproperlyConfigured(f"{cls.__name__}.{name}: a request-dependent filter needs a FilterSet")

    def __init__(self, data: Any = None, queryset: Any = None, *, request: Any = None, prefix: Any = None) -> None:
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method  # a method filter calls through the copy (and so this parent)

    def get_form_class(self) -> Any:
        cls = type(self)
        form_class = cls.__dict__.get("_qj_form_class")
        if form_class is None:  # the fields are deep-copied by every form instance, as Django does
            fields = {name: filter_.field for name, filter_ in cls.base_filters.items()}
            form_class = type(f"{cls.__name__}Form", (self._meta.form,), fields)
            cls._qj_form_class = form_class  # type: ignore[attr-defined]
        return form_class
