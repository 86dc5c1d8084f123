"""Fixtures shared by every test (app tests, browser tests, the permission matrix)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from qinjian.org.choices import AdminLevel, UnitType
from qinjian.org.models import Unit
from qinjian.testing.factories import DepartmentFactory, PersonFactory, UnitFactory


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
