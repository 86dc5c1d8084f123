"""Fixtures for the account and security tests: a movable clock, logins, the three administrators."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from qinjian.accounts.models import User
from qinjian.testing.factories import DEFAULT_PASSWORD, make_user


class Clock:
    """Shifts ``django.utils.timezone.now`` (used by lockout, sessions, TOTP and password age)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self._real = timezone.now
        self.offset = datetime.timedelta()
        monkeypatch.setattr(timezone, "now", lambda: self._real() + self.offset)

    def shift(self, **kwargs: Any) -> None:
        self.offset += datetime.timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()  # the per-IP throttle lives in the cache


def post_login(client: Client, username: str, password: str = DEFAULT_PASSWORD, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def totp_now(user: User, steps_ahead: int = 0) -> str:
    user.refresh_from_db()
    at = timezone.now() + datetime.timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(user.totp_secret).at(at)


def login_admin(client: Client, user: User) -> None:
    """A full interactive login with password and TOTP (enrols on first use)."""
    response = post_login(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/accounts/mfa/", response
    client.get("/accounts/mfa/")  # creates the secret when enrolling
    response = client.post("/accounts/mfa/", {"code": totp_now(user)})
    assert response.status_code == 302 and response["Location"] == "/", response


@dataclass
class Admins:
    sys: User
    sec: User
    audit: User


@pytest.fixture
def admins(mini_city: Any) -> Admins:
    return Admins(
        sys=make_user("sysadmin", mini_city.center, username="sysadm", full_name="系统管理员甲"),
        sec=make_user("secadmin", mini_city.center, username="secadm", full_name="安全管理员乙"),
        audit=make_user("auditadmin", mini_city.center, username="auditadm", full_name="审计管理员丙"),
    )


def as_user(client: Client, user: User) -> Client:
    client.force_login(user, backend="qinjian.accounts.backends.RoleBackend")
    return client
