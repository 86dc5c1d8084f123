"""Fixtures shared by every test (app tests, browser tests, the permission matrix)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest
from django.db import connection

from qinjian.org.choices import AdminLevel, UnitType
from qinjian.org.models import Unit
from qinjian.testing.factories import DepartmentFactory, PersonFactory, UnitFactory

_append_only = importlib.import_module("qinjian.core.migrations.0002_security_event_append_only")


@pytest.fixture(scope="session", autouse=True)
def flushable_security_log():
    """Let the flush after transactional (live-server, browser) tests empty the append-only
    security log, then re-arm its triggers; they stay in force while tests run."""
    ops = connection.ops
    original = ops.sql_flush

    def sql_flush(style, tables, **kwargs):
        statements = original(style, tables, **kwargs)
        if "core_securityevent" not in tables:
            return statements
        if connection.vendor == "postgresql":
            return ["ALTER TABLE core_securityevent DISABLE TRIGGER USER", *statements,
                    "ALTER TABLE core_securityevent ENABLE TRIGGER USER"]
        return [*_append_only.SQLITE_REVERSE, *statements, *_append_only.SQLITE]

    ops.sql_flush = sql_flush
    yield
    del ops.sql_flush


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
