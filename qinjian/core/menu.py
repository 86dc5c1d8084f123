"""The sidebar: each app registers its menu groups; the shell shows what the user may open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    permission: str
    icon: str = "bi-circle"
    badge: Callable[[Any], int | None] | None = None  # a count shown next to the item (given the user)


@dataclass
class MenuGroup:
    key: str
    label: str
    icon: str
    order: int
    items: list[MenuItem] = field(default_factory=list)


_REGISTRY: dict[str, MenuGroup] = {}


def register(group: MenuGroup) -> None:
    _REGISTRY[group.key] = group


def menu_for(request: HttpRequest) -> list[dict]:
    user = request.user
    current = request.path
    groups = []
    for group in sorted(_REGISTRY.values(), key=lambda g: g.order):
        items = []
        for item in group.items:
            if item.permission and not user.has_perm(item.permission):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:  # the page is not built: not shown
                continue
            items.append({"label": item.label, "url": url, "icon": item.icon, "active": current.startswith(url),
                          "badge": item.badge(user) if item.badge else None})
        if items:
            groups.append({"key": group.key, "label": group.label, "icon": group.icon, "items": items,
                           "active": any(i["active"] for i in items)})
    return groups
