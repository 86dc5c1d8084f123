"""Fixtures shared by every test (app tests, browser tests, the permission matrix)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection

from qinjian.org.choices import AdminLevel, UnitType
from qinjian.org.models import Unit
from qinjian.testing.factories import DepartmentFactory, PersonFactory, UnitFactory

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


@dataclass
class MiniCity:
    city: Unit          # the city government (root)
    center: Unit        # the administration service center
    edu: Unit           # 市教育局
    edu_school: Unit    # a school under 市教育局
    health: Unit        # 市卫生健康委
    district: Unit      # 示范区 (a county-level unit)


@pytest.fixture
def mini_city(db) -> MiniCity:
    city = UnitFactory(code="SFS", name="示范市人民政府", short_name="市政府")
    center = UnitFactory(code="SFS-JGSW", name="示范市机关事务服务中心", short_name="机关事务中心", parent=city,
                         unit_type=UnitType.INSTITUTION_CIVIL)
    edu = UnitFactory(code="SFS-JYJ", name="示范市教育局", short_name="市教育局", parent=city, quota_admin=40)
    school = UnitFactory(code="SFS-JYJ-01", name="示范市第一中学", short_name="市一中", parent=edu,
                         unit_type=UnitType.INSTITUTION)
    health = UnitFactory(code="SFS-WJW", name="示范市卫生健康委员会", short_name="市卫健委", parent=city)
    district = UnitFactory(code="SFS-SFQ", name="示范区人民政府", short_name="示范区", parent=city,
                           level=AdminLevel.COUNTY)
    for unit in (center, edu, school, health):
        dept = DepartmentFactory(unit=unit, code=f"{unit.code}-BGS", name="办公室")
        PersonFactory.create_batch(3, unit=unit, department=dept)
    return MiniCity(city, center, edu, school, health, district)
