"""Serializer fields shared by every app's API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from ..scope import scope_q


class InScopeRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of a related row inside the acting user's data scope (the unit of a new record, ...).

    Rows outside the scope are answered exactly like rows that do not exist.
    """

    default_error_messages = {
        "required": "请填写该字段。",
        "null": "该字段不能为空。",
        "does_not_exist": "编号为 {pk_value} 的对象不存在或不在您的数据范围内。",
        "incorrect_type": "应为对象编号（整数），收到的是 {data_type}。",
    }

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        assert queryset is not None
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        q = scope_q(queryset.model, user)
        return queryset.none() if q is None else queryset.filter(q)


class RelatedIdField(serializers.PrimaryKeyRelatedField):
    """The id of a row of shared reference data (ranks, regions): no data scope applies."""

    default_error_messages = {
        "required": "请填写该字段。",
        "null": "该字段不能为空。",
        "does_not_exist": "编号为 {pk_value} 的对象不存在。",
        "incorrect_type": "应为对象编号（整数），收到的是 {data_type}。",
    }


@extend_schema_field(OpenApiTypes.INT)
class UnchangeableField(serializers.Field):
    """A relation that cannot change through this endpoint (a unit's parent: use move).

    Sending back the current value (as an id or as the ``{"id": ...}`` object read from GET) is
    accepted and ignored; a different value is refused with ``message``.
    """

    def __init__(self, *, message: str, attname: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        self.message = message
        self.attname = attname
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None:
            self._check(None)
        return super().validate_empty_values(data)

    def _check(self, value: Any) -> None:
        instance = getattr(self.parent, "instance", None)
        current = getattr(instance, self.attname, None) if instance is not None else None
        if value != current:
            raise serializers.ValidationError(self.message)
        raise SkipField()

    def to_internal_value(self, data: Any) -> Any:
        value = data.get("id") if isinstance(data, dict) else data
        if isinstance(value, bool) or not isinstance(value, int | str | None):
            raise serializers.ValidationError(self.message)
        try:
            value = int(value) if value is not None else None
        except ValueError:
            raise serializers.ValidationError(self.message) from None
        self._check(value)

    def to_representation(self, value: Any) -> Any:  # pragma: no cover - input only
        return value
