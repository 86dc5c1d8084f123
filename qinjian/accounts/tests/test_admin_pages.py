"""The three administrators' pages and the rules behind them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from qinjian.accounts.models import ApiToken, Role, RoleAssignment, User
from qinjian.accounts.services import roles as role_services
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import SecurityEvent
from qinjian.testing.factories import PersonFactory, UserFactory, make_user

from .conftest import as_user, post_login

pytestmark = pytest.mark.django_db


def _temp_password(response) -> str:
    match = re.search(r'id="qj-temp-password">([^<]+)<', response.content.decode())
    assert match, response.content.decode()[:500]
    return match.group(1)


# --- 系统管理员 -------------------------------------------------------------------------------------

def test_create_account_shows_the_temporary_password_once(admins, mini_city):
    client = as_user(Client(), admins.sys)
    person = PersonFactory(unit=mini_city.edu)
    response = client.post("/accounts/users/new/", {"username": "Chen.Liu", "full_name": "陈六",
                                                    "unit": mini_city.edu.pk, "person": person.pk})
    assert response.status_code == 200
    temporary = _temp_password(response)
    user = User.objects.get(username="chen.liu")
    assert (user.unit, user.person, user.must_change_password, user.created_by) == (
        mini_city.edu, person, True, admins.sys)
    assert user.check_password(temporary)
    assert temporary not in client.get(user.get_absolute_url()).content.decode()
    assert post_login(Client(), "chen.liu", temporary)["Location"] == "/accounts/password/"


def test_usernames_are_unique_case_insensitively(admins, mini_city):
    UserFactory(username="wang.er", unit=mini_city.edu)
    client = as_user(Client(), admins.sys)
    response = client.post("/accounts/users/new/", {"username": "WANG.ER", "full_name": "王二",
                                                    "unit": mini_city.edu.pk})
    assert response.status_code == 200 and "账户名已存在" in response.content.decode()
    assert User.objects.filter(username__iexact="wang.er").count() == 1


def test_person_must_belong_to_the_unit(admins, mini_city):
    other = PersonFactory(unit=mini_city.health)
    client = as_user(Client(), admins.sys)
    response = client.post("/accounts/users/new/", {"username": "sun.qi", "full_name": "孙七",
                                                    "unit": mini_city.edu.pk, "person": other.pk})
    assert response.status_code == 200
    assert not User.objects.filter(username="sun.qi").exists()


@pytest.mark.parametrize("username", ["", "a", "张三", "bad name", "x" * 65, "-lead"])
def test_bad_usernames_are_refused(username, admins, mini_city):
    client = as_user(Client(), admins.sys)
    count = User.objects.count()
    response = client.post("/accounts/users/new/", {"username": username, "full_name": "某",
                                                    "unit": mini_city.edu.pk})
    assert response.status_code == 200
    assert User.objects.count() == count


def test_disable_enable_reset_unlock_through_the_pages(admins, mini_city):
    user = UserFactory(unit=mini_city.edu)
    session = Client()
    post_login(session, user.username)
    client = as_user(Client(), admins.sys)
    assert client.post(f"/accounts/users/{user.pk}/disable/").status_code == 302
    assert session.get("/").status_code == 302
    assert not User.objects.get(pk=user.pk).is_active
    client.post(f"/accounts/users/{user.pk}/enable/")
    assert User.objects.get(pk=user.pk).is_active
    temporary = _temp_password(client.post(f"/accounts/users/{user.pk}/reset-password/"))
    assert User.objects.get(pk=user.pk).check_password(temporary)
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + timedelta(minutes=10))
    client.post(f"/accounts/users/{user.pk}/unlock/")
    assert User.objects.get(pk=user.pk).locked_until is None


def test_admin_credentials_cannot_be_reset_from_the_page(admins):
    client = as_user(Client(), admins.sys)
    password = User.objects.get(pk=admins.audit.pk).password
    response = client.post(f"/accounts/users/{admins.audit.pk}/reset-password/")
    assert response.status_code == 200 and "reset_admin_credentials" in response.content.decode()
    response = client.post(f"/accounts/users/{admins.audit.pk}/reset-totp/")
    assert "reset_admin_credentials" in response.content.decode()
    assert User.objects.get(pk=admins.audit.pk).password == password


def test_nobody_disables_themselves(admins):
    client = as_user(Client(), admins.sys)
    response = client.post(f"/accounts/users/{admins.sys.pk}/disable/")
    assert response.status_code == 200 and "不能停用自己的账户" in response.content.decode()
    assert User.objects.get(pk=admins.sys.pk).is_active


def test_stale_and_locked_filters(admins, mini_city):
    fresh = UserFactory(unit=mini_city.edu, username="fresh", last_login=timezone.now())
    stale = UserFactory(unit=mini_city.edu, username="stale", last_login=timezone.now() - timedelta(days=91))
    locked = UserFactory(unit=mini_city.edu, username="locked",
                         locked_until=timezone.now() + timedelta(minutes=5), last_login=timezone.now())
    client = as_user(Client(), admins.sys)
    html = client.get("/accounts/users/?stale=true").content.decode()
    assert ">stale<" in html and ">fresh<" not in html and ">locked<" not in html
    html = client.get("/accounts/users/?locked=true").content.decode()
    assert ">locked<" in html and ">stale<" not in html
    html = client.get(f"/accounts/users/?unit={mini_city.health.pk}").content.decode()
    assert ">fresh<" not in html
    assert fresh and stale and locked


# --- 安全管理员 -------------------------------------------------------------------------------------

def test_create_a_custom_role_with_the_matrix(admins):
    client = as_user(Client(), admins.sec)
    perms = Permission.objects.filter(content_type__app_label="org", codename__in=["view_unit", "view_person"])
    response = client.post("/accounts/roles/new/", {"code": "asset_viewer", "name": "资产查看员", "kind": "center",
                                                    "default_scope": "unit", "is_active": "on",
                                                    "permissions": [p.pk for p in perms]})
    assert response.status_code == 302
    role = Role.objects.get(code="asset_viewer")
    assert role.permission_names() == {"org.view_unit", "org.view_person"} and not role.is_builtin
    assert "单位" in client.get(role.get_absolute_url()).content.decode()
    event = SecurityEvent.objects.filter(event_type="role_changed").latest("id")
    assert event.detail["added"] == ["org.view_person", "org.view_unit"]


def test_custom_roles_never_carry_admin_permissions(admins):
    add_user = Permission.objects.get(content_type__app_label="accounts", codename="add_user")
    with pytest.raises(ValidationFailed):
        role_services.role_create(by=admins.sec, code="sneaky", name="偷偷", kind="center", permissions=[add_user])
    staff = Role.objects.get(code="staff")
    view_audit = Permission.objects.get(content_type__app_label="core", codename="view_securityevent")
    client = as_user(Client(), admins.sec)
    before = staff.permission_names()
    client.post(f"/accounts/roles/{staff.pk}/edit/", {"name": staff.name, "default_scope": "own", "is_active": "on",
                                                      "permissions": [view_audit.pk]})
    assert Role.objects.get(pk=staff.pk).permission_names() == before
    assert not Role.objects.filter(code="sneaky").exists()


def test_builtin_admin_roles_keep_kind_and_rights(admins):
    sysadmin_role = Role.objects.get(code="sysadmin")
    before = sysadmin_role.permission_names()
    view_audit = Permission.objects.get(content_type__app_label="core", codename="view_securityevent")
    with pytest.raises(ValidationFailed):
        role_services.role_update(by=admins.sec, role=sysadmin_role, name="系统管理员", description="",
                                  default_scope="all", permissions=[view_audit])
    with pytest.raises(ValidationFailed):
        role_services.role_update(by=admins.sec, role=sysadmin_role, name="系统管理员", description="",
                                  default_scope="all", permissions=list(sysadmin_role.permissions.all()),
                                  is_active=False)
    client = as_user(Client(), admins.sec)
    client.post(f"/accounts/roles/{sysadmin_role.pk}/edit/", {"name": "改名的系统管理员", "default_scope": "all",
                                                              "kind": "staff", "permissions": [view_audit.pk]})
    role = Role.objects.get(pk=sysadmin_role.pk)
    assert (role.admin_kind, role.kind, role.is_active, role.permission_names()) == ("system", "admin", True, before)


def test_grant_and_revoke_through_the_pages(admins, mini_city):
    target = UserFactory(unit=mini_city.edu)
    session = Client()
    post_login(session, target.username)
    client = as_user(Client(), admins.sec)
    role = Role.objects.get(code="unit_admin")
    response = client.post("/accounts/assignments/new/", {"user": target.pk, "role": role.pk, "unit": mini_city.edu.pk})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=target)
    assert (assignment.scope, assignment.is_primary) == ("unit_tree", True)  # the role's default scope
    assert session.get("/").status_code == 200  # a business role keeps the session
    assert client.post(f"/accounts/assignments/{assignment.pk}/revoke/").status_code == 302
    assert not RoleAssignment.objects.filter(user=target).exists()
    types = list(SecurityEvent.objects.filter(event_type__in=["role_granted", "role_revoked"])
                 .values_list("event_type", flat=True).order_by("id"))
    assert types == ["role_granted", "role_revoked"]


def test_granting_an_mfa_role_ends_sessions_opened_without_mfa(admins, mini_city):
    target = UserFactory(unit=mini_city.center)
    session = Client()
    post_login(session, target.username)
    role_services.assignment_grant(by=admins.sec, user=target, role=Role.objects.get(code="auditadmin"),
                                   unit=mini_city.center)
    assert session.get("/").status_code == 302


def test_no_account_holds_two_admin_kinds(admins, mini_city):
    for code in ("sysadmin", "secadmin"):
        with pytest.raises(ValidationFailed) as exc:
            role_services.assignment_grant(by=admins.sec, user=admins.audit, role=Role.objects.get(code=code),
                                           unit=mini_city.center)
        assert "两种" in exc.value.message
    assert RoleAssignment.objects.filter(user=admins.audit).count() == 1


def test_nobody_grants_or_revokes_their_own_roles(admins, mini_city):
    with pytest.raises(ValidationFailed):
        role_services.assignment_grant(by=admins.sec, user=admins.sec, role=Role.objects.get(code="staff"),
                                       unit=mini_city.center)
    own = RoleAssignment.objects.get(user=admins.sec)
    client = as_user(Client(), admins.sec)
    response = client.post(f"/accounts/assignments/{own.pk}/revoke/")
    assert response.status_code == 200 and "不能撤销自己的角色" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=own.pk).exists()
    form = client.get("/accounts/assignments/new/").content.decode()
    user_select = form[form.index('name="user"'):]
    user_select = user_select[:user_select.index("</select>")]
    assert f'value="{admins.sec.pk}"' not in user_select and f'value="{admins.sys.pk}"' in user_select


def test_duplicate_grant_is_refused(admins, mini_city):
    target = UserFactory(unit=mini_city.edu)
    staff = Role.objects.get(code="staff")
    role_services.assignment_grant(by=admins.sec, user=target, role=staff, unit=mini_city.edu)
    with pytest.raises(ValidationFailed):
        role_services.assignment_grant(by=admins.sec, user=target, role=staff, unit=mini_city.edu)
    assert RoleAssignment.objects.filter(user=target).count() == 1


# --- 审计管理员 -------------------------------------------------------------------------------------

def test_viewing_the_audit_log_is_recorded_once_per_visit(admins):
    client = as_user(Client(), admins.audit)
    client.get("/audit/security-events/")
    client.get("/audit/security-events/?page=2")
    client.get("/audit/security-events/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="qj-results")
    assert SecurityEvent.objects.filter(event_type="audit_viewed", username=admins.audit.username).count() == 1


def test_security_event_filters_and_export(admins, mini_city):
    user = UserFactory(unit=mini_city.edu)
    post_login(Client(), user.username, "Wrong#pass1", REMOTE_ADDR="10.7.7.7")
    client = as_user(Client(), admins.audit)
    html = client.get("/audit/security-events/?event_type=login_failed&success=false&ip=10.7").content.decode()
    assert user.username in html and "10.7.7.7" in html
    assert user.username not in client.get("/audit/security-events/?ip=10.8").content.decode()
    response = client.get("/audit/security-events/?export=xlsx&event_type=login_failed")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    export = SecurityEvent.objects.filter(event_type="export", username=admins.audit.username).get()
    assert export.detail["obj_count"] == 1 and export.object_type == "core.securityevent"


def test_verify_button_reports_a_broken_chain(admins):
    from django.db import connection

    from qinjian.core.tests.test_audit_chain import _bypass

    client = as_user(Client(), admins.audit)
    assert "安全事件日志完整" in client.post("/audit/security-events/verify/").content.decode()
    victim = SecurityEvent.objects.order_by("id").first()
    with _bypass(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_securityevent SET username = 'x' WHERE id = %s", [victim.pk])
    html = client.post("/audit/security-events/verify/").content.decode()
    assert "发现日志被篡改" in html and f"#{victim.pk}" in html


def test_change_detail_shows_before_and_after(admins, mini_city):
    from qinjian.core.models import ObjectChange

    change = ObjectChange.objects.filter(action="create").first()
    client = as_user(Client(), admins.audit)
    html = client.get(f"/audit/changes/{change.pk}/").content.decode()
    assert change.object_repr in html and "变更后" in html
    assert client.get("/audit/changes/999999/").status_code == 404


# --- everyone: API tokens ---------------------------------------------------------------------------

def test_token_created_shown_once_and_revoked(mini_city):
    user = make_user("staff", mini_city.edu)
    client = as_user(Client(), user)
    assignment = RoleAssignment.objects.get(user=user)
    response = client.post("/accounts/tokens/new/", {"name": "资产接口", "assignment": assignment.pk})
    key = re.search(r'id="qj-token-key">([^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=user)
    assert key.startswith("qj_") and token.digest != key and key not in client.get("/accounts/tokens/").content.decode()
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/").status_code != 401
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    types = list(SecurityEvent.objects.filter(username=user.username, event_type__startswith="token")
                 .values_list("event_type", flat=True).order_by("id"))
    assert types == ["token_created", "token_revoked"]


def test_token_for_someone_elses_role_is_refused(mini_city):
    user = make_user("staff", mini_city.edu)
    other = make_user("center_office", mini_city.center)
    client = as_user(Client(), user)
    response = client.post("/accounts/tokens/new/", {"name": "x", "assignment": RoleAssignment.objects.get(user=other).pk})
    assert response.status_code == 200
    assert not ApiToken.objects.filter(user=user).exists()


def test_operators_reset_admin_credentials_from_the_console(admins, capsys):
    from django.core.management import call_command

    User.objects.filter(pk=admins.audit.pk).update(totp_secret="JBSWY3DPEHPK3PXP")
    call_command("reset_admin_credentials", "AUDITADM")
    temporary = capsys.readouterr().out.split("：")[1].split()[0]
    user = User.objects.get(pk=admins.audit.pk)
    assert user.check_password(temporary) and user.must_change_password and user.totp_secret == ""
    event = SecurityEvent.objects.filter(event_type="user_changed", detail__change="console_reset").get()
    assert event.username.startswith("os:") and event.object_id == str(user.pk)
