"""Account administration by the system administrator (系统管理员).

Every function re-checks the actor's permission (the views check it too) and writes a security
event. Temporary passwords are returned to the caller once and never stored in clear.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from qinjian.core import security_log
from qinjian.core.errors import NotAllowed, ValidationFailed

from ..models import User
from . import auth

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
TEMP_PASSWORD_LENGTH = 12
# No look-alike characters: the temporary password is read off a screen and typed by someone else.
_ALPHABETS = ["abcdefghjkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "@#%+=!?"]
ADMIN_CREDENTIALS_MESSAGE = (
    "三员账户的密码和动态口令不能在页面上重置，请由运维人员使用命令 qinjian reset_admin_credentials 办理（操作会被审计）。"
)


def _require(by: User, perm: str) -> None:
    if not by.has_perm(perm):
        raise NotAllowed("没有权限执行此操作。")


def generate_temporary_password() -> str:
    """A random password that always satisfies the policy (all four character classes)."""
    chars = [secrets.choice(alphabet) for alphabet in _ALPHABETS]
    everything = "".join(_ALPHABETS)
    chars += [secrets.choice(everything) for _ in range(TEMP_PASSWORD_LENGTH - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _holds_admin_role(user: User) -> bool:
    return user.role_assignments.exclude(role__admin_kind="").exists()


def _clean_person(unit: Any, person: Any, user: User | None = None) -> None:
    if person is None:
        return
    if person.unit_id != unit.pk:
        raise ValidationFailed("对应人员必须属于所选单位", fields={"person": ["对应人员必须属于所选单位"]})
    taken = User.objects.filter(person=person)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise ValidationFailed("该人员已关联其他账户", fields={"person": ["该人员已关联其他账户"]})


@transaction.atomic
def user_create(*, by: User, username: str, full_name: str, unit: Any, person: Any = None) -> tuple[User, str]:
    """Create an account with a temporary password (returned once); it must be changed at first login."""
    _require(by, "accounts.add_user")
    username = (username or "").strip().lower()
    full_name = (full_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = ["账户名为 3–64 位小写字母、数字或 . _ -，以字母或数字开头"]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["账户名已存在（不区分大小写）"]
    if not full_name:
        errors["full_name"] = ["请填写姓名"]
    if unit is None:
        errors["unit"] = ["请选择所属单位"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    _clean_person(unit, person)
    temporary = generate_temporary_password()
    user = User(username=username, full_name=full_name[:50], unit=unit, person=person, created_by=by,
                must_change_password=True, password_changed_at=timezone.now())
    user.set_password(temporary)
    user.save()
    security_log.record("user_created", user=by, obj=user, target=user.username, unit=unit.pk)
    return user, temporary


@transaction.atomic
def user_update(*, by: User, user: User, full_name: str, unit: Any, person: Any = None) -> User:
    _require(by, "accounts.change_user")
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationFailed("请填写姓名", fields={"full_name": ["请填写姓名"]})
    if unit is None:
        raise ValidationFailed("请选择所属单位", fields={"unit": ["请选择所属单位"]})
    _clean_person(unit, person, user)
    before = {"full_name": user.full_name, "unit": user.unit_id, "person": user.person_id}
    user.full_name, user.unit, user.person = full_name[:50], unit, person
    user.save(update_fields=["full_name", "unit", "person"])
    after = {"full_name": user.full_name, "unit": user.unit_id, "person": user.person_id}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        security_log.record("user_changed", user=by, obj=user, target=user.username, changes=changed)
    return user


def _not_self(by: User, user: User, message: str) -> None:
    if by.pk == user.pk:
        raise ValidationFailed(message)


@transaction.atomic
def user_disable(*, by: User, user: User) -> int:
    """Disable the account and end all of its sessions at once; returns how many sessions ended."""
    _require(by, "accounts.change_user")
    _not_self(by, user, "不能停用自己的账户")
    if not user.is_active:
        return 0
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    ended = auth.sessions_end_all(user=user)
    auth.api_tokens_revoke_all(user=user)
    security_log.record("user_disabled", user=by, obj=user, target=user.username, sessions_ended=ended)
    return ended


@transaction.atomic
def user_enable(*, by: User, user: User) -> None:
    _require(by, "accounts.change_user")
    if user.is_active:
        return
    User.objects.filter(pk=user.pk).update(is_active=True, failed_login_count=0, locked_until=None)
    user.is_active = True
    security_log.record("user_enabled", user=by, obj=user, target=user.username)


def user_reset_password(*, by: User, user: User, allow_admin_accounts: bool = False) -> str:
    """A new temporary password (returned once); ends the user's sessions; must be changed at next login."""
    _require(by, "accounts.reset_password_user")
    _not_self(by, user, "不能在此重置自己的密码，请使用“修改密码”")
    if _holds_admin_role(user) and not allow_admin_accounts:
        raise ValidationFailed(ADMIN_CREDENTIALS_MESSAGE)
    temporary = generate_temporary_password()
    auth.password_reset(user=user, new_password=temporary, by=by)
    return temporary


@transaction.atomic
def user_unlock(*, by: User, user: User) -> None:
    _require(by, "accounts.unlock_user")
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    was_locked = user.is_locked
    user.failed_login_count, user.locked_until = 0, None
    security_log.record("unlocked", user=by, obj=user, target=user.username, was_locked=was_locked)


@transaction.atomic
def user_reset_totp(*, by: User, user: User, allow_admin_accounts: bool = False) -> None:
    """Forget the user's authenticator; the next login enrols a new one."""
    _require(by, "accounts.change_user")
    _not_self(by, user, "不能重置自己的动态口令")
    if _holds_admin_role(user) and not allow_admin_accounts:
        raise ValidationFailed(ADMIN_CREDENTIALS_MESSAGE)
    auth.totp_reset(user=user, by=by)
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = "", None, 0


# --- selectors ---------------------------------------------------------------------------------

def users_for(by: User, *, q: str = "", unit: Any = None, active: str = "", locked: str = "",
              stale: bool = False) -> QuerySet[User]:
    """The user list of the account administrator, with its filters."""
    qs = User.objects.scoped(by, "view").select_related("unit", "person")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    if unit is not None:
        qs = qs.filter(unit__tree_path__startswith=unit.tree_path)
    if active in {"1", "0"}:
        qs = qs.filter(is_active=active == "1")
    now = timezone.now()
    if locked == "1":
        qs = qs.filter(locked_until__gt=now)
    elif locked == "0":
        qs = qs.filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
    if stale:
        qs = qs.filter(is_active=True).filter(Q(last_login__lt=now - timedelta(days=auth.policy("STALE_ACCOUNT_DAYS")))
                                              | Q(last_login__isnull=True,
                                                  date_joined__lt=now - timedelta(days=auth.policy("STALE_ACCOUNT_DAYS"))))
    return qs
