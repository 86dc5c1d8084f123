"""A wrong one-time code counts toward the account lockout; resets and disabling revoke API tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from qinjian.accounts.api.authentication import token_create
from qinjian.accounts.models import ApiToken, User
from qinjian.accounts.services import auth, users
from qinjian.testing.factories import make_user

from .conftest import post_login

pytestmark = pytest.mark.django_db


def test_wrong_codes_across_logins_lock_the_account(mini_city):
    admin = make_user("auditadmin", mini_city.center)
    auth.totp_begin_enrollment(user=admin)
    User.objects.filter(pk=admin.pk).update(totp_confirmed_at=admin.date_joined)
    for _ in range(5):
        client = Client()  # a fresh login each time: the pending-login try counter does not help
        post_login(client, admin.username)
        client.post("/accounts/mfa/", {"code": "12345x"})
    admin.refresh_from_db()
    assert admin.is_locked
    with pytest.raises(auth.LoginFailed):
        auth.login_attempt(username=admin.username, password="Qinjian@2026", ip="10.0.0.9")


def test_password_reset_and_disable_revoke_api_tokens(mini_city):
    sysadmin = make_user("sysadmin", mini_city.center)
    officer = make_user("unit_admin", mini_city.edu)
    token, _ = token_create(user=officer, name="脚本")
    users.user_reset_password(by=sysadmin, user=officer)
    token.refresh_from_db()
    assert token.revoked_at is not None
    token2, _ = token_create(user=officer, name="脚本2")
    users.user_disable(by=sysadmin, user=officer)
    assert ApiToken.objects.filter(user=officer, revoked_at__isnull=True).count() == 0
    assert ApiToken.objects.get(pk=token2.pk).revoked_at is not None
