"""Every business change is recorded with who, from where, before and after."""

import pytest

from qinjian.core import context
from qinjian.core.audit import history_for
from qinjian.core.models import ObjectChange
from qinjian.org.models import Person
from qinjian.org.services.people import person_update
from qinjian.testing.factories import PersonFactory, make_user

pytestmark = pytest.mark.django_db


def test_create_update_delete_are_logged_with_actor(mini_city):
    user = make_user("center_office", mini_city.center)
    with context.acting(user=user, ip="10.1.2.3", request_id="req-123", source="web"):
        person = PersonFactory(unit=mini_city.edu, name="王小明", phone="13912345678")
        person_update(person=person, name="王晓明", post="科员")
    changes = list(history_for(person).order_by("id"))
    assert [c.action for c in changes] == ["create", "update"]
    created = changes[0]
    assert created.after["name"] == "王小明" and created.after["unit_id"] == mini_city.edu.pk
    assert "post" not in created.after and "department_id" not in created.after  # left blank: not kept
    assert created.changed_fields == sorted(created.after)
    update = changes[1]
    assert update.user == user and update.ip == "10.1.2.3" and update.request_id == "req-123"
    assert update.before["name"] == "王小明" and update.after["name"] == "王晓明"
    assert set(update.changed_fields) == {"name", "post"}
    # created_by is stamped from the acting user
    assert Person.objects.get(pk=person.pk).created_by == user


def test_phone_is_masked_in_the_change_log(mini_city):
    person = PersonFactory(unit=mini_city.edu, phone="13912345678")
    change = history_for(person).get()
    assert change.after["phone"] == "139****5678"
    assert "phone_index" not in change.after


def test_saving_without_changes_writes_no_record(mini_city):
    person = PersonFactory(unit=mini_city.edu)
    before = ObjectChange.objects.count()
    Person.objects.get(pk=person.pk).save()
    assert ObjectChange.objects.count() == before


def test_failed_service_writes_neither_row_nor_log(mini_city):
    from qinjian.core.errors import ValidationFailed

    person = PersonFactory(unit=mini_city.edu)
    before = ObjectChange.objects.count()
    with pytest.raises(ValidationFailed):
        person_update(person=person, phone="12345")
    assert ObjectChange.objects.count() == before
    assert Person.objects.get(pk=person.pk).phone == person.phone
