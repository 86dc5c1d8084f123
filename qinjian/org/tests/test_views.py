"""Org pages: every page renders, scope holds, denials change nothing, export, query counts, errors."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from qinjian.accounts.models import Role
from qinjian.core.models import SecurityEvent, UserPreference
from qinjian.org.choices import PersonStatus
from qinjian.org.models import Department, Person, Unit
from qinjian.testing.factories import PersonFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, mini_city):
    """中心综合处: all org permissions over all data."""
    user = make_user("center_office", mini_city.center)
    client.force_login(user)
    return user


@pytest.fixture
def edu_admin(client, mini_city):
    """单位信息管理员 of 市教育局 with scope 本单位及下级单位."""
    user = make_user("unit_admin", mini_city.edu, scope="unit_tree")
    client.force_login(user)
    return user


def _table_pks(response) -> set[int]:
    return {row.pk for row in response.context["table"].rows}


def page_urls(city) -> list[str]:
    unit = city.edu
    person = Person.objects.filter(unit=unit).first()
    dept = Department.objects.filter(unit=unit).first()
    return [
        reverse("org:unit_list"),
        reverse("org:unit_list") + "?sort=-name&q=示范&level=city&is_active=true",
        reverse("org:unit_detail", args=[unit.pk]),
        *(reverse("org:unit_detail", args=[unit.pk]) + f"?tab={t}" for t in ("children", "departments", "people",
                                                                            "history")),
        reverse("org:unit_create"),
        reverse("org:unit_create") + f"?parent={unit.pk}",
        reverse("org:unit_edit", args=[unit.pk]),
        reverse("org:unit_move", args=[unit.pk]),
        reverse("org:unit_deactivate", args=[unit.pk]),
        reverse("org:department_list"),
        reverse("org:department_list") + f"?unit={unit.pk}&sort=-people_count",
        reverse("org:department_detail", args=[dept.pk]),
        reverse("org:department_detail", args=[dept.pk]) + "?tab=people",
        reverse("org:department_create"),
        reverse("org:department_edit", args=[dept.pk]),
        reverse("org:department_deactivate", args=[dept.pk]),
        reverse("org:person_list"),
        reverse("org:person_list") + f"?unit={unit.pk}&include_sub=on&department={dept.pk}&status=active",
        reverse("org:person_detail", args=[person.pk]),
        reverse("org:person_detail", args=[person.pk]) + "?tab=history",
        reverse("org:person_create"),
        reverse("org:person_create") + f"?unit={unit.pk}",
        reverse("org:person_edit", args=[person.pk]),
        reverse("org:person_deactivate", args=[person.pk]),
        reverse("core:home"),
        reverse("core:inbox"),
    ]


def test_every_page_renders_for_a_permitted_user(client, office, mini_city):
    for url in page_urls(mini_city):
        response = client.get(url)
        assert response.status_code == 200, url
    inactive = Unit.objects.get(pk=mini_city.district.pk)
    inactive.is_active = False
    inactive.save()
    assert client.get(reverse("org:unit_activate", args=[inactive.pk])).status_code == 200


@pytest.mark.parametrize("bad", ["?page=abc", "?page=99999", "?sort=nonsense", "?per_page=7", "?parent=xyz",
                                 "?level=moon", "?is_active=maybe", "?q=" + "长" * 500, "?tab=nope"])
def test_bad_query_parameters_never_fail(client, office, mini_city, bad):
    assert client.get(reverse("org:unit_list") + bad).status_code == 200
    assert client.get(reverse("org:person_list") + bad.replace("parent", "unit")).status_code == 200
    assert client.get(reverse("org:unit_detail", args=[mini_city.edu.pk]) + bad).status_code == 200


# --- scope ------------------------------------------------------------------------------------


def test_unit_admin_sees_only_own_unit_tree(client, edu_admin, mini_city):
    response = client.get(reverse("org:unit_list"))
    assert response.status_code == 200
    assert _table_pks(response) == {mini_city.edu.pk, mini_city.edu_school.pk}
    html = response.content.decode()
    assert "示范市教育局" in html and "示范市第一中学" in html
    assert "示范市卫生健康委员会" not in html

    people = client.get(reverse("org:person_list"))
    expected = set(Person.objects.filter(unit__in=[mini_city.edu, mini_city.edu_school]).values_list("pk", flat=True))
    assert _table_pks(people) == expected
    departments = client.get(reverse("org:department_list"))
    assert {d.unit_id for d in departments.context["table"].rows} == {mini_city.edu.pk, mini_city.edu_school.pk}


def test_unit_admin_gets_404_outside_scope(client, edu_admin, mini_city):
    health = mini_city.health
    person = Person.objects.filter(unit=health).first()
    dept = Department.objects.filter(unit=health).first()
    for url in (
        reverse("org:unit_detail", args=[health.pk]),
        reverse("org:unit_edit", args=[health.pk]),
        reverse("org:unit_deactivate", args=[health.pk]),
        reverse("org:person_detail", args=[person.pk]),
        reverse("org:person_edit", args=[person.pk]),
        reverse("org:person_deactivate", args=[person.pk]),
        reverse("org:department_detail", args=[dept.pk]),
        reverse("org:department_edit", args=[dept.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_deactivating_another_units_person_changes_nothing(client, edu_admin, mini_city):
    person = Person.objects.filter(unit=mini_city.health).first()
    before = Person.objects.filter(pk=person.pk).values().get()
    response = client.post(reverse("org:person_deactivate", args=[person.pk]), {"status": "transferred"})
    assert response.status_code == 404
    assert Person.objects.filter(pk=person.pk).values().get() == before


def test_editing_another_unit_by_post_changes_nothing(client, edu_admin, mini_city):
    health = mini_city.health
    before = Unit.objects.filter(pk=health.pk).values().get()
    response = client.post(reverse("org:unit_edit", args=[health.pk]),
                           {"name": "被篡改", "code": health.code, "unit_type": "party_gov", "level": "city"})
    assert response.status_code == 404
    assert client.post(reverse("org:unit_deactivate", args=[health.pk])).status_code == 404
    assert Unit.objects.filter(pk=health.pk).values().get() == before


def test_person_form_offers_only_units_in_scope(client, edu_admin, mini_city):
    response = client.get(reverse("org:person_create"))
    offered = set(response.context["form"].fields["unit"].queryset.values_list("pk", flat=True))
    assert offered == {mini_city.edu.pk, mini_city.edu_school.pk}
    count = Person.objects.count()
    response = client.post(reverse("org:person_create"), {
        "name": "越权", "code": "X-1", "gender": "M", "unit": mini_city.health.pk, "staffing_type": "admin",
        "status": "active", "sort_order": 0,
    })
    assert response.status_code == 200
    assert response.context["form"].errors["unit"] == ["所选单位不在您的管理范围内或已停用，请重新选择。"]
    assert Person.objects.count() == count


# --- permissions ------------------------------------------------------------------------------


def test_missing_permission_is_403_and_logged(client, mini_city):
    user = make_user("unit_asset_officer", mini_city.edu)  # view only, scope 本单位
    client.force_login(user)
    edu = mini_city.edu
    person = Person.objects.filter(unit=edu).first()
    before_unit = Unit.objects.filter(pk=edu.pk).values().get()
    before_person = Person.objects.filter(pk=person.pk).values().get()
    for url in (reverse("org:unit_create"), reverse("org:unit_edit", args=[edu.pk]),
                reverse("org:unit_move", args=[edu.pk]), reverse("org:person_create"),
                reverse("org:person_edit", args=[person.pk]), reverse("org:unit_list") + "?export=xlsx"):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("org:unit_deactivate", args=[edu.pk])).status_code == 403
    assert client.post(reverse("org:person_deactivate", args=[person.pk]), {"status": "retired"}).status_code == 403
    assert Unit.objects.filter(pk=edu.pk).values().get() == before_unit
    assert Person.objects.filter(pk=person.pk).values().get() == before_person
    assert SecurityEvent.objects.filter(event_type="access_denied", username=user.username).count() == 8
    assert not SecurityEvent.objects.filter(event_type="export").exists()


def test_list_without_view_permission_is_403(client, mini_city):
    user = make_user("center_service", mini_city.center)  # may view units, not people
    client.force_login(user)
    assert client.get(reverse("org:unit_list")).status_code == 200
    assert client.get(reverse("org:person_list")).status_code == 403


def test_detail_shows_only_permitted_actions(client, edu_admin, mini_city):
    html = client.get(reverse("org:unit_detail", args=[mini_city.edu.pk])).content.decode()
    assert reverse("org:unit_edit", args=[mini_city.edu.pk]) in html
    assert reverse("org:unit_move", args=[mini_city.edu.pk]) not in html  # no org.move_unit
    assert reverse("org:unit_create") not in html  # no org.add_unit


# --- export -----------------------------------------------------------------------------------


def test_invalid_filter_matches_nothing(client, office, mini_city):
    response = client.get(reverse("org:person_list") + f"?unit={mini_city.edu.pk + 999}")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "所选单位不在您的管理范围内或已停用，请重新选择。" in response.content.decode()


def test_export_filtered_units_and_security_event(client, office, mini_city):
    response = client.get(reverse("org:unit_list") + "?level=county&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "单位"
    assert rows[1][:4] == ("单位名称", "简称", "单位编码", "统一社会信用代码")
    assert [r[0] for r in rows[2:]] == ["示范区人民政府"]
    event = SecurityEvent.objects.get(event_type="export")
    assert event.username == office.username
    assert event.detail == {"obj_count": 1, "model": "org.unit", "filters": {"level": ["county"]}}


def test_export_people_phone_follows_permission(client, mini_city):
    role = Role.objects.create(code="exporter", name="导出员", kind="center", default_scope="all")
    role.permissions.set(Permission.objects.filter(content_type__app_label="org",
                                                   codename__in=["view_unit", "view_person", "export_person"]))
    officer = make_user("exporter", mini_city.center)  # export, but no full phone numbers
    client.force_login(officer)
    response = client.get(reverse("org:person_list") + f"?unit={mini_city.edu.pk}&export=xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    phone_col = rows[1].index("手机号码")
    people = list(Person.objects.filter(unit=mini_city.edu).order_by("sort_order", "id"))
    assert [r[phone_col] for r in rows[2:]] == [p.phone_masked for p in people]
    assert all("****" in r[phone_col] for r in rows[2:])
    client.force_login(make_user("center_asset", mini_city.center))  # org.view_* includes full phones
    response = client.get(reverse("org:person_list") + f"?unit={mini_city.edu.pk}&export=xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert [r[phone_col] for r in rows[2:]] == [p.phone for p in people]


# --- performance ------------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # warm up: the session's idle clock may be written on the first request
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_person_list_query_count_does_not_grow_with_rows(client, office, mini_city, django_assert_max_num_queries):
    unit = mini_city.health
    url = reverse("org:person_list") + f"?unit={unit.pk}&per_page=100"
    PersonFactory.create_batch(7, unit=unit, department=Department.objects.filter(unit=unit).first())
    assert Person.objects.filter(unit=unit).count() == 10
    small = _queries(client, url)
    PersonFactory.create_batch(50, unit=unit, department=Department.objects.filter(unit=unit).first())
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["table"].rows) == 60
    assert small <= 20


def test_unit_and_department_lists_query_count_constant(client, office, mini_city):
    from qinjian.testing.factories import DepartmentFactory, UnitFactory

    small_units = _queries(client, reverse("org:unit_list") + "?per_page=100")
    small_depts = _queries(client, reverse("org:department_list") + "?per_page=100")
    for i in range(20):
        unit = UnitFactory(parent=mini_city.edu, name=f"学校{i}")
        DepartmentFactory(unit=unit)
    assert _queries(client, reverse("org:unit_list") + "?per_page=100") == small_units
    assert _queries(client, reverse("org:department_list") + "?per_page=100") == small_depts


# --- forms and actions ------------------------------------------------------------------------


def test_unit_create_errors_are_inline_in_chinese(client, office, mini_city):
    count = Unit.objects.count()
    response = client.post(reverse("org:unit_create"), {
        "parent": mini_city.city.pk, "name": "新单位", "code": "SFS-JYJ", "credit_code": "12345",
        "unit_type": "party_gov", "level": "city", "sort_order": 0,
        "quota_admin": 0, "quota_institution": 0, "quota_worker": 0,
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "单位信息有误，请检查标红的字段。" in html
    form = response.context["form"]
    assert form.errors["code"] == ["单位编码“SFS-JYJ”已被使用。"]
    assert form.errors["credit_code"] == ["统一社会信用代码应为 18 位，由数字和大写字母组成（不含 I、O、S、V、Z）。"]
    assert 'class="invalid-feedback d-block">单位编码“SFS-JYJ”已被使用。' in html
    assert Unit.objects.count() == count


def test_unit_create_and_edit_through_services(client, office, mini_city):
    response = client.post(reverse("org:unit_create"), {
        "parent": mini_city.edu.pk, "name": "示范市第二中学", "short_name": "市二中", "code": "SFS-JYJ-02",
        "unit_type": "institution", "level": "city", "sort_order": 2,
        "quota_admin": 0, "quota_institution": 60, "quota_worker": 2,
    })
    unit = Unit.objects.get(code="SFS-JYJ-02")
    assert response.status_code == 302 and response["Location"] == unit.get_absolute_url()
    assert unit.parent_id == mini_city.edu.pk and unit.tree_path.startswith(mini_city.edu.tree_path)
    response = client.post(reverse("org:unit_edit", args=[unit.pk]), {
        "name": "示范市第二中学", "short_name": "二中", "code": "SFS-JYJ-02", "unit_type": "institution",
        "level": "city", "sort_order": 2, "quota_admin": 0, "quota_institution": 65, "quota_worker": 2,
    })
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.short_name, unit.quota_institution) == ("二中", 65)
    history = client.get(unit.get_absolute_url() + "?tab=history").content.decode()
    assert "事业编制数" in history and "60" in history and "65" in history and "简称" in history


def test_move_under_own_descendant_shows_service_error(client, office, mini_city):
    edu = mini_city.edu
    before = Unit.objects.filter(tree_path__startswith=edu.tree_path).values_list("pk", "tree_path", "parent_id")
    before = sorted(before)
    response = client.post(reverse("org:unit_move", args=[edu.pk]), {"parent": mini_city.edu_school.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "不能把单位移动到它自己或它的下级单位之下。" in html
    assert "不能选择本单位或其下级单位作为上级。" in html
    after = sorted(Unit.objects.filter(tree_path__startswith=edu.tree_path).values_list("pk", "tree_path",
                                                                                          "parent_id"))
    assert after == before


def test_move_unit(client, office, mini_city):
    school = mini_city.edu_school
    response = client.post(reverse("org:unit_move", args=[school.pk]), {"parent": mini_city.health.pk})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.parent_id == mini_city.health.pk


def test_deactivate_unit_with_people_shows_error_and_changes_nothing(client, office, mini_city):
    response = client.post(reverse("org:unit_deactivate", args=[mini_city.health.pk]))
    assert response.status_code == 200
    assert "该单位还有在册人员，请先调出或停用人员。" in response.content.decode()
    assert Unit.objects.get(pk=mini_city.health.pk).is_active is True


def test_deactivate_and_activate_empty_unit(client, office, mini_city):
    district = mini_city.district
    assert client.post(reverse("org:unit_deactivate", args=[district.pk])).status_code == 302
    assert Unit.objects.get(pk=district.pk).is_active is False
    assert client.post(reverse("org:unit_activate", args=[district.pk])).status_code == 302
    assert Unit.objects.get(pk=district.pk).is_active is True


def test_person_deactivate_in_scope(client, edu_admin, mini_city):
    person = Person.objects.filter(unit=mini_city.edu_school).first()
    response = client.post(reverse("org:person_deactivate", args=[person.pk]), {"status": "retired"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.is_active, person.status) == (False, PersonStatus.RETIRED)


def test_person_form_rejects_department_of_other_unit(client, office, mini_city):
    other_dept = Department.objects.filter(unit=mini_city.health).first()
    count = Person.objects.count()
    response = client.post(reverse("org:person_create") + f"?unit={mini_city.edu.pk}", {
        "name": "张三", "code": "P-NEW", "gender": "M", "unit": mini_city.edu.pk, "department": other_dept.pk,
        "staffing_type": "admin", "status": "active", "sort_order": 0, "phone": "12345",
    })
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["department"] == ["所选部门不属于该单位，请重新选择。"]
    assert Person.objects.count() == count


def test_person_create_and_phone_error_inline(client, office, mini_city):
    dept = Department.objects.filter(unit=mini_city.edu).first()
    data = {"name": "张三", "code": "P-NEW", "gender": "M", "unit": mini_city.edu.pk, "department": dept.pk,
            "staffing_type": "admin", "status": "active", "sort_order": 0, "phone": "12345"}
    response = client.post(reverse("org:person_create"), data)
    assert response.context["form"].errors["phone"] == ["手机号码应为 11 位数字，以 1 开头。"]
    assert "人员信息有误，请检查标红的字段。" in response.content.decode()
    response = client.post(reverse("org:person_create"), {**data, "phone": "13812345678"})
    person = Person.objects.get(code="P-NEW")
    assert response.status_code == 302
    assert (person.unit_id, person.department_id, person.phone) == (mini_city.edu.pk, dept.pk, "13812345678")


def test_person_form_dependent_choices_fragment(client, office, mini_city):
    response = client.get(reverse("org:person_create") + f"?unit={mini_city.health.pk}",
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="qj-person-dependent")
    html = response.content.decode()
    assert "<html" not in html and 'id="qj-person-dependent"' in html
    depts = Department.objects.filter(unit=mini_city.health)
    assert all(f'value="{d.pk}"' in html for d in depts)
    other = Department.objects.filter(unit=mini_city.edu).first()
    assert f'value="{other.pk}"' not in html


# --- people: search and phone -----------------------------------------------------------------


def test_person_search_by_name_code_and_exact_phone(client, office, mini_city):
    person = Person.objects.filter(unit=mini_city.edu).first()
    assert _table_pks(client.get(reverse("org:person_list") + f"?q={person.name}")) == {person.pk}
    assert _table_pks(client.get(reverse("org:person_list") + f"?q={person.phone}")) == {person.pk}
    assert _table_pks(client.get(reverse("org:person_list") + f"?q={person.phone[:8]}")) == set()


def test_include_subordinate_units_toggle(client, office, mini_city):
    url = reverse("org:person_list") + f"?unit={mini_city.edu.pk}"
    own = set(Person.objects.filter(unit=mini_city.edu).values_list("pk", flat=True))
    school = set(Person.objects.filter(unit=mini_city.edu_school).values_list("pk", flat=True))
    assert _table_pks(client.get(url)) == own
    assert _table_pks(client.get(url + "&include_sub=on")) == own | school


def test_phone_masked_without_permission(client, mini_city):
    person = Person.objects.filter(unit=mini_city.edu).first()
    viewer = make_user("unit_asset_officer", mini_city.edu)
    client.force_login(viewer)
    html = client.get(person.get_absolute_url()).content.decode()
    assert person.phone_masked in html and person.phone not in html
    admin = make_user("unit_admin", mini_city.edu)
    client.force_login(admin)
    assert person.phone in client.get(person.get_absolute_url()).content.decode()


# --- list machinery on org pages --------------------------------------------------------------


def test_htmx_request_swaps_only_results(client, office, mini_city):
    response = client.get(reverse("org:person_list") + "?q=测试", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="qj-results")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="qj-results"') and "<html" not in html
    assert "HX-Request" in response["Vary"]
    full = client.get(reverse("org:person_list") + "?q=测试")
    assert "<html" in full.content.decode() and "HX-Request" in full["Vary"]


def test_column_choice_persists_per_user(client, office, mini_city):
    url = reverse("org:unit_list")
    response = client.post(url, {"columns": ["code", "level"], "per_page": "50", "next": url + "?level=city"})
    assert response.status_code == 302 and response["Location"] == url + "?level=city"
    assert UserPreference.objects.get(user=office, key="list:org.unit").value == {
        "columns": ["code", "level"], "per_page": 50}
    page = client.get(url)
    assert page.context["table"].visible_names == ["name", "code", "level"]  # name cannot be hidden
    assert page.context["per_page"] == 50
    client.post(url, {"reset": "1"})
    assert not UserPreference.objects.filter(user=office).exists()


def test_sort_by_column_header(client, office, mini_city):
    names = [u.name for u in client.get(reverse("org:unit_list") + "?sort=-code").context["table"].rows]
    assert names == [u.name for u in Unit.objects.order_by("-code")]


def test_unit_list_tree_indent(client, office, mini_city):
    rows = client.get(reverse("org:unit_list")).context["table"].rows
    indents = {u.code: u.qj_indent for u in rows}
    assert indents["SFS"] == 0 and indents["SFS-JYJ"] == 1 and indents["SFS-JYJ-01"] == 2


def test_import_buttons_only_when_pages_exist(client, office, mini_city):
    from qinjian.core.ui.views import try_reverse

    html = client.get(reverse("org:unit_list")).content.decode()
    import_url = try_reverse("org:unit_import")
    assert (">导入<" in html.replace('<i class="bi bi-upload me-1"></i>', "")) == bool(import_url)
    assert "?export=xlsx" in html


def test_unit_staffing_panel_highlights_over_quota(client, office, mini_city):
    edu = mini_city.edu  # quota_admin=40 in the fixture
    Unit.objects.filter(pk=edu.pk).update(quota_admin=2)
    response = client.get(reverse("org:unit_detail", args=[edu.pk]))
    lines = {line.staffing_type: line for line in response.context["staffing"]}
    assert (lines["admin"].quota, lines["admin"].used, lines["admin"].over) == (2, 3, True)
    assert "超编" in response.content.decode()


def test_home_widgets_count_scope(client, edu_admin, mini_city):
    response = client.get(reverse("core:home"))
    widget = next(w for w in response.context["widgets"] if "org" in w)
    assert (widget["org"]["units"], widget["org"]["people"], widget["org"]["departments"]) == (2, 6, 2)


def test_changing_unit_refreshes_department_filter(client, office, mini_city):
    edu_dept = Department.objects.filter(unit=mini_city.edu).first()
    url = reverse("org:person_list") + f"?unit={mini_city.health.pk}&department={edu_dept.pk}"
    response = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="qj-results")
    html = response.content.decode()
    expected = set(Person.objects.filter(unit=mini_city.health).values_list("pk", flat=True))
    assert _table_pks(response) == expected  # the stale department is dropped
    assert 'id="qj-filter-field-department" hx-swap-oob="true"' in html
    health_dept = Department.objects.filter(unit=mini_city.health).first()
    assert f'value="{health_dept.pk}"' in html and f'value="{edu_dept.pk}"' not in html
