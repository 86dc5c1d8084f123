"""The sidebar: each app registers its menu groups; the shell shows what the user may open.

What a set of permissions may open is the same on every page: it is worked out once per process and
permission set (the permission checks and a ``reverse`` per item), and only the active item and the
item counts are per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse


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
_MEMO: dict[Any, list[tuple[MenuGroup, list[tuple[MenuItem, str]]]]] = {}
_MEMO_MAX = 256


def register(group: MenuGroup) -> None:
    _REGISTRY[group.key] = group
    _MEMO.clear()


def _allowed(perms: frozenset[str]) -> list[tuple[MenuGroup, list[tuple[MenuItem, str]]]]:
    """The groups and items (with their URLs) that these permissions open, memoised per process."""
    key = (perms, get_script_prefix(), get_urlconf())
    found = _MEMO.get(key)
    if found is not None:
        return found
    out = []
    for group in sorted(_REGISTRY.values(), key=lambda g: g.order):
        items = []
        for item in group.items:
            if item.permission and item.permission not in perms:
                continue
            try:
                items.append((item, reverse(item.url_name)))
            except NoReverseMatch:  # the page is not built: not shown
                continue
        if items:
            out.append((group, items))
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[key] = out
    return out


def badge_items(user: Any) -> list[MenuItem]:
    """The items of the user's menu that show a count."""
    return [item for _group, items in _allowed(frozenset(user.get_all_permissions())) for item, _url in items
            if item.badge is not None]


def menu_for(request: HttpRequest, counts: dict[str, int | None] | None = None) -> list[dict]:
    """The sidebar of this request; ``counts`` are the item counts by url name (computed when not given)."""
    user = request.user
    current = request.path
    groups = []
    for group, allowed in _allowed(frozenset(user.get_all_permissions())):
        items = []
        for item, url in allowed:
            if item.badge is None:
                badge = None
            elif counts is not None:
                badge = counts.get(item.url_name)
            else:
                badge = item.badge(user)
            items.append({"label": item.label, "url": url, "icon": item.icon, "active": current.startswith(url),
                          "badge": badge})
        groups.append({"key": group.key, "label": group.label, "icon": group.icon, "items": items,
                       "active": any(i["active"] for i in items)})
    return groups
