"""Permissions come from the user's active role assignment only (no superuser, no per-user grants)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from .models import RoleAssignment, User


class RoleBackend(BaseBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:
        # Interactive logins go through services.auth.login_attempt (lockout, audit); this backend
        # only checks the password for callers such as the test client.
        if not username or password is None:
            return None
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None or not user.is_active or user.is_locked or not user.check_password(password):
            return None
        return user

    def get_user(self, user_id: Any) -> User | None:
        """Every request: the user with the role assignments every page reads, in one query (a user without
        any assignment takes a second one). The user's own unit and person load when a page asks for them."""
        assignments = list(RoleAssignment.objects.filter(user_id=user_id, user__is_active=True)
                           .select_related("user", "role", "unit").order_by())
        if not assignments:
            return next(iter(User.objects.filter(pk=user_id, is_active=True)[:1]), None)
        user = assignments[0].user
        for assignment in assignments:
            assignment.user = user
        user.keep_assignments(assignments)
        return user

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return user_obj.get_all_permissions() if isinstance(user_obj, User) else set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return isinstance(user_obj, User) and user_obj.has_perm(perm)
