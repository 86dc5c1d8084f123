"""Fixtures of the approvals tests: the mini city with the people who apply and approve."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from qinjian.accounts.models import User
from qinjian.org.models import StaffingChangeRequest, Unit
from qinjian.org.services.staffing import staffing_request_create
from qinjian.testing.factories import make_user


@dataclass
class People:
    city: Any
    edu_admin: User        # unit_admin of 市教育局 (unit and descendants)
    school_admin: User     # unit_admin of 市一中
    health_admin: User     # unit_admin of 市卫健委 (another unit)
    office: User           # center_office, scope all
    office2: User          # a second center_office, scope all
    leader: User           # center_leader, scope all
    staff: User            # staff of 市教育局 (own records)


def build_people(c: Any) -> People:
    return People(
        city=c,
        edu_admin=make_user("unit_admin", c.edu, full_name="教育局管理员"),
        school_admin=make_user("unit_admin", c.edu_school, full_name="一中管理员"),
        health_admin=make_user("unit_admin", c.health, full_name="卫健委管理员"),
        office=make_user("center_office", c.center, full_name="综合处甲"),
        office2=make_user("center_office", c.center, full_name="综合处乙"),
        leader=make_user("center_leader", c.center, full_name="中心领导"),
        staff=make_user("staff", c.edu, full_name="普通职工"),
    )


@pytest.fixture
def people(mini_city: Any) -> People:
    return build_people(mini_city)


def staffing_request(unit: Unit, *, admin_delta: int = 5, reason: str = "机构改革新增职能") -> StaffingChangeRequest:
    unit.refresh_from_db()
    return staffing_request_create(unit=unit, new_quota_admin=unit.quota_admin + admin_delta,
                                   new_quota_institution=unit.quota_institution,
                                   new_quota_worker=unit.quota_worker, reason=reason)
