"""Login, lockout, second factor, passwords and sessions — the 等保 level-3 account rules.

The login page and the API token endpoint both go through :func:`login_attempt`, so an attack
through either counts toward the same lockout.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from importlib import import_module
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from qinjian.core import security_log
from qinjian.core.errors import DomainError, ValidationFailed
from qinjian.core.models import Notification

from ..models import PasswordHistory, User, UserSession

log = logging.getLogger(__name__)

GENERIC_LOGIN_ERROR = "账户名或密码错误，或账户暂时不可用。"


class LoginFailed(DomainError):
    code = "login_failed"
    status = 401


def policy(name: str) -> Any:
    return settings.QINJIAN_SECURITY[name]


def _ip_key(ip: str) -> str:
    return f"qj:login-fail-ip:{ip}"


def login_attempt(*, username: str, password: str, ip: str = "") -> User:
    """Check a username and password. Raises LoginFailed with one generic message on any failure."""
    username = (username or "").strip().lower()
    if ip and cache.get(_ip_key(ip), 0) >= policy("IP_LOCKOUT_THRESHOLD"):
        security_log.record("login_failed", success=False, username=username[:150], reason="ip_blocked")
        raise LoginFailed(GENERIC_LOGIN_ERROR)
    user = User.objects.filter(username__iexact=username).first() if username else None
    if user is None:
        User().check_password(password)  # spend the same time as a real check
        _count_ip_failure(ip)
        security_log.record("login_failed", success=False, username=username[:150], reason="unknown_user")
        raise LoginFailed(GENERIC_LOGIN_ERROR)

    reason = ""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        now = timezone.now()
        # The hash is always checked, so a locked or disabled account answers as slowly as any other.
        password_ok = check_password(password, user.password)
        if not user.is_active:
            reason = "disabled"
        elif user.locked_until and user.locked_until > now:
            reason = "locked"
        elif not password_ok:
            reason = "locked_now" if _count_account_failure(user, now) else "bad_password"
        # with a second factor the counter resets only after the code passes
        elif not user.requires_mfa() and (user.failed_login_count or user.locked_until):
            user.failed_login_count = 0
            user.locked_until = None
            user.save(update_fields=["failed_login_count", "locked_until"])
    if reason:
        _count_ip_failure(ip)
        security_log.record("login_failed", success=False, user=user, reason=reason)
        if reason == "locked_now":
            security_log.record("locked", success=True, user=user, minutes=policy("LOCKOUT_MINUTES"))
            _notify_security_admins(user)
        raise LoginFailed(GENERIC_LOGIN_ERROR)
    return user


def _count_account_failure(user: User, now: Any) -> bool:
    """One more failure on a row-locked user; locks the account at the threshold. True if it locked."""
    user.failed_login_count += 1
    fields = ["failed_login_count"]
    locked = user.failed_login_count >= policy("LOCKOUT_THRESHOLD")
    if locked:
        user.locked_until = now + timedelta(minutes=policy("LOCKOUT_MINUTES"))
        user.failed_login_count = 0
        fields.append("locked_until")
    user.save(update_fields=fields)
    return locked


def second_factor_failed(*, user: User) -> bool:
    """A wrong one-time code counts toward the same account lockout as a wrong password (web and API).

    Returns True when this failure locked the account."""
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        locked = _count_account_failure(locked_user, timezone.now())
    if locked:
        security_log.record("locked", success=True, user=user, minutes=policy("LOCKOUT_MINUTES"), reason="mfa")
        _notify_security_admins(user)
    return locked


def _count_ip_failure(ip: str) -> None:
    if not ip:
        return
    key = _ip_key(ip)
    window = policy("LOCKOUT_MINUTES") * 60
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)  # atomic on Redis
    except ValueError:
        cache.set(key, 1, timeout=window)
    # Some backends reset the expiry on incr; keep the window sliding from the latest failure.
    cache.touch(key, window)


def _notify_security_admins(locked: User) -> None:
    admins = User.objects.filter(is_active=True, role_assignments__role__admin_kind="security").distinct()
    Notification.objects.bulk_create(
        Notification(
            recipient=admin,
            level=Notification.Level.WARNING,
            title=f"账户 {locked.username} 因连续登录失败被锁定",
            body=f"锁定 {policy('LOCKOUT_MINUTES')} 分钟，到期自动解锁；如属异常请核查来源 IP。",
            link=reverse("accounts:assignment_list") + f"?user={locked.pk}",
        )
        for admin in admins
    )


def password_needs_change(user: User) -> str:
    """Why the user must change the password now ('' if not)."""
    if user.must_change_password:
        return "first_login"
    max_age = policy("PASSWORD_MAX_AGE_DAYS")
    if max_age and user.password_changed_at and user.password_changed_at < timezone.now() - timedelta(days=max_age):
        return "expired"
    return ""


# --- second factor (TOTP) ---------------------------------------------------------------------

def totp_begin_enrollment(*, user: User) -> str:
    """A new secret for the user to scan; stored unconfirmed until a valid code is entered."""
    if user.totp_confirmed_at:
        raise ValidationFailed("已绑定动态口令，如需更换请联系系统管理员重置。")
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.save(update_fields=["totp_secret"])
    return secret


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=policy("TOTP_ISSUER"))


def totp_verify(*, user: User, code: str, enrolling: bool = False) -> bool:
    code = (code or "").strip().replace(" ", "")
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        security_log.record("mfa_failed", success=False, user=user)
        second_factor_failed(user=user)
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    for offset in (0, -1, 1):
        at = now + timedelta(seconds=30 * offset)
        step = int(at.timestamp()) // 30
        if step <= user.totp_last_step:
            continue  # a code is accepted once only
        if totp.verify(code, for_time=at, valid_window=0):
            with transaction.atomic():
                updated = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(
                    totp_last_step=step, failed_login_count=0,
                    **({"totp_confirmed_at": now} if enrolling else {}),
                )
            if not updated:
                break
            user.totp_last_step = step
            if enrolling:
                user.totp_confirmed_at = now
                security_log.record("mfa_enrolled", user=user)
            return True
    security_log.record("mfa_failed", success=False, user=user)
    second_factor_failed(user=user)
    return False


def totp_reset(*, user: User, by: User) -> None:
    User.objects.filter(pk=user.pk).update(totp_secret="", totp_confirmed_at=None, totp_last_step=0)
    security_log.record("user_changed", user=by, obj=user, change="totp_reset")


# --- sessions ----------------------------------------------------------------------------------

def session_opened(*, user: User, session_key: str, ip: str, user_agent: str) -> None:
    UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "ip": ip, "user_agent": user_agent[:300]}
    )
    security_log.record("login", user=user)


def session_closed(*, user: Any, session_key: str | None, reason: str = "logout") -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()
    if getattr(user, "is_authenticated", False):
        security_log.record("logout" if reason == "logout" else "session_expired", user=user, reason=reason)


def session_rekeyed(*, old_key: str | None, new_key: str | None) -> None:
    """The session key was cycled (password change): keep the UserSession row pointing at it."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def sessions_end_all(*, user: User, keep: str | None = None) -> int:
    """End every session of a user at once (disabled account, password reset), except ``keep``."""
    engine = import_module(settings.SESSION_ENGINE)
    rows = UserSession.objects.filter(user=user)
    if keep:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        engine.SessionStore(session_key=key).delete()
    UserSession.objects.filter(user=user, session_key__in=keys).delete()
    return len(keys)


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every API token of a user (password reset, disabled account)."""
    from ..models import ApiToken

    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        security_log.record("token_revoked", user=user, count=count, reason="credentials_reset")
    return count


# --- passwords ---------------------------------------------------------------------------------

def _validate_new_password(user: User, new_password: str) -> None:
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed("新密码不符合要求", fields={"new_password1": list(exc.messages)}) from exc


def _store_password(user: User, new_password: str, *, must_change: bool) -> None:
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = list(user.password_history.values_list("pk", flat=True)[:10])
        user.password_history.exclude(pk__in=keep).delete()
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])


def password_change(*, user: User, old_password: str, new_password: str, keep_session: str | None = None) -> None:
    """The user changes their own password; every other session of theirs ends."""
    # Not one transaction: the failure event must survive the ValidationFailed that follows it.
    if not check_password(old_password, user.password):
        security_log.record("password_changed", success=False, user=user, reason="wrong_old_password")
        raise ValidationFailed("原密码不正确", fields={"old_password": ["原密码不正确"]})
    if old_password == new_password:
        raise ValidationFailed("新密码不能与原密码相同", fields={"new_password1": ["新密码不能与原密码相同"]})
    _validate_new_password(user, new_password)
    with transaction.atomic():
        _store_password(user, new_password, must_change=False)
        security_log.record("password_changed", user=user)
    sessions_end_all(user=user, keep=keep_session)


@transaction.atomic
def password_reset(*, user: User, new_password: str, by: User) -> None:
    """An administrator sets a temporary password; the user must change it at next login."""
    _validate_new_password(user, new_password)
    _store_password(user, new_password, must_change=True)
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    sessions_end_all(user=user)
    api_tokens_revoke_all(user=user)
    security_log.record("password_reset", user=by, obj=user, target=user.username)
