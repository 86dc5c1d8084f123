"""The units API: scope, permissions, validation, the tree, pagination and query counts."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from qinjian.accounts.api.authentication import token_create
from qinjian.core.models import ObjectChange
from qinjian.org.models import Department, Person, Unit
from qinjian.org.validators import credit_code_check_char
from qinjian.testing.factories import UnitFactory, make_user

pytestmark = pytest.mark.django_db

URL = "/api/org/units/"


def api_as(user: Any) -> APIClient:
    _, key = token_create(user=user, name="测试")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def state() -> tuple[Any, ...]:
    """Everything a denied request must leave as it was."""
    return (
        list(Unit.objects.order_by("pk").values_list("pk", "code", "name", "parent_id", "tree_path", "is_active")),
        Person.objects.count(), Department.objects.count(), ObjectChange.objects.count(),
    )


def credit(body9: str = "MB0123456") -> str:
    first17 = "12610100" + body9
    return first17 + credit_code_check_char(first17)


def names(response: Any) -> set[str]:
    return {row["short_name"] for row in response.json()["results"]}


@pytest.fixture
def edu_admin(mini_city):
    return make_user("unit_admin", mini_city.edu, scope="unit_tree")


@pytest.fixture
def office(mini_city):
    return make_user("center_office", mini_city.center)


# --- scope -----------------------------------------------------------------------------------------

def test_unit_admin_sees_own_tree_only(mini_city, edu_admin):
    client = api_as(edu_admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert names(response) == {"市教育局", "市一中"}
    assert client.get(f"{URL}{mini_city.edu_school.pk}/").json()["name"] == "示范市第一中学"
    outside = client.get(f"{URL}{mini_city.health.pk}/")
    assert outside.status_code == 404
    assert outside.json() == {"code": "not_found", "message": "对象不存在或不在您的数据范围内。", "fields": {}}
    # filters never widen the scope
    assert client.get(URL, {"within": mini_city.city.pk}).json()["count"] == 2
    assert client.get(URL, {"search": "卫生"}).json()["count"] == 0


def test_scope_all_sees_every_unit_in_tree_order(mini_city, office):
    rows = api_as(office).get(URL).json()["results"]
    assert [r["short_name"] for r in rows] == ["市政府", "机关事务中心", "市教育局", "市一中", "市卫健委", "示范区"]
    school = rows[3]
    assert school["parent"] == {"id": mini_city.edu.pk, "code": "SFS-JYJ", "name": "示范市教育局",
                                "short_name": "市教育局"}
    assert school["unit_type_display"] == "事业单位" and school["depth"] == 2
    assert "tree_path" not in school


@pytest.mark.parametrize("role", ["auditadmin", "secadmin"])
def test_roles_without_org_rights_get_nothing(mini_city, role):
    admin = make_user(role, mini_city.center)
    client = api_as(admin)
    if role == "auditadmin":
        response = client.get(URL)
        assert response.status_code == 403
        assert response.json() == {"code": "permission_denied", "message": "没有权限执行此操作。", "fields": {}}
        assert client.get(f"{URL}{mini_city.edu.pk}/").status_code == 403
    for path in ("/api/org/people/", "/api/org/departments/"):
        assert client.get(path).status_code == 403


# --- filters, search, ordering, pagination ---------------------------------------------------------

def test_filters_and_search(mini_city, office):
    client = api_as(office)

    def short(**params: Any) -> set[str]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return names(response)

    assert short(within=mini_city.edu.pk) == {"市教育局", "市一中"}
    assert short(parent=mini_city.city.pk) == {"机关事务中心", "市教育局", "市卫健委", "示范区"}
    assert short(level="county") == {"示范区"}
    assert short(unit_type="institution") == {"市一中"}
    assert short(search="一中") == {"市一中"}
    assert short(search="SFS-WJW") == {"市卫健委"}
    assert short(search="示范市 教育") == {"市教育局"}
    assert short(within=999999) == set()
    Unit.objects.filter(pk=mini_city.district.pk).update(is_active=False)
    assert short(is_active="false") == {"示范区"}
    assert len(short(is_active="true")) == 5
    codes = [r["code"] for r in client.get(URL, {"ordering": "-code", "within": mini_city.edu.pk}).json()["results"]]
    assert codes == ["SFS-JYJ-01", "SFS-JYJ"]
    unit = UnitFactory(parent=mini_city.edu, name="信用单位", credit_code=credit())
    assert [r["id"] for r in client.get(URL, {"search": credit()}).json()["results"]] == [unit.pk]


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"level": "galaxy"}, "level", "选择一个有效的选项。 galaxy 不在可用的选项中。"),
    ({"within": "abc"}, "within", "输入整数。"),
    ({"parent": "99999999999999999999"}, "parent", "确保该值小于或等于9223372036854775807。"),
])
def test_bad_filter_values_are_400(office, params, field, message):
    response = api_as(office).get(URL, params)
    assert response.status_code == 400
    assert response.json() == {"code": "validation_error", "message": "提交的数据有误，请检查各字段的错误说明。",
                               "fields": {field: [message]}}


def test_nul_and_oversized_search_never_fail(office):
    client = api_as(office)
    assert names(client.get(URL, {"search": "一中\x00"})) == {"市一中"}
    assert client.get(URL, {"search": "字" * 5000}).json()["count"] == 0
    assert client.get(URL, {"ordering": "tree_path; drop table"}).status_code == 200


def test_pagination(mini_city, office):
    client = api_as(office)
    first = client.get(URL, {"page_size": 4}).json()
    assert first["count"] == 6 and len(first["results"]) == 4
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/org/units/?page=2&page_size=4"
    second = client.get(first["next"]).json()
    assert [r["short_name"] for r in second["results"]] == ["市卫健委", "示范区"]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/org/units/?page_size=4"
    beyond = client.get(URL, {"page": 9})
    assert beyond.status_code == 404
    assert beyond.json() == {"code": "invalid_page", "message": "页码“9”无效或超出范围（共 1 页）。", "fields": {}}
    assert client.get(URL, {"page": "abc"}).json()["code"] == "invalid_page"
    # an unusable page size falls back to the default, a huge one is capped
    assert len(client.get(URL, {"page_size": "-3"}).json()["results"]) == 6
    assert len(client.get(URL, {"page_size": "100000"}).json()["results"]) == 6


def test_query_count_does_not_grow_with_page_size(mini_city, office, django_assert_max_num_queries):
    for i in range(110):
        UnitFactory(parent=mini_city.edu if i % 2 else mini_city.health, code=f"Q{i:03d}", name=f"单位{i}")
    client = api_as(office)
    for size in (10, 100):
        with django_assert_max_num_queries(8):
            response = client.get(URL, {"page_size": size, "ordering": "name"})
        assert len(response.json()["results"]) == size


# --- create and update -----------------------------------------------------------------------------

def body(**over: Any) -> dict[str, Any]:
    return {"code": "SFS-JYJ-02", "name": "示范市第二中学", "unit_type": "institution", "level": "city", **over}


def test_create_through_the_service(mini_city, office):
    before = ObjectChange.objects.count()
    response = api_as(office).post(URL, body(parent=mini_city.edu.pk, short_name="市二中", credit_code=credit(),
                                             quota_institution=80), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    unit = Unit.objects.get(code="SFS-JYJ-02")
    assert data["id"] == unit.pk and data["parent"]["id"] == mini_city.edu.pk and data["staffing_quota"] == 80
    assert unit.tree_path.startswith(mini_city.edu.tree_path) and unit.depth == 2
    change = ObjectChange.objects.get(content_type__model="unit", object_id=str(unit.pk), action="create")
    assert change.source == "api" and change.user_name
    assert ObjectChange.objects.count() == before + 1


def test_create_without_permission_is_403_and_changes_nothing(mini_city, edu_admin):
    before = state()
    response = api_as(edu_admin).post(URL, body(parent=mini_city.edu.pk), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert state() == before


def test_create_outside_scope_is_refused(mini_city):
    scoped_office = make_user("center_office", mini_city.edu, scope="unit_tree")
    client = api_as(scoped_office)
    before = state()
    response = client.post(URL, body(parent=mini_city.health.pk), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"parent": [f"编号为 {mini_city.health.pk} 的对象不存在或不在您的数据范围内。"]}
    response = client.post(URL, body(parent=None), format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "validation_error",
                               "message": "请选择上级单位：只有数据范围为“全部数据”的角色可以设置顶级单位。",
                               "fields": {"parent": ["请选择上级单位。"]}}
    assert state() == before
    assert client.post(URL, body(parent=mini_city.edu_school.pk), format="json").status_code == 201


@pytest.mark.parametrize(("payload", "fields"), [
    (body(parent=None, quota_admin="很多", unit_type="bank"),
     {"quota_admin": ["请填写合法的整数值。"], "unit_type": ["“bank” 不是合法选项。"]}),
    (body(parent=None, credit_code="12610100MB012345X"),
     {"credit_code": ["统一社会信用代码应为 18 位，由数字和大写字母组成（不含 I、O、S、V、Z）。"]}),
    (body(parent=None, credit_code=credit()[:17] + ("1" if credit()[-1] == "0" else "0")),
     {"credit_code": ["统一社会信用代码校验位不正确，请核对。"]}),
    (body(parent=None, code="SFS-JYJ"), {"code": ["单位编码“SFS-JYJ”已被使用。"]}),
    (body(parent=None, colour="red", nam="x"),
     {"colour": ["未知字段，请对照接口文档检查字段名。"], "nam": ["未知字段，请对照接口文档检查字段名。"]}),
    ({"parent": None}, {"code": ["该字段是必填项。"], "name": ["该字段是必填项。"],
                        "unit_type": ["该字段是必填项。"], "level": ["该字段是必填项。"]}),
])
def test_create_validation_errors(mini_city, office, payload, fields):
    before = state()
    response = api_as(office).post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["fields"] == fields
    assert state() == before


def test_malformed_and_wrongly_typed_bodies(office):
    client = api_as(office)
    before = state()
    response = client.post(URL, '{"code": "X", ', content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"code": "parse_error", "message": "请求内容格式不正确，请提交合法的 JSON。", "fields": {}}
    response = client.post(URL, "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"non_field_errors": ["无效数据。期待为字典类型，得到的是 list 。"]}
    response = client.post(URL, "code=X&name=Y", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json() == {"code": "unsupported_media_type",
                               "message": "不支持的请求内容类型，请使用 application/json。", "fields": {}}
    response = client.post(URL, body(name="\x00坏", parent=None), format="json")
    assert response.status_code == 400 and "name" in response.json()["fields"]
    assert state() == before


def test_update_in_scope_and_refusals(mini_city, edu_admin):
    client = api_as(edu_admin)
    url = f"{URL}{mini_city.edu_school.pk}/"
    response = client.patch(url, {"address": "学府路 1 号", "quota_worker": 5}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["address"] == "学府路 1 号"
    # a client may PUT back what it read; read-only fields are ignored
    full = client.get(url).json()
    full["name"] = "示范市第一中学（本部）"
    response = client.put(url, full, format="json")
    assert response.status_code == 200, response.json()
    assert Unit.objects.get(pk=mini_city.edu_school.pk).name == "示范市第一中学（本部）"
    before = state()
    assert client.patch(f"{URL}{mini_city.health.pk}/", {"address": "x"}, format="json").status_code == 404
    response = client.patch(url, {"parent": mini_city.health.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "parent": ["上级单位不能在此修改，请使用“调整上级单位”接口（POST units/{id}/move/）。"]}
    assert client.delete(url).status_code == 405
    assert state() == before


# --- move, deactivate, activate ---------------------------------------------------------------------

def test_move_subtree(mini_city, office):
    response = api_as(office).post(f"{URL}{mini_city.edu.pk}/move/", {"parent": mini_city.health.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["parent"]["id"] == mini_city.health.pk and response.json()["depth"] == 2
    school = Unit.objects.get(pk=mini_city.edu_school.pk)
    assert school.tree_path.startswith(Unit.objects.get(pk=mini_city.health.pk).tree_path) and school.depth == 3


def test_move_under_own_descendant_is_refused(mini_city, office):
    before = state()
    response = api_as(office).post(f"{URL}{mini_city.edu.pk}/move/", {"parent": mini_city.edu_school.pk},
                                   format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "validation_error", "message": "不能把单位移动到它自己或它的下级单位之下。",
                               "fields": {"parent": ["不能选择本单位或其下级单位作为上级。"]}}
    assert state() == before


def test_move_needs_the_move_permission(mini_city, edu_admin):
    before = state()
    response = api_as(edu_admin).post(f"{URL}{mini_city.edu_school.pk}/move/", {"parent": mini_city.edu.pk},
                                      format="json")
    assert response.status_code == 403
    assert state() == before


def test_deactivate_and_activate(mini_city, office):
    client = api_as(office)
    before = state()
    response = client.post(f"{URL}{mini_city.edu.pk}/deactivate/")
    assert response.status_code == 400
    assert response.json()["message"] == "该单位还有启用中的下级单位，请先停用或转移下级单位。"
    assert client.post(f"{URL}{mini_city.edu_school.pk}/deactivate/").json()["message"] == \
        "该单位还有在册人员，请先调出或停用人员。"
    assert state() == before
    response = client.post(f"{URL}{mini_city.district.pk}/deactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    response = client.post(f"{URL}{mini_city.district.pk}/activate/")
    assert response.status_code == 200 and response.json()["is_active"] is True


def test_deactivate_outside_scope_is_404(mini_city, edu_admin):
    before = state()
    assert api_as(edu_admin).post(f"{URL}{mini_city.district.pk}/deactivate/").status_code == 404
    assert state() == before
