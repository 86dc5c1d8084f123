"""Concurrent appends to the security-event log on PostgreSQL (real connections, real commits)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from qinjian.core import context, security_log
from qinjian.core.models import SecurityChainHead, SecurityEvent

from .test_audit_chain import TABLE, _bypass


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_concurrent_appends_keep_one_chain(django_db_blocker):
    """Six threads with their own connections append at once; the head row lock keeps one chain.

    Not a pytest-django transactional test: its flush (TRUNCATE) would be refused by the trigger,
    so the committed rows are removed here, through the DBA bypass.
    """
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with context.acting(ip=f"10.0.0.{n}", source="cli"):
                for i in range(10):
                    security_log.record("export", username=f"w{n}", i=i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        assert SecurityEvent.objects.count() == 0
        try:
            threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
            assert SecurityEvent.objects.count() == 60
            report = security_log.verify_chain()
            assert (report.ok, report.checked) == (True, 60)
            assert SecurityChainHead.objects.get().count == 60
        finally:
            with _bypass(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE}")
            SecurityChainHead.objects.all().delete()
            connection.close()
