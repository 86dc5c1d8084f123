"""The people, departments, ranks and regions API."""

from __future__ import annotations

from typing import Any

import pytest

from qinjian.core.models import ObjectChange
from qinjian.org.choices import AdminLevel
from qinjian.org.models import Department, Person, Rank, Region, Unit
from qinjian.testing.factories import DepartmentFactory, PersonFactory, make_user

from .test_api_units import api_as

pytestmark = pytest.mark.django_db

PEOPLE = "/api/org/people/"
DEPTS = "/api/org/departments/"


def state() -> tuple[Any, ...]:
    return (
        list(Person.objects.order_by("pk").values_list("pk", "code", "name", "unit_id", "department_id", "phone_index",
                                                       "is_active", "status")),
        list(Department.objects.order_by("pk").values_list("pk", "unit_id", "code", "name", "is_active")),
        Unit.objects.count(), ObjectChange.objects.count(),
    )


@pytest.fixture
def edu_admin(mini_city):
    return make_user("unit_admin", mini_city.edu, scope="unit_tree")


def units_of(response: Any) -> set[int]:
    return {row["unit"]["id"] for row in response.json()["results"]}


# --- people: scope, phone, filters ------------------------------------------------------------------

def test_people_scope(mini_city, edu_admin):
    client = api_as(edu_admin)
    response = client.get(PEOPLE)
    assert response.json()["count"] == 6
    assert units_of(response) == {mini_city.edu.pk, mini_city.edu_school.pk}
    stranger = Person.objects.filter(unit=mini_city.health).first()
    assert client.get(f"{PEOPLE}{stranger.pk}/").status_code == 404
    assert client.get(PEOPLE, {"unit": mini_city.health.pk}).json()["count"] == 0
    assert client.get(PEOPLE, {"phone": stranger.phone}).json()["count"] == 0


def test_own_scope_sees_only_oneself(mini_city):
    me = Person.objects.filter(unit=mini_city.edu).first()
    staff = make_user("staff", mini_city.edu, person=me)
    rows = api_as(staff).get(PEOPLE).json()["results"]
    assert [r["id"] for r in rows] == [me.pk]
    assert rows[0]["phone"] == me.phone[:3] + "****" + me.phone[-4:]


def test_phone_is_masked_without_the_permission(mini_city, edu_admin):
    person = PersonFactory(unit=mini_city.edu, phone="13912345678", name="张三")
    full = api_as(edu_admin).get(f"{PEOPLE}{person.pk}/").json()
    assert full["phone"] == "13912345678"
    officer = make_user("unit_asset_officer", mini_city.edu)
    masked = api_as(officer).get(f"{PEOPLE}{person.pk}/").json()
    assert masked["phone"] == "139****5678"
    assert masked["unit"] == {"id": mini_city.edu.pk, "code": "SFS-JYJ", "name": "示范市教育局", "short_name": "市教育局"}
    assert masked["gender_display"] == "男" and masked["status_display"] == "在职"


