"""Extension points of the shared pages, so platform apps (approvals, attachments …) can add a tab
to every detail page without core knowing them.

An app registers a ``DetailTab`` in its AppConfig.ready(); the detail view shows it (before 历史)
for the models it applies to, when the user has its permission. ``render`` returns the tab body
as safe HTML (usually ``render_to_string`` of the app's own template) and must apply the app's
own access rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpRequest


@dataclass(frozen=True)
class DetailTab:
    key: str
    title: str
    order: int
    applies: Callable[[type[models.Model]], bool]
    render: Callable[[HttpRequest, models.Model], str]
    permission: str = ""
    count: Callable[[HttpRequest, models.Model], int | None] | None = None


_TABS: dict[str, DetailTab] = {}


def register_detail_tab(tab: DetailTab) -> None:
    if tab.key in {"info", "history"}:
        raise ValueError(f"reserved tab key: {tab.key}")
    _TABS[tab.key] = tab


def detail_tabs_for(model: type[models.Model], user: Any) -> list[DetailTab]:
    return sorted(
        (t for t in _TABS.values() if t.applies(model) and (not t.permission or user.has_perm(t.permission))),
        key=lambda t: t.order,
    )
