"""The cached permissions of a role: a change takes effect on the next request, a rollback leaves no trace."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinjian.accounts.models import Role, RoleAssignment, User
from qinjian.accounts.services.roles import role_create, role_update
from qinjian.testing.factories import AssetFactory, make_user

pytestmark = pytest.mark.django_db

LIST = "assets:asset_list"


def _perm(name: str) -> Permission:
    app, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=codename)


def _fresh(user: User) -> User:
    """The user as the next request loads it."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def role(mini_city):
    admin = make_user("secadmin", mini_city.center)
    return role_create(by=admin, code="asset_reader", name="资产查阅", kind="center", default_scope="all",
                       description="", permissions=[_perm("assets.view_asset")])


@pytest.fixture
def reader(role, mini_city):
    user = make_user("staff", mini_city.center)
    RoleAssignment.objects.filter(user=user).delete()
    RoleAssignment.objects.create(user=user, role=role, unit=mini_city.center, scope="all", is_primary=True)
    return user


def _perm_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "auth_permission" in q["sql"]]


def test_second_request_reads_the_permissions_from_the_cache(client, reader):
    from django.core.cache import cache

    client.force_login(reader)
    assert client.get(reverse(LIST)).status_code == 200  # the first request also refreshes the session
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse(LIST)).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(reverse(LIST)).status_code == 200
    assert len(_perm_queries(first)) == 1 and _perm_queries(second) == []
    # the rest of the difference: the top-bar counts (cached for the session, core/tests/test_shell_counts.py)
    # and the list's column settings (cached per user, core/tests/test_preferences.py)
    counts = [q for q in first if '"core_notification"' in q["sql"]]
    prefs = [q for q in first if '"core_userpreference"' in q["sql"]]
    assert len(counts) == 1 and len(prefs) == 1 and len(second) == len(first) - 3


def test_a_removed_permission_is_gone_on_the_next_request(client, reader, role, mini_city):
    client.force_login(reader)
    assert client.get(reverse(LIST)).status_code == 200
    admin = make_user("secadmin", mini_city.center)
    role_update(by=admin, role=role, name=role.name, description="", default_scope="all", permissions=[])
    assert client.get(reverse(LIST)).status_code == 403
    assert not _fresh(reader).has_perm("assets.view_asset")
    role_update(by=admin, role=Role.objects.get(pk=role.pk), name=role.name, description="", default_scope="all",
                permissions=[_perm("assets.view_asset"), _perm("assets.export_asset")])
    assert client.get(reverse(LIST)).status_code == 200
    assert _fresh(reader).has_perm("assets.export_asset")


def test_every_way_of_changing_the_permissions_is_seen(reader, role):
    view, export = _perm("assets.view_asset"), _perm("assets.export_asset")
    assert _fresh(reader).get_all_permissions() == {"assets.view_asset"}
    role.permissions.add(export)
    assert _fresh(reader).get_all_permissions() == {"assets.view_asset", "assets.export_asset"}
    role.permissions.remove(view)
    assert _fresh(reader).get_all_permissions() == {"assets.export_asset"}
    role.permissions.clear()
    assert _fresh(reader).get_all_permissions() == set()
    role.permissions.set([view])
    assert _fresh(reader).get_all_permissions() == {"assets.view_asset"}


def test_a_rolled_back_change_leaves_the_cache_right(reader, role):
    assert _fresh(reader).has_perm("assets.view_asset")
    with pytest.raises(RuntimeError), transaction.atomic():
        role.permissions.remove(_perm("assets.view_asset"))
        assert not _fresh(reader).has_perm("assets.view_asset")  # cached for the uncommitted role …
        raise RuntimeError
    assert _fresh(reader).has_perm("assets.view_asset")  # … under a key the committed role does not name


def test_scope_and_assignment_changes_take_effect_at_once(client, mini_city):
    edu_card, health_card = AssetFactory(unit=mini_city.edu), AssetFactory(unit=mini_city.health)
    user = make_user("unit_asset_officer", mini_city.edu)
    client.force_login(user)
    body = client.get(reverse(LIST)).content.decode()
    assert edu_card.code in body and health_card.code not in body
    RoleAssignment.objects.filter(user=user).update(unit=mini_city.health)
    body = client.get(reverse(LIST)).content.decode()
    assert edu_card.code not in body and health_card.code in body
    RoleAssignment.objects.filter(user=user).delete()
    assert client.get(reverse(LIST)).status_code == 403


def test_a_deactivated_role_stops_at_once(client, reader, role):
    client.force_login(reader)
    assert client.get(reverse(LIST)).status_code == 200
    Role.objects.filter(pk=role.pk).update(is_active=False)
    assert client.get(reverse(LIST)).status_code == 403
