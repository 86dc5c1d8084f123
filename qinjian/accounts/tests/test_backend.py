"""RoleBackend.get_user: every request loads the user together with the role assignments in one query, and the
usable assignments are exactly those the user's own lookup gives (primary first, no lapsed or disabled role)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinjian.accounts.backends import RoleBackend
from qinjian.accounts.models import Role, RoleAssignment, User
from qinjian.testing.factories import UserFactory, make_user

pytestmark = pytest.mark.django_db


def _assignment(user, code, unit, **kwargs):
    return RoleAssignment.objects.create(user=user, role=Role.objects.get(code=code), unit=unit, scope="unit",
                                         **kwargs)


def test_the_user_and_the_usable_assignments_come_in_one_query(mini_city):
    user = make_user("staff", mini_city.edu)
    other = _assignment(user, "unit_asset_officer", mini_city.center)
    _assignment(user, "unit_admin", mini_city.edu, valid_until=timezone.now() - datetime.timedelta(days=1))
    disabled = Role.objects.exclude(code__in=["staff", "unit_asset_officer", "unit_admin"]).first()
    RoleAssignment.objects.create(user=user, role=disabled, unit=mini_city.edu, scope="unit")
    Role.objects.filter(pk=disabled.pk).update(is_active=False)

    # the primary assignment is not the oldest: it still comes first
    RoleAssignment.objects.filter(user=user).update(is_primary=False)
    RoleAssignment.objects.filter(pk=other.pk).update(is_primary=True)

    with CaptureQueriesContext(connection) as captured:
        loaded = RoleBackend().get_user(user.pk)
        assignments = loaded.active_assignments()
        seen = [(a.pk, a.role.code, a.unit.name, a.user is loaded) for a in assignments]
    assert len(captured) == 1
    expected = list(RoleAssignment.objects.filter(user=user, role__is_active=True)
                    .exclude(valid_until__lte=timezone.now()).order_by("-is_primary", "id").values_list("pk", flat=True))
    assert [a.pk for a in assignments] == expected
    assert [a.pk for a in User.objects.get(pk=user.pk).active_assignments()] == expected  # the unjoined lookup
    assert seen[0][0] == other.pk and seen[1][1] == "staff" and len(seen) == 2 and all(s[3] for s in seen)
    assert loaded.get_active_assignment().role.code == "unit_asset_officer"


def test_a_user_without_assignments_and_a_disabled_user(mini_city):
    bare = UserFactory(unit=mini_city.edu)
    RoleAssignment.objects.filter(user=bare).delete()
    loaded = RoleBackend().get_user(bare.pk)
    assert loaded == bare and loaded.active_assignments() == []
    disabled = make_user("staff", mini_city.edu)
    User.objects.filter(pk=disabled.pk).update(is_active=False)
    assert RoleBackend().get_user(disabled.pk) is None
    assert RoleBackend().get_user(10**9) is None
