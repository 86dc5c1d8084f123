"""TOTP second factor for the roles that require it (the three administrators)."""

from __future__ import annotations

import pytest
from django.test import Client

from qinjian.accounts.models import User
from qinjian.accounts.services import users
from qinjian.core.models import SecurityEvent
from qinjian.testing.factories import UserFactory, make_user

from .conftest import login_admin, post_login, totp_now

pytestmark = pytest.mark.django_db


def test_first_login_enrols_with_qr_and_secret(client, mini_city):
    admin = make_user("auditadmin", mini_city.center)
    response = post_login(client, admin.username)
    assert response["Location"] == "/accounts/mfa/"
    assert "_auth_user_id" not in client.session  # not logged in before the second factor
    assert client.get("/").status_code == 302
    page = client.get("/accounts/mfa/")
    html = page.content.decode()
    admin.refresh_from_db()
    assert len(admin.totp_secret) == 32 and admin.totp_confirmed_at is None
    assert "绑定动态口令" in html and admin.totp_secret in html and 'src="data:image/svg+xml;base64,' in html
    response = client.post("/accounts/mfa/", {"code": totp_now(admin)})
    assert response.status_code == 302 and response["Location"] == "/"
    admin.refresh_from_db()
    assert admin.totp_confirmed_at is not None
    assert client.get("/").status_code == 200
    types = list(SecurityEvent.objects.filter(username=admin.username).values_list("event_type", flat=True))
    assert "mfa_enrolled" in types and "login" in types


def test_later_logins_verify_without_showing_the_secret(client, clock, mini_city):
    admin = make_user("secadmin", mini_city.center)
    login_admin(client, admin)
    client.post("/accounts/logout/")
    clock.shift(seconds=60)
    post_login(client, admin.username)
    html = client.get("/accounts/mfa/").content.decode()
    admin.refresh_from_db()
    assert "动态口令验证" in html and admin.totp_secret not in html and "data:image" not in html
    assert client.post("/accounts/mfa/", {"code": totp_now(admin)})["Location"] == "/"


def test_wrong_code_is_refused(client, mini_city):
    admin = make_user("sysadmin", mini_city.center)
    post_login(client, admin.username)
    client.get("/accounts/mfa/")
    good = totp_now(admin)
    bad = "000000" if good != "000000" else "111111"
    response = client.post("/accounts/mfa/", {"code": bad})
    assert response.status_code == 200 and "动态口令不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.get(pk=admin.pk).totp_confirmed_at is None
    assert SecurityEvent.objects.filter(event_type="mfa_failed", username=admin.username).count() == 1


def test_a_code_cannot_be_replayed(clock, mini_city):
    admin = make_user("sysadmin", mini_city.center)
    first = Client()
    login_admin(first, admin)
    used = totp_now(admin)  # the code that just logged in
    second = Client()
    post_login(second, admin.username)
    response = second.post("/accounts/mfa/", {"code": used})
    assert response.status_code == 200 and "_auth_user_id" not in second.session
    clock.shift(seconds=30)
    assert second.post("/accounts/mfa/", {"code": totp_now(admin)})["Location"] == "/"


def test_five_wrong_codes_end_the_pending_login(client, mini_city):
    admin = make_user("sysadmin", mini_city.center)
    post_login(client, admin.username)
    client.get("/accounts/mfa/")
    for _ in range(4):
        assert client.post("/accounts/mfa/", {"code": "12345x"}).status_code == 200
    response = client.post("/accounts/mfa/", {"code": "12345x"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    # even the right code no longer helps: the password must be entered again
    assert client.post("/accounts/mfa/", {"code": totp_now(admin)})["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_pending_login_expires(client, clock, mini_city):
    admin = make_user("sysadmin", mini_city.center)
    post_login(client, admin.username)
    client.get("/accounts/mfa/")
    clock.shift(minutes=6)
    assert client.post("/accounts/mfa/", {"code": totp_now(admin)})["Location"] == "/accounts/login/"


def test_business_roles_need_no_second_factor(client, mini_city):
    user = make_user("center_office", mini_city.center)
    assert post_login(client, user.username)["Location"] == "/"


def test_totp_reset_makes_the_next_login_enrol_again(client, clock, mini_city):
    sysadmin = make_user("sysadmin", mini_city.center)
    user = UserFactory(unit=mini_city.edu)
    user.totp_secret = "JBSWY3DPEHPK3PXP"
    user.save()
    users.user_reset_totp(by=sysadmin, user=user)
    user.refresh_from_db()
    assert (user.totp_secret, user.totp_confirmed_at, user.totp_last_step) == ("", None, 0)
    assert SecurityEvent.objects.filter(event_type="user_changed", detail__change="totp_reset").count() == 1
