"""List pages read straight from database rows, for endpoints that reach city scale.

A page of 50 asset cards through DRF builds 250 model instances (the card and four joined rows, each
with every column set as an attribute) and then reads them back field by field; that is most of the
request. ``RowReader`` compiles a ``ModelSerializer`` once into the columns to fetch with
``values_list`` and a converter per field, and builds the same representation from the row tuples:

- a model field, or a path through forward relations (``source="asset_class.name"``) → its column;
- ``get_<field>_display`` → the field's choice labels;
- a primary-key related field → the foreign key column;
- a nested ``ModelSerializer`` (one level) → its columns through the relation, ``None`` when unset;
- a ``SerializerMethodField`` → ``row_<name>(*values)`` on the serializer, with the columns it
  names in ``row_sources``.

Anything else (a hyperlink, a many-relation, a method without a row version) is refused when the
reader is built, so an endpoint opts in only with a serializer the reader represents exactly; the
tests compare both paths row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework import fields as drf_fields
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

_TEXT = ("CharField", "TextField", "SlugField", "EmailField", "URLField")  # model fields the driver gives as str
_INTEGER = ("IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
            "PositiveBigIntegerField", "AutoField", "BigAutoField")  # ... and as int
_BIG_INTEGER: Any = drf_fields.BigIntegerField  # type: ignore[attr-defined]  # (not in the type stubs yet)
# DRF fields that give a value of these model fields back unchanged (the database driver's own types)
_SAME: tuple[tuple[type, tuple[str, ...]], ...] = (
    (drf_fields.CharField, _TEXT),
    (drf_fields.IntegerField, _INTEGER),
    (drf_fields.BooleanField, ("BooleanField",)),
)


def _converter(field: drf_fields.Field, model_field: Any) -> Callable[[Any], Any] | None:
    """How a non-null column value becomes the field's representation; None: it is already."""
    internal = model_field.get_internal_type() if model_field is not None else ""
    for drf_type, internal_types in _SAME:
        if type(field) is drf_type and internal in internal_types:
            return None
    if type(field) is _BIG_INTEGER and internal in _INTEGER \
            and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING):
        return None  # a big integer (keys of BigAutoField) given as a number, as it came
    if type(field) is drf_fields.DecimalField and internal == "DecimalField" and field.decimal_places is not None \
            and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING) \
            and not field.localize and not field.normalize_output:
        spec = f".{field.decimal_places}f"  # DRF: "{:f}" of the value quantized to decimal_places
        return lambda value: format(value, spec)
    if type(field) is drf_fields.DateField and internal == "DateField" \
            and getattr(field, "format", api_settings.DATE_FORMAT) == ISO_8601:
        return lambda value: value.isoformat()
    if type(field) is drf_fields.DateTimeField and internal == "DateTimeField" and settings.USE_TZ \
            and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601 and not hasattr(field, "timezone"):
        return _aware_iso(field.to_representation)
    if type(field) is drf_fields.ChoiceField and internal in _TEXT:
        strings, to_repr = field.choice_strings_to_values, field.to_representation
        return lambda value: strings.get(value, value) if type(value) is str else to_repr(value)
    return field.to_representation


