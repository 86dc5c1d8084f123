"""Fixtures for the cross-cutting tests under tests/ (the permission matrix, the browser tests).

The lead's root conftest.py has the per-test ``mini_city``; tests/matrix builds its own world.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

_append_only = importlib.import_module("qinjian.core.migrations.0002_security_event_append_only")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test of the session restores the serialized database (serialized_rollback).

    Mixed, they break each other on PostgreSQL: the flush after a plain transactional test re-creates
    content types and roles (post_migrate), and the next serialized_rollback test then fails to load
    its copy ("duplicate key ... django_content_type"). So a plain one is made a serialized one.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            "transactional_db" in getattr(item, "fixturenames", ()) or "live_server" in getattr(item, "fixturenames", ()))
        if not transactional or (marker is not None and marker.kwargs.get("serialized_rollback")):
            continue
        kwargs = {**(marker.kwargs if marker is not None else {}), "transaction": True, "serialized_rollback": True}
        item.add_marker(pytest.mark.django_db(*(marker.args if marker is not None else ()), **kwargs), append=False)


@pytest.fixture(scope="session", autouse=True)
def _flushable_security_log() -> Iterator[None]:
    """Let the flush after a transactional test (live_server) empty the append-only security log.

    The table's triggers refuse DELETE/TRUNCATE, so Django's flush fails without this. Patched on the
    backend class (not the connection), so it covers every thread's connection and survives modules
    that patch and un-patch the instance for themselves.
    """
    from django.db import connection

    ops_class = type(connection.ops)
    original = ops_class.sql_flush

    def sql_flush(self: Any, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements = original(self, style, tables, **kwargs)
        if "core_securityevent" not in tables:
            return statements
        if self.connection.vendor == "postgresql":
            return ["ALTER TABLE core_securityevent DISABLE TRIGGER USER", *statements,
                    "ALTER TABLE core_securityevent ENABLE TRIGGER USER"]
        if self.connection.vendor == "sqlite":
            return [*_append_only.SQLITE_REVERSE, *statements, *_append_only.SQLITE]
        return statements

    ops_class.sql_flush = sql_flush
    yield
    ops_class.sql_flush = original
