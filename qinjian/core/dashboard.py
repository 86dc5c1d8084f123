"""The home page (工作台): each app registers widgets; a widget shows only with its permission."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Widget:
    key: str
    permission: str
    order: int
    render: Callable[[HttpRequest], dict[str, Any]]
    template: str


_WIDGETS: list[Widget] = []


def register(widget: Widget) -> None:
    if all(w.key != widget.key for w in _WIDGETS):
        _WIDGETS.append(widget)


def widgets_for(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for widget in sorted(_WIDGETS, key=lambda w: w.order):
        if widget.permission and not request.user.has_perm(widget.permission):
            continue
        out.append({"template": widget.template, **widget.render(request)})
    return out
