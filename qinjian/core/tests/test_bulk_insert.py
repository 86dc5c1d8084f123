"""The raw bulk-insert helper writes what the ORM would write, and change records identical to the signals'."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from qinjian.core import context, crypto
from qinjian.core.audit import Change, bulk_log_changes, bulk_log_created
from qinjian.core.bulk_insert import allocate_ids, insert_dicts, insert_rows
from qinjian.core.models import ObjectChange
from qinjian.org.models import Person
from qinjian.testing.factories import PersonFactory, UnitFactory, make_user

pytestmark = pytest.mark.django_db

PERSON_COLUMNS = ("id", "code", "name", "gender", "unit_id", "post", "staffing_type", "status", "phone",
                  "phone_index", "sort_order", "is_active", "created_at", "updated_at")


def _person_rows(unit_id: int, ids: list[int], phone: str = "13912345678") -> list[tuple]:
    now = timezone.now()
    return [(pk, f"BI{i:04d}", f"张{i}", "M", unit_id, "科员", "admin", "active", phone, crypto.blind_index(phone),
             i, True, now, now) for i, pk in enumerate(ids)]


def test_rows_are_stored_as_the_orm_stores_them() -> None:
    unit = UnitFactory()
    with transaction.atomic():
        ids = list(allocate_ids(Person, 3))
        written = insert_rows(Person, PERSON_COLUMNS, iter(_person_rows(unit.pk, ids)))
    assert written == 3
    people = list(Person.objects.filter(pk__in=ids).order_by("pk"))
    assert [p.pk for p in people] == ids
    assert [p.code for p in people] == ["BI0000", "BI0001", "BI0002"]
    # encrypted like the field does it: readable through the ORM, ciphertext in the table, a fresh nonce each
    assert all(p.phone == "13912345678" for p in people)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM org_person WHERE id IN (%s, %s)", ids[:2])
        stored = [r[0] for r in cursor.fetchall()]
    assert all(s.startswith(crypto.KEY_VERSION + ":") and "1391234" not in s for s in stored)
    assert stored[0] != stored[1]
    assert Person.objects.filter(phone_index=crypto.blind_index("13912345678")).count() == 3


def test_allocated_ids_are_never_reused_by_a_later_orm_insert() -> None:
    unit = UnitFactory()
    with transaction.atomic():
        ids = list(allocate_ids(Person, 5))
        other = PersonFactory(unit=unit)  # an ORM insert between the reservation and the raw insert
        assert other.pk not in ids
        insert_rows(Person, PERSON_COLUMNS, _person_rows(unit.pk, ids))
    assert Person.objects.filter(pk__in=ids).count() == 5
    later = PersonFactory(unit=unit)
    assert later.pk > max(ids)


def test_allocate_ids_needs_a_transaction() -> None:
    if connection.in_atomic_block:  # pytest-django wraps tests in a transaction
        assert len(allocate_ids(Person, 2)) == 2
    assert list(allocate_ids(Person, 0)) == []


def test_dates_decimals_and_json_round_trip() -> None:
    from qinjian.assets.models import Asset, AssetMovement
    from qinjian.testing.factories import AssetFactory

    card: Asset = AssetFactory()
    insert_dicts(AssetMovement, [{
        "asset_id": card.pk, "unit_id": card.unit_id, "class_code": card.class_code,
        "occurred_on": datetime.date(2020, 2, 29), "kind": "book", "quantity": 1, "value": Decimal("1234.56"),
        "value_fiscal": Decimal("1000.00"), "value_nonfiscal": Decimal("234.56"), "event_id": None,
        "created_at": timezone.now(),
    }])
    line = AssetMovement.objects.filter(asset=card, occurred_on=datetime.date(2020, 2, 29)).get()
    assert line.value == Decimal("1234.56") and line.value_nonfiscal == Decimal("234.56")
    assert AssetMovement.objects.filter(value__gt=Decimal("1234.55"), value__lt=Decimal("1234.57")).count() >= 1


def test_bulk_log_created_matches_the_signal_record() -> None:
    unit = UnitFactory()
    user = make_user("center_asset", unit)
    with context.acting(user=user, source="web", ip="10.0.0.9", request_id="req-1"):
        orm = Person.objects.create(code="SIG1", name="李四", gender="F", unit=unit, phone="13800000001")
        bulk = Person(code="BLK1", name="王五", gender="F", unit=unit, phone="13800000002",
                      phone_index=crypto.blind_index("13800000002"), created_by=user)
        Person.objects.bulk_create([bulk])
        assert bulk_log_created([bulk]) == 1
    by_signal = ObjectChange.objects.get(object_id=str(orm.pk), content_type__model="person")
    by_bulk = ObjectChange.objects.get(object_id=str(bulk.pk), content_type__model="person")
    keys = ("user_id", "user_name", "ip", "request_id", "source", "action", "content_type_id", "message")
    assert {k: getattr(by_bulk, k) for k in keys} == {k: getattr(by_signal, k) for k in keys}
    assert by_bulk.user_id == user.pk and by_bulk.ip == "10.0.0.9"
    assert set(by_bulk.after) == set(by_signal.after)
    assert by_bulk.after["phone"] == crypto.mask_phone("13800000002")  # masked as the signal masks it
    assert by_bulk.changed_fields == sorted(k for k, v in by_bulk.after.items() if v is not None)
    assert by_bulk.changed_fields == by_signal.changed_fields  # same fields filled on both people
    assert by_bulk.object_repr == "王五" and by_bulk.time is not None


def test_bulk_log_changes_skips_empty_updates_and_streams() -> None:
    unit = UnitFactory()
    person = PersonFactory(unit=unit)
    changes = (c for c in [
        Change(person, ObjectChange.Action.UPDATE, before={"name": "a"}, after={"name": "a"}),
        Change(person, ObjectChange.Action.UPDATE, before={"name": "a"}, after={"name": "b"}, message="导入"),
    ])
    before = ObjectChange.objects.count()
    assert bulk_log_changes(changes) == 1
    record = ObjectChange.objects.order_by("-id").first()
    assert ObjectChange.objects.count() == before + 1
    assert record is not None and record.changed_fields == ["name"] and record.message == "导入"
    assert record.before == {"name": "a"} and record.after == {"name": "b"}


def test_bulk_log_created_after_is_the_snapshot() -> None:
    from qinjian.assets.models import Asset
    from qinjian.core.audit import created_values, snapshot
    from qinjian.testing.factories import AssetFactory

    card: Asset = AssetFactory()
    before = ObjectChange.objects.count()
    assert bulk_log_created([card]) == 1
    record = ObjectChange.objects.order_by("-id").first()
    assert ObjectChange.objects.count() == before + 1 and record is not None
    # decimals and dates as text, class_code left out, and so are blank fields (a creation keeps what it set)
    assert record.after == created_values(snapshot(card))
    assert "class_code" not in record.after and isinstance(record.after["original_value"], str)
    assert "disposed_on" not in record.after and "notes" not in record.after
    assert record.changed_fields == sorted(record.after)


def test_rows_may_query_while_they_are_built() -> None:
    """On PostgreSQL a query from inside a COPY would block for ever: rows are built before each COPY."""
    unit = UnitFactory()
    person = PersonFactory(unit=unit)

    def changes():
        for i in range(3):
            fresh = Person.objects.get(pk=person.pk)  # a query while the rows are being written
            yield Change(fresh, ObjectChange.Action.UPDATE, before={"post": ""}, after={"post": f"p{i}"})

    assert bulk_log_changes(changes()) == 3
