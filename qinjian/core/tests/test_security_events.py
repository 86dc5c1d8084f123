"""Every security-relevant action writes one SecurityEvent with the user, the IP and the request id."""

from __future__ import annotations

import pytest
from django.test import Client

from qinjian.accounts.models import Role
from qinjian.accounts.services import auth, roles, users
from qinjian.core.models import SecurityEvent
from qinjian.testing.factories import DEFAULT_PASSWORD, UserFactory, make_user

pytestmark = pytest.mark.django_db
IP = {"REMOTE_ADDR": "192.168.10.20", "HTTP_X_REQUEST_ID": "req-abcdef123456"}


def _last(event_type: str) -> SecurityEvent:
    return SecurityEvent.objects.filter(event_type=event_type).latest("id")


def test_login_logout_and_failure_carry_user_ip_and_request_id(client, mini_city):
    user = UserFactory(unit=mini_city.edu)
    client.post("/accounts/login/", {"username": user.username, "password": "Wrong#2026"}, **IP)
    client.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD}, **IP)
    client.post("/accounts/logout/", **IP)
    for event_type, success in (("login_failed", False), ("login", True), ("logout", True)):
        event = _last(event_type)
        assert (event.username, event.user_id_ref, event.ip, event.request_id, event.success) == (
            user.username, user.pk, "192.168.10.20", "req-abcdef123456", success)


def test_an_invalid_request_id_is_replaced(client, mini_city):
    user = UserFactory(unit=mini_city.edu)
    client.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD},
                REMOTE_ADDR="10.0.0.1", HTTP_X_REQUEST_ID="<script>")
    event = _last("login")
    assert len(event.request_id) == 32 and event.request_id.isalnum()


def test_password_change_and_role_switch_are_recorded(client, mini_city):
    user = make_user("center_office", mini_city.center)
    second = roles.assignment_grant(by=make_user("secadmin", mini_city.center), user=user,
                                    role=Role.objects.get(code="staff"), unit=mini_city.center)
    client.force_login(user)
    client.post("/accounts/password/", {"old_password": DEFAULT_PASSWORD, "new_password1": "Neu#Pass2026",
                                        "new_password2": "Neu#Pass2026"}, **IP)
    event = _last("password_changed")
    assert (event.username, event.ip, event.request_id, event.success) == (
        user.username, "192.168.10.20", "req-abcdef123456", True)
    client.post("/accounts/role/", {"assignment": second.pk}, **IP)
    event = _last("role_switched")
    assert event.username == user.username and event.detail["role"] == "staff"


def test_role_and_permission_changes_are_recorded(mini_city):
    sec = make_user("secadmin", mini_city.center)
    target = UserFactory(unit=mini_city.edu)
    staff = Role.objects.get(code="staff")
    assignment = roles.assignment_grant(by=sec, user=target, role=staff, unit=mini_city.edu)
    granted = _last("role_granted")
    assert (granted.username, granted.object_type, granted.object_id, granted.detail["target"]) == (
        sec.username, "accounts.roleassignment", str(assignment.pk), target.username)
    before = sorted(staff.permission_names())
    roles.role_update(by=sec, role=staff, name=staff.name, description="", default_scope=staff.default_scope,
                      permissions=[])
    changed = _last("role_changed")
    assert changed.detail["removed"] == before
    assert {"core.view_notification", "org.view_person", "org.view_rank"} <= set(before)
    roles.assignment_revoke(by=sec, assignment=assignment)
    revoked = _last("role_revoked")
    assert revoked.detail["target"] == target.username and revoked.detail["role"] == "staff"


def test_account_administration_is_recorded(mini_city):
    sysadm = make_user("sysadmin", mini_city.center)
    user, _ = users.user_create(by=sysadm, username="li.si", full_name="李四", unit=mini_city.edu)
    users.user_update(by=sysadm, user=user, full_name="李四光", unit=mini_city.edu)
    users.user_disable(by=sysadm, user=user)
    users.user_enable(by=sysadm, user=user)
    users.user_reset_password(by=sysadm, user=user)
    users.user_unlock(by=sysadm, user=user)
    events = SecurityEvent.objects.filter(object_id=str(user.pk), object_type="accounts.user").order_by("id")
    assert [e.event_type for e in events] == ["user_created", "user_changed", "user_disabled", "user_enabled",
                                              "password_reset", "unlocked"]
    assert {e.username for e in events} == {sysadm.username}
    assert events[1].detail["changes"] == {"full_name": ["李四", "李四光"]}


def test_no_secret_ends_up_in_an_event(client, mini_city):
    sysadm = make_user("sysadmin", mini_city.center)
    user, temporary = users.user_create(by=sysadm, username="wang.wu", full_name="王五", unit=mini_city.edu)
    client.post("/accounts/login/", {"username": "wang.wu", "password": "Secret#Typo1"})
    auth.password_reset(user=user, new_password="Other#2026x", by=sysadm)
    dump = " ".join(str(e.detail) for e in SecurityEvent.objects.all())
    for secret in (temporary, "Secret#Typo1", "Other#2026x"):
        assert secret not in dump


def test_access_denied_is_recorded(mini_city):
    user = make_user("staff", mini_city.edu)
    c = Client()
    c.force_login(user)
    response = c.get("/accounts/users/")
    assert response.status_code == 403
    event = _last("access_denied")
    assert (event.username, event.detail["path"], event.success) == (user.username, "/accounts/users/", False)
