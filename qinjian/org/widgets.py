"""Home-page widgets of the org module (registered on import from org/menu.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from qinjian.core.dashboard import Widget, register

from .selectors import scope_summary


def _summary(request: HttpRequest) -> dict[str, Any]:
    return {"org": scope_summary(request.user)}


register(Widget(key="org_summary", permission="org.view_unit", order=100, render=_summary,
                template="org/widgets/summary.html"))
