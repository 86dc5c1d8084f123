"""Permissions come from the user's active role assignment only (no superuser, no per-user grants)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from .models import User


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
        # every request: no joins and no ORDER BY (the user's unit and person load when a page asks for them)
        return next(iter(User.objects.filter(pk=user_id, is_active=True)[:1]), None)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return user_obj.get_all_permissions() if isinstance(user_obj, User) else set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return isinstance(user_obj, User) and user_obj.has_perm(perm)
