"""The data scope: one queryset method decides which rows a user reaches."""

import pytest

from qinjian.accounts.models import RoleAssignment
from qinjian.core.scope import DataScope
from qinjian.org.models import Person, Unit
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_all_scope_sees_every_unit(mini_city):
    user = make_user("center_leader", mini_city.center)
    assert Unit.objects.scoped(user).count() == Unit.objects.count()


def test_unit_tree_scope_sees_unit_and_descendants_only(mini_city):
    user = make_user("unit_admin", mini_city.edu, scope=DataScope.UNIT_TREE)
    assert names(Unit.objects.scoped(user)) == {"示范市教育局", "示范市第一中学"}
    units = set(Person.objects.scoped(user).values_list("unit__name", flat=True))
    assert units == {"示范市教育局", "示范市第一中学"}


def test_unit_scope_excludes_descendants(mini_city):
    user = make_user("unit_admin", mini_city.edu, scope=DataScope.UNIT)
    assert names(Unit.objects.scoped(user)) == {"示范市教育局"}
    assert set(Person.objects.scoped(user).values_list("unit_id", flat=True)) == {mini_city.edu.pk}


def test_own_scope_sees_only_own_person(mini_city):
    person = Person.objects.filter(unit=mini_city.health).first()
    user = make_user("staff", mini_city.health, person=person)
    assert list(Person.objects.scoped(user)) == [person]
    assert Unit.objects.scoped(user).count() == 0  # staff has no view_unit permission


def test_missing_permission_gives_nothing(mini_city):
    user = make_user("center_service", mini_city.center)  # may view units, not people
    assert Unit.objects.scoped(user).exists()
    assert not Person.objects.scoped(user).exists()


def test_change_action_needs_change_permission(mini_city):
    leader = make_user("center_leader", mini_city.center)
    assert Person.objects.scoped(leader, "view").exists()
    assert not Person.objects.scoped(leader, "change").exists()


def test_inactive_user_and_anonymous_get_nothing(mini_city):
    from django.contrib.auth.models import AnonymousUser

    user = make_user("center_office", mini_city.center)
    user.is_active = False
    assert not Unit.objects.scoped(user).exists()
    assert not Unit.objects.scoped(AnonymousUser()).exists()
    assert not Unit.objects.scoped(None).exists()


def test_active_role_switch_changes_scope(mini_city):
    user = make_user("unit_admin", mini_city.edu, scope=DataScope.UNIT)
    second = RoleAssignment.objects.create(user=user, role=RoleAssignment._meta.get_field("role")
                                           .related_model.objects.get(code="unit_admin"),
                                           unit=mini_city.health, scope=DataScope.UNIT)
    assert names(Unit.objects.scoped(user)) == {"示范市教育局"}
    user.set_active_assignment(second.pk)
    assert names(Unit.objects.scoped(user)) == {"示范市卫生健康委员会"}


def test_expired_assignment_grants_nothing(mini_city):
    from datetime import timedelta

    from django.utils import timezone

    user = make_user("center_office", mini_city.center)
    RoleAssignment.objects.filter(user=user).update(valid_until=timezone.now() - timedelta(minutes=1))
    user.refresh_from_db()
    assert user.get_active_assignment() is None
    assert not Unit.objects.scoped(user).exists()
