"""The token endpoint, token authentication and /api/auth/me/."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from qinjian.accounts.api.authentication import token_create
from qinjian.accounts.models import ApiToken, RoleAssignment, User
from qinjian.accounts.services import auth
from qinjian.core.models import SecurityEvent
from qinjian.testing.factories import DEFAULT_PASSWORD, make_user

from .conftest import post_login

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
ME = "/api/auth/me/"
GENERIC = {"code": "login_failed", "message": "账户名或密码错误，或账户暂时不可用。", "fields": {}}


def obtain(username: str, password: str = DEFAULT_PASSWORD, **extra: str):
    return APIClient().post(TOKEN, {"username": username, "password": password, **extra}, format="json")


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def officer(mini_city) -> User:
    return make_user("unit_admin", mini_city.edu, scope="unit_tree", username="jyj-admin", full_name="赵六")


def test_token_login_and_me(mini_city, officer):
    response = obtain("JYJ-Admin", name="资产对账脚本")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["token"].startswith("qj_") and data["token_type"] == "Token"
    assert data["name"] == "资产对账脚本" and data["user"]["username"] == "jyj-admin"
    assert data["expires_at"].endswith("+08:00")
    token = ApiToken.objects.get(user=officer)
    assert token.digest != data["token"] and data["token"] not in str(ApiToken.objects.values_list())
    me = with_key(data["token"]).get(ME)
    assert me.status_code == 200
    body = me.json()
    assert body["user"] == {"id": officer.pk, "username": "jyj-admin", "full_name": "赵六"}
    assert body["unit"] == {"id": mini_city.edu.pk, "code": "SFS-JYJ", "name": "示范市教育局"}
    assert body["role"]["code"] == "unit_admin"
    assert body["role"]["scope"] == {"code": "unit_tree", "name": "本单位及下级单位",
                                     "unit": {"id": mini_city.edu.pk, "code": "SFS-JYJ", "name": "示范市教育局"}}
    assert "org.change_person" in body["permissions"] and "org.add_unit" not in body["permissions"]
    assert body["token"]["name"] == "资产对账脚本" and body["password_change_required"] is False
    events = list(SecurityEvent.objects.filter(username="jyj-admin").values_list("event_type", flat=True))
    assert "token_created" in events and "login" in events


def test_wrong_password_is_generic(officer):
    for username, password in (("jyj-admin", "Wrong#pass1"), ("nobody", DEFAULT_PASSWORD)):
        response = obtain(username, password)
        assert response.status_code == 401
        assert response.json() == GENERIC
    assert ApiToken.objects.count() == 0


def test_five_api_failures_lock_api_and_web(officer):
    for _ in range(5):
        assert obtain("jyj-admin", "Wrong#pass1").json() == GENERIC
    officer.refresh_from_db()
    assert officer.is_locked
    assert obtain("jyj-admin").json() == GENERIC  # the right password is refused too
    web = post_login(Client(), "jyj-admin")
    assert web.status_code == 200 and GENERIC["message"] in web.content.decode()
    assert ApiToken.objects.count() == 0


def test_web_lockout_blocks_the_api(officer):
    client = Client()
    for _ in range(5):
        post_login(client, "jyj-admin", "Wrong#pass1")
    assert obtain("jyj-admin").json() == GENERIC


def test_password_change_required(officer):
    User.objects.filter(pk=officer.pk).update(must_change_password=True)
    response = obtain("jyj-admin")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    assert ApiToken.objects.count() == 0


def test_token_of_a_user_who_must_change_password_is_refused(officer):
    _, key = token_create(user=officer, name="t")
    User.objects.filter(pk=officer.pk).update(must_change_password=True)
    response = with_key(key).get("/api/org/units/")
    assert response.status_code == 403
    assert response.json() == {"code": "password_change_required",
                               "message": "须先修改密码：请在网页上登录并修改密码后再使用 API。", "fields": {}}


def test_administrators_need_the_second_factor(mini_city):
    admin = make_user("sysadmin", mini_city.center, username="sysadm")
    response = obtain("sysadm")
    assert response.status_code == 403 and response.json()["code"] == "mfa_enrollment_required"
    secret = pyotp.random_base32()
    User.objects.filter(pk=admin.pk).update(totp_secret=secret, totp_confirmed_at=timezone.now())
    response = obtain("sysadm")
    assert response.status_code == 401
    assert response.json()["code"] == "otp_required" and response.json()["fields"] == {"otp": ["请填写动态口令。"]}
    assert obtain("sysadm", otp="000000" if pyotp.TOTP(secret).now() != "000000" else "111111").json()["code"] == \
        "otp_invalid"
    response = obtain("sysadm", otp=pyotp.TOTP(secret).now())
    assert response.status_code == 201, response.json()
    # a code is accepted once only
    assert obtain("sysadm", otp=pyotp.TOTP(secret).now()).json()["code"] == "otp_invalid"
    assert ApiToken.objects.filter(user=admin).count() == 1


def test_too_many_wrong_codes_close_the_api(mini_city):
    admin = make_user("secadmin", mini_city.center, username="secadm")
    secret = pyotp.random_base32()
    User.objects.filter(pk=admin.pk).update(totp_secret=secret, totp_confirmed_at=timezone.now())
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    for _ in range(5):
        assert obtain("secadm", otp=wrong).json()["code"] == "otp_invalid"
    assert obtain("secadm", otp=pyotp.TOTP(secret).now()).json() == GENERIC
    assert ApiToken.objects.count() == 0


def test_expired_revoked_and_malformed_tokens(officer):
    token, key = token_create(user=officer, name="t")
    client = with_key(key)
    assert client.get(ME).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "message": "令牌无效或已过期。", "fields": {}}
    assert response["WWW-Authenticate"] == "Token"

    token, key = token_create(user=officer, name="t2")
    client = with_key(key)
    assert client.delete(TOKEN).status_code == 204
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert client.get(ME).status_code == 401
    assert SecurityEvent.objects.filter(event_type="token_revoked", username="jyj-admin").count() == 1

    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token a b")
    assert bad.get(ME).json()["message"] == "令牌格式不正确。"
    bad.credentials(HTTP_AUTHORIZATION="Token qj_guess")
    assert bad.get(ME).status_code == 401
    response = APIClient().get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_token_of_a_revoked_role_does_not_fall_back(mini_city, officer):
    second = RoleAssignment.objects.create(user=officer, role=officer.role_assignments.get().role,
                                           unit=mini_city.health, scope="unit")
    _, key = token_create(user=officer, name="t", assignment=second)
    assert with_key(key).get(ME).json()["role"]["scope"]["unit"]["id"] == mini_city.health.pk
    RoleAssignment.objects.filter(pk=second.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    response = with_key(key).get(ME)
    assert response.status_code == 401
    assert response.json()["message"] == "令牌绑定的角色已失效，请重新申请令牌。"


def test_token_bound_to_a_chosen_role(mini_city, officer):
    second = RoleAssignment.objects.create(user=officer, role=officer.role_assignments.get().role,
                                           unit=mini_city.health, scope="unit")
    key = obtain("jyj-admin", assignment=str(second.pk)).json()["token"]
    rows = with_key(key).get("/api/org/units/").json()["results"]
    assert [r["id"] for r in rows] == [mini_city.health.pk]
    response = obtain("jyj-admin", assignment="999999")
    assert response.status_code == 400 and response.json()["fields"] == {"assignment": ["只能选择自己的角色"]}


def test_bad_token_requests(officer):
    client = APIClient()
    response = client.post(TOKEN, "{bad json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    response = client.post(TOKEN, {}, format="json")
    assert response.json()["fields"] == {"username": ["该字段是必填项。"], "password": ["该字段是必填项。"]}
    response = client.post(TOKEN, {"username": ["a"], "password": 5, "otp": None}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "otp"}
    assert client.get(TOKEN).status_code == 405
    session = Client()
    session.force_login(officer, backend="qinjian.accounts.backends.RoleBackend")
    response = session.delete(TOKEN)
    assert response.status_code == 401  # session cookies are not accepted here
    assert GENERIC["message"] == auth.GENERIC_LOGIN_ERROR


def test_session_auth_with_csrf(mini_city, officer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer, backend="qinjian.accounts.backends.RoleBackend")
    me = browser.get(ME)
    assert me.status_code == 200 and me.json()["token"] is None
    response = browser.patch(f"/api/org/units/{mini_city.edu.pk}/", {"address": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert browser.delete(TOKEN).status_code == 401
