"""Separation of duties (三员分立): each administrator reaches only their own pages and actions.

Every other administrator and every business role gets 403 on them, and a denied request changes
nothing (compared row by row).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qinjian.accounts.models import ApiToken, Role, RoleAssignment, User
from qinjian.accounts.services import users as user_services
from qinjian.core.models import ObjectChange, SecurityEvent
from qinjian.testing.factories import UserFactory, make_user

from .conftest import as_user

pytestmark = pytest.mark.django_db


def _state() -> Any:
    return (
        sorted(User.objects.values_list("pk", "username", "full_name", "is_active", "password", "locked_until",
                                        "totp_secret", "unit_id", "must_change_password")),
        sorted(RoleAssignment.objects.values_list("pk", "user_id", "role_id", "unit_id", "scope")),
        sorted(Role.objects.values_list("pk", "name", "is_active", "default_scope")),
        sorted(Role.permissions.through.objects.values_list("role_id", "permission_id")),
        sorted(ApiToken.objects.values_list("pk", "revoked_at")),
        ObjectChange.objects.count(),
        SecurityEvent.objects.exclude(event_type="access_denied").count(),
    )


@pytest.fixture
def world(admins, mini_city):
    target, _ = user_services.user_create(by=admins.sys, username="target", full_name="目标", unit=mini_city.edu)
    target.locked_until = None
    staff_role = Role.objects.get(code="staff")
    assignment = RoleAssignment.objects.create(user=target, role=staff_role, unit=mini_city.edu, scope="own",
                                               is_primary=True)
    change = ObjectChange.objects.first()
    return {"target": target, "role": staff_role, "assignment": assignment, "change": change, "city": mini_city}


def _requests(w: dict[str, Any]) -> dict[str, list[tuple[str, str, dict]]]:
    t, r, a = w["target"].pk, w["role"].pk, w["assignment"].pk
    unit = w["city"].edu.pk
    return {
        "sys": [
            ("get", "/accounts/users/", {}), ("get", f"/accounts/users/{t}/", {}), ("get", "/accounts/users/new/", {}),
            ("post", "/accounts/users/new/", {"username": "evil", "full_name": "恶意", "unit": unit}),
            ("post", f"/accounts/users/{t}/edit/", {"full_name": "改名", "unit": unit}),
            ("post", f"/accounts/users/{t}/disable/", {}), ("post", f"/accounts/users/{t}/enable/", {}),
            ("post", f"/accounts/users/{t}/reset-password/", {}), ("post", f"/accounts/users/{t}/unlock/", {}),
            ("post", f"/accounts/users/{t}/reset-totp/", {}),
        ],
        "sec": [
            ("get", "/accounts/roles/", {}), ("get", f"/accounts/roles/{r}/", {}), ("get", "/accounts/roles/new/", {}),
            ("post", "/accounts/roles/new/", {"code": "evil", "name": "恶意角色", "kind": "staff",
                                              "default_scope": "all"}),
            ("post", f"/accounts/roles/{r}/edit/", {"name": "改名", "default_scope": "all", "is_active": "on"}),
            ("get", "/accounts/assignments/", {}), ("get", "/accounts/assignments/new/", {}),
            ("post", "/accounts/assignments/new/", {"user": t, "role": r, "unit": unit}),
            ("post", f"/accounts/assignments/{a}/revoke/", {}),
        ],
        "audit": [
            ("get", "/audit/changes/", {}), ("get", f"/audit/changes/{w['change'].pk}/", {}),
            ("get", "/audit/security-events/", {}), ("get", "/audit/security-events/?export=xlsx", {}),
            ("post", "/audit/security-events/verify/", {}),
        ],
    }


@pytest.mark.parametrize("actor", ["sys", "sec", "audit", "staff", "center_office", "unit_admin", "center_leader"])
def test_nobody_reaches_another_administrators_pages(actor, admins, world):
    if actor in {"sys", "sec", "audit"}:
        user = getattr(admins, actor)
    else:
        user = make_user(actor, world["city"].edu if actor == "unit_admin" else world["city"].center)
    client = as_user(Client(), user)
    before = _state()
    denied = 0
    for owner, requests in _requests(world).items():
        if owner == actor:
            continue
        for method, url, data in requests:
            response = getattr(client, method)(url, data)
            assert response.status_code == 403, (actor, method, url, response.status_code)
            denied += 1
    assert _state() == before
    assert SecurityEvent.objects.filter(event_type="access_denied", username=user.username).count() == denied


@pytest.mark.parametrize("actor", ["sys", "sec", "audit"])
def test_each_administrator_reaches_their_own_pages(actor, admins, world):
    client = as_user(Client(), getattr(admins, actor))
    for method, url, _data in _requests(world)[actor]:
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_menu_shows_each_administrator_only_their_entries(admins, world):
    expected = {
        "sys": ({"/accounts/users/"}, {"/accounts/roles/", "/accounts/assignments/", "/audit/changes/",
                                       "/audit/security-events/"}),
        "sec": ({"/accounts/roles/", "/accounts/assignments/"}, {"/accounts/users/", "/audit/changes/",
                                                                 "/audit/security-events/"}),
        "audit": ({"/audit/changes/", "/audit/security-events/"}, {"/accounts/users/", "/accounts/roles/",
                                                                   "/accounts/assignments/"}),
    }
    for actor, (shown, hidden) in expected.items():
        html = as_user(Client(), getattr(admins, actor)).get("/").content.decode()
        for url in shown:
            assert f'href="{url}"' in html, (actor, url)
        for url in hidden:
            assert f'href="{url}"' not in html, (actor, url)


def test_the_three_admin_roles_share_no_management_permission():
    perms = {code: Role.objects.get(code=code).permission_names() for code in ("sysadmin", "secadmin", "auditadmin")}
    management = {p for names in perms.values() for p in names if p.startswith(("accounts.", "core."))}
    for code, names in perms.items():
        others = set().union(*(v for k, v in perms.items() if k != code))
        assert not (names & others & management), code
    assert "accounts.add_user" in perms["sysadmin"] and "accounts.add_roleassignment" not in perms["sysadmin"]
    assert "accounts.add_roleassignment" in perms["secadmin"] and "accounts.add_user" not in perms["secadmin"]
    assert all(p.startswith(("core.view_", "core.export_")) for p in perms["auditadmin"])


def test_no_business_role_holds_an_administrator_permission():
    from qinjian.accounts.services.roles import ADMIN_ONLY_MODELS

    for role in Role.objects.filter(admin_kind=""):
        for perm in role.permissions.select_related("content_type"):
            assert (perm.content_type.app_label, perm.content_type.model) not in ADMIN_ONLY_MODELS, (role.code, perm)


def test_an_ordinary_user_sees_only_own_tokens(world, mini_city):
    from qinjian.accounts.api.authentication import token_create

    owner, other = UserFactory(unit=mini_city.edu), UserFactory(unit=mini_city.edu)
    token, _ = token_create(user=owner, name="资产接口令牌")
    client = as_user(Client(), other)
    assert "资产接口令牌" not in client.get("/accounts/tokens/").content.decode()
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
