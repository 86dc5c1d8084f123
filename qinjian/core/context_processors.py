"""What every page's shell needs: the menu, the active role, unread messages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .badges import badges_for
from .menu import menu_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .models import Notification

    return {
        "qj_menu": menu_for(request),
        "qj_assignment": user.get_active_assignment(),
        "qj_assignments": user.active_assignments(),
        "qj_unread_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "qj_badges": badges_for(request),
    }
