"""The security-event log is append-only in the database and tamper-evident through its MAC chain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from qinjian.core import context, security_log
from qinjian.core.models import SecurityChainHead, SecurityEvent

pytestmark = pytest.mark.django_db
TABLE = "core_securityevent"


def _write(n: int) -> list[SecurityEvent]:
    with context.acting(ip="10.0.0.9", source="cli"):
        return [security_log.record("config_changed", username="ops", step=i) for i in range(n)]


def test_update_and_delete_are_refused_by_the_database():
    event = _write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET username = %s WHERE id = %s", ["intruder", event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).update(username="intruder")
    with pytest.raises(DatabaseError), transaction.atomic():
        SecurityEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.username == "ops" and SecurityEvent.objects.count() == 1


def test_the_orm_refuses_too():
    event = _write(1)[0]
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL only")
def test_truncate_is_refused_on_postgresql():
    _write(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
    assert SecurityEvent.objects.count() == 1


@contextmanager
def _bypass() -> Iterator[None]:
    """What a DBA with DDL rights could do: switch the triggers off, tamper, switch them back on."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER core_securityevent_no_update")
            cursor.execute("DROP TRIGGER core_securityevent_no_delete")
    try:
        yield
    finally:
        _restore()


def _restore() -> None:
    import importlib

    migration = importlib.import_module("qinjian.core.migrations.0002_security_event_append_only")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        else:
            for sql in migration.SQLITE:
                cursor.execute(sql)


def _assert_triggers_back(event_id: int) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET username = 'x' WHERE id = %s", [event_id])


def test_an_intact_chain_verifies():
    events = _write(5)
    report = security_log.verify_chain(batch=2)
    assert (report.ok, report.checked) == (True, 5)
    assert SecurityChainHead.objects.get().last_hash == events[-1].hash
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_an_edited_row_is_detected():
    events = _write(5)
    with _bypass(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET username = 'somebody' WHERE id = %s", [events[2].pk])
    _assert_triggers_back(events[0].pk)
    report = security_log.verify_chain()
    assert (report.ok, report.broken_at, report.checked) == (False, events[2].pk, 2)
    assert "篡改" in report.reason


def test_an_edited_detail_is_detected():
    events = _write(3)
    with _bypass(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET success = %s WHERE id = %s", [False, events[1].pk])
    assert security_log.verify_chain().broken_at == events[1].pk


def test_a_deleted_row_is_detected():
    events = _write(5)
    with _bypass(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])
    report = security_log.verify_chain()
    assert (report.ok, report.broken_at) == (False, events[3].pk)
    assert "删除或插入" in report.reason


def test_deleting_the_newest_row_is_detected():
    events = _write(3)
    with _bypass(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])
    report = security_log.verify_chain()
    assert not report.ok and "最新记录被删除" in report.reason


def test_an_inserted_row_is_detected():
    events = _write(4)
    forged_prev = events[1].hash
    with connection.cursor() as cursor:
        # inserting needs no bypass: the trigger allows INSERT, the chain has to catch it
        cursor.execute(
            f"INSERT INTO {TABLE} (time, event_type, success, user_id_ref, username, role_code, ip, user_agent,"
            " request_id, object_type, object_id, detail, prev_hash, hash)"
            " VALUES (%s, 'login', %s, NULL, 'ghost', '', '', '', '', '', '', '{}', %s, %s)",
            [events[1].time, True, forged_prev, "f" * 64],
        )
    report = security_log.verify_chain()
    assert not report.ok
    assert report.broken_at > events[-1].pk  # the forged row comes last by id and fails its MAC


def test_a_replaced_row_with_a_recomputed_plain_hash_is_detected():
    """Without the audit key nobody can compute a valid MAC, even knowing the canonical form."""
    import hashlib

    events = _write(3)
    victim = SecurityEvent.objects.get(pk=events[1].pk)
    victim.username = "somebody"
    forged = hashlib.sha256(security_log._canonical(victim)).hexdigest()
    with _bypass(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET username = %s, hash = %s WHERE id = %s",
                       ["somebody", forged, events[1].pk])
    assert security_log.verify_chain().broken_at == events[1].pk


def test_command_exits_non_zero_on_a_broken_chain(capsys):
    events = _write(3)
    call_command("verify_audit_chain")
    assert "完整" in capsys.readouterr().out
    with _bypass(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET ip = '1.1.1.1' WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit_chain")
    assert f"#{events[0].pk}" in str(exc.value)


def test_command_line_exit_status(tmp_path):
    """``qinjian verify_audit_chain`` returns 1 when the chain is broken (CommandError -> exit 1)."""
    from django.core.management import ManagementUtility

    events = _write(2)
    with _bypass(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET ip = '1.1.1.1' WHERE id = %s", [events[1].pk])
    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["qinjian", "verify_audit_chain"]).execute()
    assert exc.value.code == 1


def test_a_rolled_back_transaction_leaves_the_chain_intact():
    _write(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        security_log.record("export", username="x")
        raise RuntimeError
    _write(1)
    assert security_log.verify_chain().ok
