"""Filter helpers shared by module filtersets."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms


class ActiveFilter(django_filters.BooleanFilter):
    """启用/停用 as a plain select (全部 / 启用 / 停用)."""

    def __init__(self, *args: Any, yes: str = "启用", no: str = "停用", **kwargs: Any) -> None:
        kwargs.setdefault("label", "状态")
        kwargs.setdefault("widget", forms.Select(choices=[("", "全部"), ("true", yes), ("false", no)]))
        super().__init__(*args, **kwargs)
