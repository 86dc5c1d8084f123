"""What every page's shell needs: the menu, the active role, unread messages and the top-bar counts.

The counts (unread messages, the badges apps register, the counts in the menu) are a few scoped
``COUNT(*)`` per page view; they are kept for ``QINJIAN_SHELL_COUNTS_SECONDS`` (30 s) per login
session and role, so that a count someone else changes shows within that time, and dropped after
every write the user makes (``forget_counts``), so that the user's own actions show at once. The key
carries the role's and the assignment's ``updated_at``: a change of role or scope is never served
stale counts.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .badges import Badge, badges_for
from .menu import badge_items, menu_for

log = logging.getLogger(__name__)
DEFAULT_SECONDS = 30


def _seconds() -> int:
    return int(getattr(settings, "QINJIAN_SHELL_COUNTS_SECONDS", DEFAULT_SECONDS))


def _session_key(request: HttpRequest) -> str:
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None) or ""


def counts_key(request: HttpRequest, assignment: Any) -> str:
    """The cache key of the counts of this login session under this role; "" when they are not cached."""
    session_key = _session_key(request)
    if not session_key or _seconds() <= 0:
        return ""
    if assignment is None:
        return f"qinjian:shell:{session_key}:none"
    role = assignment.role
    stamps = (f"{assignment.updated_at.timestamp():.6f}" if assignment.updated_at else "0",
              f"{role.updated_at.timestamp():.6f}" if role.updated_at else "0")
    return f"qinjian:shell:{session_key}:{assignment.pk}:{stamps[0]}:{role.pk}:{stamps[1]}"


def forget_counts(request: HttpRequest) -> None:
    """Drop the cached counts of this login session (every role), e.g. after the user changed something."""
    session_key = _session_key(request)
    if not session_key:
        return
    try:
        cache.delete(f"qinjian:shell:{session_key}:gen")
    except Exception:
        log.warning("shell counts not forgotten", exc_info=True)


def _count_all(request: HttpRequest) -> dict[str, Any]:
    from .models import Notification

    user: Any = request.user
    return {
        "unread": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "badges": [(b.count, b.url, b.label, b.icon) for b in badges_for(request)],
        "menu": {item.url_name: item.badge(user) for item in badge_items(user) if item.badge is not None},
    }


def shell_counts(request: HttpRequest, assignment: Any) -> dict[str, Any]:
    """The counts of the top bar and the menu, from the cache while they are fresh."""
    key = counts_key(request, assignment)
    if not key:
        return _count_all(request)
    try:
        # the generation makes forget_counts one delete for every role of the session
        generation = cache.get_or_set(f"qinjian:shell:{_session_key(request)}:gen", lambda: _new_generation(),
                                      _seconds() * 20)
        full_key = f"{key}:{generation}"
        counts = cache.get(full_key)
    except Exception:
        log.warning("shell counts cache unavailable", exc_info=True)
        return _count_all(request)
    if counts is None:
        counts = _count_all(request)
        try:
            cache.set(full_key, counts, _seconds())
        except Exception:
            log.warning("shell counts not cached", exc_info=True)
    return counts  # type: ignore[no-any-return]


def _new_generation() -> str:
    import uuid

    return uuid.uuid4().hex[:12]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    assignment = user.get_active_assignment()
    counts = shell_counts(request, assignment)
    return {
        "qj_menu": menu_for(request, counts["menu"]),
        "qj_assignment": assignment,
        "qj_assignments": user.active_assignments(),
        "qj_unread_count": counts["unread"],
        "qj_badges": [Badge(count=c, url=u, label=lb, icon=i) for c, u, lb, i in counts["badges"]],
    }
