"""Counters in the top bar next to the messages bell (e.g. open alerts), registered by platform apps.

An app registers ``callable(request) -> Badge | None`` in its AppConfig.ready(); None hides it (no
permission). Each callable runs on every page: keep it to one cheap, scoped count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Badge:
    count: int
    url: str
    label: str
    icon: str = "bi-exclamation-triangle"


_BADGES: dict[str, tuple[int, Callable[[HttpRequest], Badge | None]]] = {}


def register_badge(key: str, func: Callable[[HttpRequest], Badge | None], order: int = 100) -> None:
    _BADGES[key] = (order, func)


def badges_for(request: HttpRequest) -> list[Badge]:
    out = []
    for _order, func in sorted(_BADGES.values(), key=lambda item: item[0]):
        badge = func(request)
        if badge is not None:
            out.append(badge)
    return out
