"""The demo city: deterministic, valid, complete, idempotent, and reset only what it owns."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from qinjian.accounts.models import Role, RoleAssignment, User
from qinjian.accounts.services.auth import login_attempt
from qinjian.core import crypto
from qinjian.core.models import ObjectChange, SecurityEvent
from qinjian.demo import city
from qinjian.demo.build import DEMO_PASSWORD, DemoResetRefused, build_city, reset_city
from qinjian.demo.names import excluded_names
from qinjian.demo.plan import _org_code_check, build_plan, credit_code
from qinjian.org.choices import AdminLevel, StaffingType, UnitType
from qinjian.org.models import Department, Person, Region, Unit
from qinjian.org.services.people import PERSON_FIELDS, clean_person
from qinjian.org.validators import credit_code_error, mobile_error
from qinjian.testing.factories import UnitFactory, UserFactory

SMALL = 300  # people in the reduced city used where the full size adds nothing


def _counts() -> dict[str, int]:
    return {"regions": Region.objects.count(), "units": Unit.objects.count(),
            "departments": Department.objects.count(), "people": Person.objects.count(),
            "users": User.objects.count(), "assignments": RoleAssignment.objects.count(),
            "changes": ObjectChange.objects.count(), "events": SecurityEvent.objects.count()}


# --- the plan (no database) -----------------------------------------------------------------------

def test_plan_is_deterministic_and_city_sized():
    plan = build_plan()
    assert build_plan() == plan
    assert len(plan.people) == 2000
    municipal = [u for u in plan.units if u.parent == city.ROOT_CODE and u.level == AdminLevel.CITY]
    districts = [u for u in plan.units if u.parent == city.ROOT_CODE and u.level == AdminLevel.COUNTY]
    assert len(municipal) == 42
    assert [u.name for u in districts] == ["示范市示范区人民政府", "示范市新城区人民政府", "示范市东川县人民政府"]
    assert all(sum(1 for c in plan.units if c.parent == d.code) == 8 for d in districts)
    names = {u.name for u in plan.units}
    assert {"示范市机关事务服务中心", "示范市第一中学", "示范市第二中学", "示范市中心医院", "示范市公共资源交易中心",
            "示范市物业服务有限公司", "示范市餐饮管理有限公司", "示范市示范区机关事务服务中心"} <= names
    providers = [u for u in plan.units if u.unit_type == UnitType.PROVIDER]
    assert {u.parent for u in providers} == {"SFS-JGSW"}
    center_depts = [d.name for d in plan.departments if d.unit == "SFS-JGSW"]
    assert center_depts == ["办公室", "资产管理科", "公务用车管理科", "公物仓管理科", "财务采购科", "服务保障科",
                            "节能管理科", "安全信访科", "党建办公室"]


def test_plan_identifiers_are_valid_and_unique():
    plan = build_plan(people=20000, units=300)
    assert len(plan.units) == 300 and len(plan.people) == 20000
    codes = [u.credit_code for u in plan.units]
    assert len(set(codes)) == len(codes)
    assert [c for c in codes if credit_code_error(c)] == []
    phones = [p.phone for p in plan.people]
    assert len(set(phones)) == len(phones)
    assert [p for p in phones if mobile_error(p)] == []
    assert len({p.code for p in plan.people}) == 20000


def test_credit_code_check_characters():
    # A published sample code: organization-code check 4, final check 3.
    assert _org_code_check("M000100Y") == "4"
    code = credit_code(UnitType.PARTY_GOV, "619900", 0)
    assert code.startswith("11619900") and len(code) == 18 and credit_code_error(code) == ""
    assert credit_code(UnitType.PROVIDER, "619900", 3)[:10] == "91619900MA"


def test_people_are_plausible():
    plan = build_plan()
    levels = {u.code: u.level for u in plan.units}
    for person in plan.people:
        if person.rank:
            assert person.rank[0] == ("C" if levels[person.unit] == AdminLevel.CITY else "X"), person
    ranks = Counter(p.rank for p in plan.people)
    assert ranks["C-1"] == 1 and ranks["C-5"] + ranks["X-5"] > 0.8 * len(plan.people)
    assert not {p.name for p in plan.people} & excluded_names()
    assert {p.gender for p in plan.people} == {"M", "F"}
    mayor = plan.people[0]
    assert (mayor.unit, mayor.post, mayor.rank) == ("SFS", "市长", "C-1")
    # Some units carry more people than their quota, so that the staffing alerts have something to find.
    held = Counter((p.unit, p.staffing_type) for p in plan.people)
    over = [u.code for u in plan.units
            if held[(u.code, StaffingType.ADMIN)] > u.quota_admin
            or held[(u.code, StaffingType.INSTITUTION)] > u.quota_institution]
    assert set(over) == {"SFS-ZFB", "SFS-GAJ", "SFS-WJW", "SFS-SFQ-CZJ", "SFS-DCX-JYJ"}


# --- the command --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_demo_command_builds_the_city_and_a_second_run_changes_nothing():
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    root = Unit.objects.get(code="SFS", parent=None)
    assert root.name == "示范市人民政府"
    assert Unit.objects.filter(parent=root, level=AdminLevel.CITY).count() == 42
    assert Unit.objects.filter(parent=root, level=AdminLevel.COUNTY).count() == 3
    assert Person.objects.count() == 2000
    assert [c for c in Unit.objects.values_list("credit_code", flat=True) if credit_code_error(c or "")] == []
    assert Region.objects.get(code="619900").parent.code == "610000"
    # Bulk inserts still carry the blind index and one change-log row per person.
    person = Person.objects.select_related("unit", "rank").get(code="SFS-P000001")
    assert person.phone_index == crypto.blind_index(person.phone) != ""
    assert person.rank.level == person.unit.level
    assert ObjectChange.objects.filter(object_id=str(person.pk), content_type__model="person",
                                       action="create").count() == 1
    assert ObjectChange.objects.filter(content_type__model="person").count() == 2000
    assert Person.objects.filter(rank__isnull=False).exclude(rank__level=F("unit__level")).count() == 0
    # The bulk-inserted people pass the same validation as people entered through the service.
    for sample in Person.objects.select_related("unit", "department", "rank").order_by("id")[::97]:
        clean_person({f: getattr(sample, f) for f in PERSON_FIELDS}, instance=sample)
    assert "http://127.0.0.1:8000/" in text and DEMO_PASSWORD in text and "动态口令" in text

    before = _counts()
    out = io.StringIO()
    call_command("demo", "--no-logins", stdout=out)
    assert _counts() == before
    assert "未作改动" in out.getvalue()


@pytest.mark.django_db
def test_every_role_has_a_demo_login():
    Role.objects.create(code="extra_role", name="新增角色", kind="center", default_scope="all")
    build_city(build_plan(people=SMALL))
    for role in Role.objects.filter(is_active=True):
        assignments = list(RoleAssignment.objects.select_related("user").filter(role=role))
        assert assignments, role.code
        for assignment in assignments:
            assert assignment.user.must_change_password is False, role.code
            assert assignment.user.check_password(DEMO_PASSWORD), role.code
            assert assignment.scope == role.default_scope
    assert User.objects.get(username="demo_extra_role").unit.code == "SFS-JGSW"
    office = User.objects.get(username="office")
    assert (office.person.unit.code, office.person.department.name) == ("SFS-JGSW", "办公室")
    jyj = RoleAssignment.objects.get(user__username="jyj_admin")
    assert (jyj.unit.code, jyj.scope) == ("SFS-JYJ", "unit_tree")
    assert RoleAssignment.objects.get(user__username="sfq_admin").unit.code == "SFS-SFQ"
    assert RoleAssignment.objects.get(user__username="staff").scope == "own"
    assert User.objects.get(username="staff").person is not None
    assert set(User.objects.filter(role_assignments__role__requires_mfa=True).values_list("username", flat=True)) \
        == {"sysadmin", "secadmin", "auditadmin"}
    assert login_attempt(username="office", password=DEMO_PASSWORD).username == "office"


@pytest.mark.django_db
def test_reset_rebuilds_and_keeps_other_data():
    plan = build_plan(people=SMALL)
    build_city(plan)
    other = UnitFactory(code="OTHER", name="其他市人民政府")
    Person.objects.filter(code="SFS-P000001").update(name="改过的名字")
    counts = reset_city(plan)
    assert counts["people"] == SMALL and counts["units"] == len(plan.units) and counts["accounts"] == 22
    assert Unit.objects.filter(code__startswith="SFS").count() == 0
    assert Unit.objects.filter(pk=other.pk).exists()
    build_city(plan)
    assert Person.objects.get(code="SFS-P000001").name == plan.people[0].name
    assert Person.objects.count() == SMALL


@pytest.mark.django_db
def test_reset_refuses_and_changes_nothing_when_other_data_refers_to_the_city():
    plan = build_plan(people=SMALL)
    build_city(plan)
    outsider = UserFactory(unit=UnitFactory(code="OTHER", name="其他市人民政府"))
    # A real user's role anchored in the demo city: resetting would have to delete it, so it refuses.
    RoleAssignment.objects.create(user=outsider, role=Role.objects.get(code="center_office"),
                                  unit=Unit.objects.get(code="SFS-JGSW"), scope="all")
    before = _counts()
    with pytest.raises(DemoResetRefused, match="不能重置"):
        reset_city(plan)
    assert _counts() == before


@pytest.mark.django_db
def test_command_reports_bad_arguments_in_chinese():
    with pytest.raises(CommandError, match="人员总数"):
        call_command("demo", "--people", "0")
    with pytest.raises(CommandError, match="密码"):
        call_command("demo", "--people", "50", "--password", "short")
    assert Unit.objects.count() == 0
