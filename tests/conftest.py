"""Fixtures for the cross-cutting tests under tests/ (the permission matrix, the browser tests).

The lead's root conftest.py has the per-test ``mini_city``; tests/matrix builds its own world.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

_append_only = importlib.import_module("qinjian.core.migrations.0002_security_event_append_only")


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
