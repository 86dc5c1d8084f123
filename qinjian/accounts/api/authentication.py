"""API token authentication: ``Authorization: Token <key>``; only a digest of the key is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

from ..models import ApiToken, RoleAssignment, User

PREFIX_LEN = 8


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: User, name: str, assignment: RoleAssignment | None = None) -> tuple[ApiToken, str]:
    from qinjian.core import security_log

    key = "qj_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, assignment=assignment, name=name[:64] or "API",
        prefix=key[:PREFIX_LEN + 3], digest=_digest(key),
        expires_at=timezone.now() + timedelta(days=settings.QINJIAN_SECURITY["API_TOKEN_DAYS"]),
    )
    security_log.record("token_created", user=user, obj=token, name=token.name)
    return token, key


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1", "ignore").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确。")
        token = ApiToken.objects.select_related("user").filter(digest=_digest(header[1])).first()
        if token is None or not token.is_valid or not token.user.is_active or token.user.is_locked:
            raise exceptions.AuthenticationFailed("令牌无效或已过期。")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        from ..middleware import bind_user

        bind_user(token.user, token.assignment_id)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
