"""API token authentication: ``Authorization: Token <key>``; only a digest of the key is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, status

from ..models import ApiToken, RoleAssignment, User

PREFIX_LEN = 8


class PasswordChangeRequired(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "password_change_required"
    default_detail = "须先修改密码：请在网页上登录并修改密码后再使用 API。"


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
        token = ApiToken.objects.select_related("user", "user__unit").filter(digest=_digest(header[1])).first()
        if token is None or not token.is_valid or not token.user.is_active or token.user.is_locked:
            raise exceptions.AuthenticationFailed("令牌无效或已过期。")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        from ..middleware import bind_user

        if token.assignment_id and all(a.pk != token.assignment_id for a in token.user.active_assignments()):
            # The role the token was issued for was revoked or expired: never fall back to another role.
            raise exceptions.AuthenticationFailed("令牌绑定的角色已失效，请重新申请令牌。")
        bind_user(token.user, token.assignment_id)
        from ..services.auth import password_needs_change

        # Same rule as the pages: an expired or reset password must be changed before any use.
        if password_needs_change(token.user):
            raise PasswordChangeRequired()
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "qinjian.accounts.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "令牌认证：先 POST /api/auth/token/ 取得令牌，再在请求头中发送 "
                           "`Authorization: Token <令牌>`。令牌只显示一次，默认 30 天有效。",
        }
