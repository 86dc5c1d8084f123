"""The user's own API tokens (我的 API 令牌). Creation lives with the token authentication."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from qinjian.core import security_log
from qinjian.core.errors import ValidationFailed

from ..api.authentication import token_create
from ..models import ApiToken, User

MAX_ACTIVE_TOKENS = 10

__all__ = ["MAX_ACTIVE_TOKENS", "token_create_for", "token_revoke", "tokens_of"]


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("assignment__role", "assignment__unit")


@transaction.atomic
def token_create_for(*, user: User, name: str, assignment_id: int | None = None) -> tuple[ApiToken, str]:
    """A new token of the user's own, bound to one of their roles; the key is returned once."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写令牌名称", fields={"name": ["请填写令牌名称"]})
    assignment = None
    if assignment_id:
        assignment = next((a for a in user.active_assignments() if a.pk == assignment_id), None)
        if assignment is None:
            raise ValidationFailed("只能选择自己的角色", fields={"assignment": ["只能选择自己的角色"]})
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationFailed(f"有效令牌最多 {MAX_ACTIVE_TOKENS} 个，请先吊销不用的令牌")
    return token_create(user=user, name=name, assignment=assignment)


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise ValidationFailed("只能吊销自己的令牌")
    if token.revoked_at is not None:
        return
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    token.revoked_at = timezone.now()
    security_log.record("token_revoked", user=user, obj=token, name=token.name, prefix=token.prefix)
