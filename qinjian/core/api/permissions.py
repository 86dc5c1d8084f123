"""Permissions for API views: the request maps to a Django permission on the view's model.

``GET/HEAD/OPTIONS`` → ``view_<model>``, ``POST`` → ``add_``, ``PUT/PATCH`` → ``change_``,
``DELETE`` → ``delete_``; a custom action names its own (``@action(..., permission_action="move")``
→ ``move_<model>``). The data scope is applied separately by the queryset.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from ..scope import permission_name

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def permission_action(request: Any, view: Any) -> str:
    """The permission verb for this request: the view action's own, else the HTTP method's."""
    explicit = getattr(view, "permission_action", None)
    if explicit:
        return str(explicit)
    return METHOD_ACTIONS.get(request.method or "", "view")


class ModelPermission(BasePermission):
    """Authenticated, and holding ``<app>.<action>_<model>`` in the active role."""

    message = "没有权限执行此操作。"

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        method = (request.method or "").lower()
        if method not in view.http_method_names or not hasattr(view, method):
            return True  # no such operation here: DRF answers 405, whatever the role
        model = view.get_model()
        return bool(user.has_perm(permission_name(model, permission_action(request, view))))


class IsAuthenticated(BasePermission):
    message = "未登录或未提供认证信息。"

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)
