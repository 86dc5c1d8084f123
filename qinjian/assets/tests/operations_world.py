"""The people and cards of the 资产业务单 tests (used by tests/test_operations*.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qinjian.accounts.models import User
from qinjian.assets.models import Asset
from qinjian.org.models import Person
from qinjian.testing.factories import AssetFactory, PersonFactory, make_user
from qinjian.workflow.models import ApprovalRequest, ApprovalTask
from qinjian.workflow.services import approval_approve


@dataclass
class World:
    city: Any
    edu_officer: User        # 单位资产管理员 of 市教育局
    health_officer: User     # 单位资产管理员 of 市卫健委 (the receiving unit of transfers)
    school_officer: User     # 单位资产管理员 of 市一中 (another unit under 市教育局)
    center: User             # 中心资产管理处
    center2: User            # a second 中心资产管理处 user
    leader: User             # 中心领导
    staff: User              # 干部职工 of 市教育局, linked to a person
    staff_person: Person
    other_person: Person     # another person of 市教育局


def build_world(c: Any) -> World:
    staff_person = PersonFactory(unit=c.edu, name="张明")
    other_person = PersonFactory(unit=c.edu, name="李华")
    staff = make_user("staff", c.edu, full_name="张明")
    staff.person = staff_person
    staff.save(update_fields=["person"])
    return World(
        city=c,
        edu_officer=make_user("unit_asset_officer", c.edu, full_name="教育局资产员"),
        health_officer=make_user("unit_asset_officer", c.health, full_name="卫健委资产员"),
        school_officer=make_user("unit_asset_officer", c.edu_school, full_name="一中资产员"),
        center=make_user("center_asset", c.center, full_name="资产处甲"),
        center2=make_user("center_asset", c.center, full_name="资产处乙"),
        leader=make_user("center_leader", c.center, full_name="中心领导"),
        staff=staff, staff_person=staff_person, other_person=other_person,
    )


def card(unit: Any, **kwargs: Any) -> Asset:
    return AssetFactory(unit=unit, **kwargs)


def draft_card(unit: Any, **kwargs: Any) -> Asset:
    return AssetFactory(unit=unit, status="draft", booked_on=None, status_since=None, depreciation_start=None,
                        useful_life_months=None, **kwargs)


def big_card(unit: Any, value: str = "300000.00") -> Asset:
    return AssetFactory(unit=unit, name="越野车", original_value=Decimal(value), value_fiscal=Decimal(value))


def today() -> datetime.date:
    return timezone.localdate()


def approval_of(operation: Any) -> ApprovalRequest:
    return ApprovalRequest.objects.filter(object_id=operation.pk, content_type__model="assetoperation").latest("id")


def pending_task(approval: ApprovalRequest) -> ApprovalTask:
    return approval.tasks.get(status="pending")


def approve_all(operation: Any, *actors: User) -> ApprovalRequest:
    """Each actor approves the current step, in order; returns the request."""
    approval = approval_of(operation)
    for actor in actors:
        approval = approval_approve(approval=approval, actor=actor, comment="同意")
    return approval
