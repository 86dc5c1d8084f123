"""Base serializers: request bodies are validated here and handed to a service; nothing is saved here."""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

UNKNOWN_FIELD = "未知字段，请对照接口文档检查字段名。"
NUL_CHARACTER = "不能包含空字符（\\0）。"


class InputSerializer(serializers.Serializer):
    """The body of a write request.

    Fields the serializer does not declare are refused with a message per field, so a typo never
    passes silently; the read-only fields of the object's representation (``id``, names of related
    objects, ...) are ignored so that a client may send back what it read.
    """

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        nul: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            ignored = set(self.context.get("ignored_fields", ()))
            unknown = {str(k): [UNKNOWN_FIELD] for k in data if k not in self.fields and k not in ignored}
            # Django's own message for this is mistranslated ("不允许是用空字符串"); say what is wrong.
            nul = {str(k): [NUL_CHARACTER] for k, v in data.items() if isinstance(v, str) and "\x00" in v}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail, **nul}) from exc
            raise
        if unknown or nul:
            raise serializers.ValidationError({**unknown, **nul})
        return value

    def create(self, validated_data: Any) -> Any:  # pragma: no cover - services write, never serializers
        raise NotImplementedError("API writes go through a service")

    def update(self, instance: Any, validated_data: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("API writes go through a service")


class ErrorSerializer(serializers.Serializer):
    """The one error shape (documented in the schema for every 4xx answer)."""

    code = serializers.CharField(help_text="错误代码（英文），如 validation_error、not_found、permission_denied")
    message = serializers.CharField(help_text="给用户看的中文说明")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="按字段列出的中文错误说明；与字段无关的错误在 non_field_errors 下",
    )


_PLAIN = object()


class FastReadMixin:
    """``to_representation`` for list pages of many rows: the same output as DRF's, without its per-field
    ``get_attribute`` (which inspects the signature of every value it meets, 2,000+ times for a page of 50
    cards). Attributes are read with ``getattr``; methods (``get_status_display``) are called; anything
    unusual — a method field, ``source="*"``, a related-field optimisation, a missing or failing
    attribute — takes DRF's own path for that field."""

    def _fast_plan(self) -> list[tuple[str, Any, Any]]:
        plan = self.__dict__.get("_qj_fast_plan")
        if plan is None:
            plan = []
            for field in self._readable_fields:  # type: ignore[attr-defined]
                simple = (bool(field.source_attrs) and not isinstance(field, serializers.SerializerMethodField
                                                                          | serializers.RelatedField))
                plan.append((field.field_name, field.source_attrs if simple else None, field))
            self.__dict__["_qj_fast_plan"] = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        ret: dict[str, Any] = {}
        for name, attrs, field in self._fast_plan():
            value: Any = _PLAIN
            if attrs is not None:
                value = instance
                try:
                    for attr in attrs:
                        if value is None:
                            value = _PLAIN  # a null link on the way: DRF decides (null, default or skip)
                            break
                        value = getattr(value, attr)
                        if isinstance(value, functools.partial | types.MethodType | types.FunctionType):
                            value = value()  # one needing arguments fails before it runs: DRF's path decides
                except Exception:
                    value = _PLAIN
            if value is _PLAIN:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject):
                    ret[name] = None if value.pk is None else field.to_representation(value)
                    continue
            ret[name] = None if value is None else field.to_representation(value)
        return ret
