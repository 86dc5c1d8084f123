"""The top-bar counts and the menu: cached per login session and role for a short time, dropped after the
user's own writes, never carried over a change of role, permissions or scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinjian.accounts.models import Role, RoleAssignment
from qinjian.core.menu import menu_for
from qinjian.core.models import Notification
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db

HOME = "core:home"


def _unread(client) -> int:
    return client.get(reverse(HOME)).context["qj_unread_count"]


def _count_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if '"core_notification"' in q["sql"]]


@pytest.fixture
def user(mini_city):
    return make_user("unit_admin", mini_city.edu, scope="unit_tree")


def test_counts_are_reused_within_the_session_for_a_short_time(client, user):
    Notification.objects.create(recipient=user, title="消息一")
    client.force_login(user)
    with CaptureQueriesContext(connection) as first:
        assert _unread(client) == 1
    Notification.objects.create(recipient=user, title="消息二")  # someone else's doing
    with CaptureQueriesContext(connection) as second:
        assert _unread(client) == 1  # shows within QINJIAN_SHELL_COUNTS_SECONDS
    assert len(_count_queries(first)) == 1 and _count_queries(second) == []
    other = Client()
    other.force_login(user)  # another login session counts afresh
    assert _unread(other) == 2


def test_the_users_own_write_shows_at_once(client, user):
    first = Notification.objects.create(recipient=user, title="消息一")
    Notification.objects.create(recipient=user, title="消息二")
    client.force_login(user)
    assert _unread(client) == 2
    response = client.post(reverse("core:inbox_read", args=[first.pk]))
    assert response.status_code == 302
    assert _unread(client) == 1
    client.post(reverse("core:inbox_read_all"))
    assert _unread(client) == 0


@override_settings(QINJIAN_SHELL_COUNTS_SECONDS=0)
def test_no_caching_when_switched_off(client, user):
    client.force_login(user)
    assert _unread(client) == 0
    Notification.objects.create(recipient=user, title="消息一")
    assert _unread(client) == 1


def test_a_role_change_is_never_served_old_counts_or_menu(client, mini_city, user):
    from django.contrib.auth.models import Permission

    client.force_login(user)
    org_units = reverse("org:unit_list")
    html = client.get(reverse(HOME)).content.decode()
    assert org_units in html
    Notification.objects.create(recipient=user, title="消息一")
    role = Role.objects.get(code="unit_admin")
    role.permissions.remove(Permission.objects.get(content_type__app_label="org", codename="view_unit"))
    response = client.get(reverse(HOME))
    assert org_units not in response.content.decode()  # the menu follows the permissions at once
    assert response.context["qj_unread_count"] == 1  # and the counts are those of the changed role


def test_a_scope_change_counts_afresh(client, mini_city, user):
    client.force_login(user)
    assert _unread(client) == 0
    Notification.objects.create(recipient=user, title="消息一")
    assignment = RoleAssignment.objects.get(user=user)
    assignment.scope = "unit"
    assignment.save()
    assert _unread(client) == 1


def test_switching_roles_shows_each_roles_menu_and_counts(client, mini_city, user):
    from django.contrib.auth.models import Permission

    asset_role = Role.objects.get(code="center_asset")
    asset_role.permissions.remove(*Permission.objects.filter(content_type__app_label="alerts"))
    RoleAssignment.objects.create(user=user, role=asset_role, unit=mini_city.center, scope="all")
    client.force_login(user)
    home = client.get(reverse(HOME))
    assert [b.label for b in home.context["qj_badges"]] == ["待处理预警"]
    second = next(a for a in home.context["qj_assignments"] if a.role.code == "center_asset")
    client.post(reverse("accounts:role_switch"), {"assignment": second.pk})
    home = client.get(reverse(HOME))
    assert home.context["qj_assignment"].pk == second.pk and home.context["qj_badges"] == []
    urls = {item["url"] for group in home.context["qj_menu"] for item in group["items"]}
    assert reverse("assets:asset_list") in urls and reverse("alerts:alert_list") not in urls


def test_menu_marks_the_current_page_per_request(rf, user):
    from django.contrib.sessions.backends.db import SessionStore

    for path, expected in ((reverse("org:unit_list"), True), (reverse(HOME), False)):
        request = rf.get(path)
        request.user = user
        request.session = SessionStore()
        groups = menu_for(request)
        active = [i["url"] for g in groups for i in g["items"] if i["active"]]
        assert (reverse("org:unit_list") in active) is expected