def _aware_iso(to_repr: Callable[[Any], Any]) -> Callable[..., Any]:
    """DRF's ISO 8601 for an aware datetime in the current time zone ("Z" for UTC); anything else DRF's way.
    The zone is looked up once per page, not per value (``needs_zone``)."""
    def convert(value: Any, zone: Any) -> Any:
        if getattr(value, "tzinfo", None) is None:
            return to_repr(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    convert.needs_zone = True  # type: ignore[attr-defined]
    return convert


class RowReader:
    """The representation of ``serializer_class`` built from ``values_list`` rows (see the module)."""

    def __init__(self, serializer_class: type[serializers.ModelSerializer]) -> None:
        self.serializer_class = serializer_class
        self.serializer = serializer_class()
        self.model: type[models.Model] = serializer_class.Meta.model
        self.columns: list[str] = []
        self.names: dict[str, Any] = {}  # what the compiled function refers to
        items = [f"{field.field_name!r}: {self._expression(field, self.model, '')}"
                 for field in self.serializer._readable_fields]
        source = "def represent(row, zone):\n    return {" + ", ".join(items) + "}\n"
        exec(compile(source, f"<row reader {serializer_class.__name__}>", "exec"), self.names)  # noqa: S102
        self.represent_row: Callable[[Sequence[Any], Any], dict[str, Any]] = self.names["represent"]

    # --- compiling ------------------------------------------------------------------------------
    def _column(self, name: str) -> str:
        if name not in self.columns:
            self.columns.append(name)
        return f"row[{self.columns.index(name)}]"

    def _name(self, value: Any) -> str:
        name = f"_v{len(self.names)}"
        self.names[name] = value
        return name

    def _refuse(self, field: drf_fields.Field, why: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{self.serializer_class.__name__}.{field.field_name}: {why}")

    def _expression(self, field: drf_fields.Field, model: type[models.Model], prefix: str) -> str:
        """Python source for the field's representation, reading the row tuple ``row``."""
        if isinstance(field, serializers.ListSerializer | serializers.ManyRelatedField):
            raise self._refuse(field, "many-valued fields are not read from rows")
        if isinstance(field, serializers.SerializerMethodField):
            return self._method(field, prefix)
        if isinstance(field, serializers.ModelSerializer):
            return self._nested(field, model, prefix)
        if isinstance(field, serializers.RelatedField) and not isinstance(field, serializers.PrimaryKeyRelatedField):
            raise self._refuse(field, "only primary-key relations are read from rows")
        attrs = field.source_attrs
        if not attrs or field.source == "*":
            raise self._refuse(field, "needs the whole object")
        path, nullable, model_field = self._path(field, model, attrs)
        if nullable and field.default is drf_fields.empty and not field.allow_null:
            raise self._refuse(field, "a path through a nullable relation needs allow_null or a default")
        if path.endswith("__display"):  # get_X_display: labels of X's choices, the raw value otherwise
            value = self._column(prefix + path.removesuffix("__display"))
            labels = self._name({key: str(label) for key, label in model_field.flatchoices})
            shown = f"{labels}.get({value}, {value})"
            if type(field) is drf_fields.CharField and model_field.get_internal_type() in _TEXT:
                return f"(None if {value} is None else {shown})"  # str labels, or the str value itself
            return f"(None if {value} is None else {self._name(_converter(field, None))}({shown}))"
        value = self._column(prefix + path)
        if isinstance(field, serializers.PrimaryKeyRelatedField):
            return value
        convert = _converter(field, model_field)
        if convert is None:
            return value
        zone = ", zone" if getattr(convert, "needs_zone", False) else ""
        return f"(None if {value} is None else {self._name(convert)}({value}{zone}))"

    def _path(self, field: drf_fields.Field, model: type[models.Model],
              attrs: list[str]) -> tuple[str, bool, Any]:
        """The column path of ``attrs``, whether it passes a nullable relation, and the model field it ends at
        (for ``get_X_display``, the field X)."""
        parts: list[str] = []
        nullable = False
        current = model
        for position, attr in enumerate(attrs):
            last = position == len(attrs) - 1
            display = last and attr.startswith("get_") and attr.endswith("_display")
            name = attr[4:-8] if display else attr
            try:
                model_field: Any = current._meta.get_field(name)
            except FieldDoesNotExist:
                raise self._refuse(field, f"{attr} is not a column") from None
            if display:
                if not model_field.choices:
                    raise self._refuse(field, f"{name} has no choices")
                return "__".join([*parts, name + "__display"]), nullable, model_field
            if model_field.is_relation:
                if model_field.many_to_many or model_field.one_to_many or not model_field.concrete:
                    raise self._refuse(field, f"{attr} is not a forward relation")
                if last:
                    return "__".join([*parts, model_field.attname]), nullable, model_field  # the key itself
                nullable = nullable or model_field.null
                current = model_field.related_model  # type: ignore[assignment]
            elif not last:
                raise self._refuse(field, f"{attr} is not a relation")
            parts.append(attr)
        return "__".join(parts), nullable, model_field

    def _method(self, field: serializers.SerializerMethodField, prefix: str) -> str:
        parent = field.parent
        method = getattr(parent, f"row_{field.field_name}", None)
        sources = getattr(parent, "row_sources", {}).get(field.field_name)
        if method is None or sources is None:
            raise self._refuse(field, f"needs row_{field.field_name}() and row_sources")
        return f"{self._name(method)}({', '.join(self._column(prefix + name) for name in sources)})"

    def _nested(self, field: serializers.ModelSerializer, model: type[models.Model], prefix: str) -> str:
        if prefix:
            raise self._refuse(field, "nested only one level deep")
        attrs = field.source_attrs
        relation: Any
        try:
            relation = model._meta.get_field(attrs[0]) if len(attrs) == 1 else None
        except FieldDoesNotExist:
            relation = None
        if relation is None or not relation.many_to_one:
            raise self._refuse(field, "a nested serializer must follow one foreign key")
        if relation.null and not field.allow_null:
            raise self._refuse(field, "a nullable relation needs allow_null")
        key = self._column(relation.attname)
        target = relation.related_model
        pk_field = target._meta.pk

        def child_expression(child: drf_fields.Field) -> str:
            if child.source_attrs in ([pk_field.name], ["pk"]) and _converter(child, pk_field) is None:
                return key  # the related row's key is the foreign key itself: not fetched twice
            return self._expression(child, target, relation.name + "__")

        inner = ", ".join(f"{child.field_name!r}: {child_expression(child)}" for child in field._readable_fields)
        return f"(None if {key} is None else {{{inner}}})"

    # --- reading --------------------------------------------------------------------------------
    def rows(self, queryset: models.QuerySet) -> models.QuerySet:
        """The queryset's rows as the tuples the compiled function reads (filters, order and slicing keep working)."""
        return queryset.values_list(*self.columns)

    def represent(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        represent, zone = self.represent_row, timezone.get_current_timezone()
        return [represent(row, zone) for row in rows]


_READERS: dict[type, RowReader] = {}


def reader_for(serializer_class: type[serializers.ModelSerializer]) -> RowReader:
    reader = _READERS.get(serializer_class)
    if reader is None:
        reader = _READERS[serializer_class] = RowReader(serializer_class)
    return reader


class RowListMixin:
    """GET list through a ``RowReader`` of the view's serializer: same filters, order, pages and output."""

    def list(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        reader = reader_for(self.get_serializer_class())
        queryset = self.filter_queryset(self.get_queryset())
        if self.paginator is None:
            return Response(reader.represent(reader.rows(queryset)))
        self.paginator.read_rows = reader.rows  # the count stays on the model's rows, without the joins
        return self.get_paginated_response(reader.represent(self.paginate_queryset(queryset)))