def test_people_filters(mini_city, edu_admin):
    client = api_as(edu_admin)
    dept = Department.objects.get(unit=mini_city.edu_school)
    senior = Rank.objects.filter(level=AdminLevel.CITY).order_by("sort_order").first()
    person = PersonFactory(unit=mini_city.edu_school, department=dept, rank=senior, phone="13800001111",
                           name="李四", code="P-LS", staffing_type="institution", status="retired", is_active=False)

    def ids(**params: Any) -> list[int]:
        response = client.get(PEOPLE, params)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert len(ids(within=mini_city.edu_school.pk)) == 4
    assert len(ids(unit=mini_city.edu.pk)) == 3
    assert len(ids(department=dept.pk)) == 4
    assert ids(rank=senior.pk) == [person.pk]
    assert ids(phone="138-0000 1111") == [person.pk]
    assert ids(phone="13800001112") == []
    assert ids(staffing_type="institution") == [person.pk]
    assert ids(status="retired") == [person.pk]
    assert ids(is_active="false") == [person.pk]
    assert ids(search="李四") == [person.pk]
    assert ids(search="P-LS") == [person.pk]
    response = client.get(PEOPLE, {"status": "dead", "unit": "x"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"status", "unit"}


def test_people_query_count_is_constant(mini_city, edu_admin, django_assert_max_num_queries):
    dept = Department.objects.get(unit=mini_city.edu)
    PersonFactory.create_batch(110, unit=mini_city.edu, department=dept)
    client = api_as(edu_admin)
    for size in (10, 100):
        with django_assert_max_num_queries(8):
            response = client.get(PEOPLE, {"page_size": size, "ordering": "name"})
        assert len(response.json()["results"]) == size


# --- people: writes --------------------------------------------------------------------------------

def person_body(target: Unit, **over: Any) -> dict[str, Any]:
    return {"code": "P-NEW-1", "name": "王五", "gender": "F", "unit": target.pk, "phone": "13700002222", **over}


def test_create_person(mini_city, edu_admin):
    dept = Department.objects.get(unit=mini_city.edu_school)
    response = api_as(edu_admin).post(PEOPLE, person_body(mini_city.edu_school, department=dept.pk, post="教师"),
                                      format="json")
    assert response.status_code == 201, response.json()
    person = Person.objects.get(code="P-NEW-1")
    assert response.json()["id"] == person.pk and response.json()["phone"] == "13700002222"
    assert person.department == dept and person.phone == "13700002222"
    change = ObjectChange.objects.get(content_type__model="person", object_id=str(person.pk))
    assert change.after["phone"] == "137****2222" and change.source == "api"


def test_create_person_outside_scope(mini_city, edu_admin):
    before = state()
    foreign_dept = Department.objects.get(unit=mini_city.health)
    response = api_as(edu_admin).post(PEOPLE, person_body(mini_city.health, department=foreign_dept.pk),
                                      format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "unit": [f"编号为 {mini_city.health.pk} 的对象不存在或不在您的数据范围内。"],
        "department": [f"编号为 {foreign_dept.pk} 的对象不存在或不在您的数据范围内。"],
    }
    assert state() == before


@pytest.mark.parametrize(("over", "fields"), [
    ({"phone": "12345"}, {"phone": ["手机号码应为 11 位数字，以 1 开头。"]}),
    ({"gender": "X"}, {"gender": ["“X” 不是合法选项。"]}),
    ({"unit": "市教育局"}, {"unit": ["应为对象编号（整数），收到的是 str。"]}),
    ({"unit": True}, {"unit": ["应为对象编号（整数），收到的是 bool。"]}),
    ({"unit": 10**20}, {"unit": [f"编号为 {10**20} 的对象不存在或不在您的数据范围内。"]}),
    ({"phone": "139\x0012345678"}, {"phone": ["不能包含空字符（\\0）。"]}),
    ({"sort_order": -1}, {"sort_order": ["请确保该值大于或者等于 0。"]}),
    ({"name": ""}, {"name": ["该字段不能为空。"]}),
])
def test_person_validation(mini_city, edu_admin, over, fields):
    before = state()
    response = api_as(edu_admin).post(PEOPLE, person_body(mini_city.edu, **over), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == fields
    assert state() == before


def test_person_service_rules(mini_city, edu_admin):
    client = api_as(edu_admin)
    taken = Person.objects.filter(unit=mini_city.edu).first()
    other_dept = Department.objects.get(unit=mini_city.edu_school)
    county_rank = Rank.objects.filter(level=AdminLevel.COUNTY).first()
    before = state()
    response = client.post(PEOPLE, person_body(mini_city.edu, code=taken.code, department=other_dept.pk,
                                               rank=county_rank.pk), format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "validation_error", "message": "人员信息有误，请检查标红的字段。", "fields": {
        "code": [f"人员编号“{taken.code}”已被使用。"],
        "department": ["所选部门不属于该单位。"],
        "rank": [f"职级“{county_rank.name}”不适用于市级单位。"],
    }}
    assert state() == before


def test_update_and_deactivate_person(mini_city, edu_admin):
    client = api_as(edu_admin)
    person = Person.objects.filter(unit=mini_city.edu).first()
    response = client.patch(f"{PEOPLE}{person.pk}/", {"post": "副局长", "unit": mini_city.edu_school.pk,
                                                      "department": None}, format="json")
    assert response.status_code == 200, response.json()
    person.refresh_from_db()
    assert (person.post, person.unit_id, person.department_id) == ("副局长", mini_city.edu_school.pk, None)
    before = state()
    response = client.patch(f"{PEOPLE}{person.pk}/", {"unit": mini_city.health.pk}, format="json")
    assert response.status_code == 400 and state() == before
    response = client.post(f"{PEOPLE}{person.pk}/deactivate/", {"status": "active"}, format="json")
    assert response.json()["fields"] == {"status": ["停用人员时状态应为“调离”或“退休”。"]}
    response = client.post(f"{PEOPLE}{person.pk}/deactivate/", {"status": "retired"}, format="json")
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["status"]) == (False, "retired")


def test_person_writes_need_permission(mini_city):
    officer = make_user("unit_asset_officer", mini_city.edu)
    client = api_as(officer)
    person = Person.objects.filter(unit=mini_city.edu).first()
    before = state()
    assert client.post(PEOPLE, person_body(mini_city.edu), format="json").status_code == 403
    assert client.patch(f"{PEOPLE}{person.pk}/", {"name": "改"}, format="json").status_code == 403
    assert client.post(f"{PEOPLE}{person.pk}/deactivate/").status_code == 403
    assert state() == before


def test_edit_outside_scope_is_404(mini_city, edu_admin):
    client = api_as(edu_admin)
    stranger = Person.objects.filter(unit=mini_city.health).first()
    before = state()
    assert client.patch(f"{PEOPLE}{stranger.pk}/", {"name": "改"}, format="json").status_code == 404
    assert client.post(f"{PEOPLE}{stranger.pk}/deactivate/").status_code == 404
    assert state() == before


# --- departments ---------------------------------------------------------------------------------

def test_departments(mini_city, edu_admin):
    client = api_as(edu_admin)
    response = client.get(DEPTS)
    assert {r["unit"]["id"] for r in response.json()["results"]} == {mini_city.edu.pk, mini_city.edu_school.pk}
    assert client.get(DEPTS, {"unit": mini_city.edu.pk}).json()["count"] == 1
    response = client.post(DEPTS, {"unit": mini_city.edu.pk, "code": "JYK", "name": "基础教育科"}, format="json")
    assert response.status_code == 201, response.json()
    dept_id = response.json()["id"]
    before = state()
    response = client.post(DEPTS, {"unit": mini_city.edu.pk, "code": "JYK", "name": "重复"}, format="json")
    assert response.json()["fields"] == {"code": ["本单位已有编码为“JYK”的部门。"]}
    response = client.post(DEPTS, {"unit": mini_city.health.pk, "code": "X", "name": "越权"}, format="json")
    assert response.status_code == 400
    response = client.patch(f"{DEPTS}{dept_id}/", {"unit": mini_city.edu_school.pk}, format="json")
    assert response.json()["fields"] == {"unit": ["部门的所属单位不能修改，请在新单位下新增部门。"]}
    busy = Department.objects.get(unit=mini_city.edu, code="SFS-JYJ-BGS")
    response = client.post(f"{DEPTS}{busy.pk}/deactivate/")
    assert response.json()["message"] == "该部门还有在册人员，请先调整人员所在部门。"
    foreign = Department.objects.get(unit=mini_city.health)
    assert client.patch(f"{DEPTS}{foreign.pk}/", {"name": "改"}, format="json").status_code == 404
    assert state() == before
    response = client.patch(f"{DEPTS}{dept_id}/", {"name": "基础教育一科", "unit": mini_city.edu.pk}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "基础教育一科"
    assert response.json()["code"] == "JYK"
    assert client.post(f"{DEPTS}{dept_id}/deactivate/").json()["is_active"] is False


def test_department_query_count(mini_city, edu_admin, django_assert_max_num_queries):
    for i in range(105):
        DepartmentFactory(unit=mini_city.edu_school, code=f"K{i:03d}")
    client = api_as(edu_admin)
    for size in (10, 100):
        with django_assert_max_num_queries(8):
            assert len(client.get(DEPTS, {"page_size": size}).json()["results"]) == size


# --- reference data --------------------------------------------------------------------------------

def test_ranks_and_regions_are_read_only_reference_data(mini_city):
    staff = make_user("staff", mini_city.edu)
    client = api_as(staff)
    ranks = client.get("/api/org/ranks/", {"level": "city", "page_size": 100}).json()
    assert ranks["count"] == Rank.objects.filter(level="city").count() > 0
    assert {r["level_display"] for r in ranks["results"]} == {"市级"}
    assert client.post("/api/org/ranks/", {"code": "x"}, format="json").status_code == 405
    provider = make_user("provider", mini_city.center)
    assert api_as(provider).get("/api/org/ranks/").status_code == 403
    region = Region.objects.create(code="610000", name="陕西省", level="province")
    officer = make_user("unit_asset_officer", mini_city.edu)  # unit scope, yet regions are shared
    rows = api_as(officer).get("/api/org/regions/").json()["results"]
    assert [(r["id"], r["name"], r["level_display"]) for r in rows] == [(region.pk, "陕西省", "省级")]
    assert client.get("/api/org/regions/").status_code == 403  # staff lacks view_region
