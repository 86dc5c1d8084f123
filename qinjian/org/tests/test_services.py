"""Org services: the unit tree, validation, deactivation."""

import pytest

from qinjian.core.errors import ValidationFailed
from qinjian.core.models import ObjectChange
from qinjian.org.choices import AdminLevel
from qinjian.org.models import Person, Rank, Unit
from qinjian.org.services.people import person_create, person_deactivate
from qinjian.org.services.units import (
    department_create,
    unit_activate,
    unit_create,
    unit_deactivate,
    unit_move,
    unit_update,
)
from qinjian.org.validators import credit_code_check_char, credit_code_error
from qinjian.testing.factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_tree_paths_follow_parents(mini_city):
    assert mini_city.edu_school.tree_path.startswith(mini_city.edu.tree_path)
    assert mini_city.edu_school.depth == 2
    assert set(mini_city.edu.descendants().values_list("name", flat=True)) == {"示范市第一中学"}
    assert [u.name for u in mini_city.edu_school.ancestors()] == ["示范市人民政府", "示范市教育局"]


def test_move_rewrites_the_whole_subtree(mini_city):
    grandchild = UnitFactory(parent=mini_city.edu_school, name="一中分校")
    unit_move(unit=mini_city.edu, new_parent=mini_city.health)
    for unit in (mini_city.edu, mini_city.edu_school, grandchild):
        unit.refresh_from_db()
    assert mini_city.edu.parent == mini_city.health
    assert mini_city.edu.tree_path.startswith(mini_city.health.tree_path)
    assert mini_city.edu_school.tree_path.startswith(mini_city.edu.tree_path)
    assert grandchild.tree_path.startswith(mini_city.edu_school.tree_path)
    assert (mini_city.edu.depth, mini_city.edu_school.depth, grandchild.depth) == (2, 3, 4)
    move_log = ObjectChange.objects.filter(object_id=str(mini_city.edu.pk), message__contains="调整").get()
    assert move_log.after == {"parent_id": mini_city.health.pk}


def test_move_under_own_descendant_is_refused_and_changes_nothing(mini_city):
    before = list(Unit.objects.order_by("pk").values_list("pk", "tree_path", "parent_id"))
    with pytest.raises(ValidationFailed) as exc:
        unit_move(unit=mini_city.edu, new_parent=mini_city.edu_school)
    assert "下级" in exc.value.message
    with pytest.raises(ValidationFailed):
        unit_move(unit=mini_city.edu, new_parent=mini_city.edu)
    assert list(Unit.objects.order_by("pk").values_list("pk", "tree_path", "parent_id")) == before


def test_unit_validation_messages(mini_city):
    with pytest.raises(ValidationFailed) as exc:
        unit_create(parent=mini_city.city, code="SFS-JYJ", name="", unit_type="bogus", level="city",
                    credit_code="123")
    fields = exc.value.fields
    assert fields["code"] == ["单位编码“SFS-JYJ”已被使用。"]
    assert fields["name"] == ["请填写单位名称。"]
    assert "unit_type" in fields and "credit_code" in fields


def test_credit_code_checksum():
    body = "11610000MB0000000"
    good = body + credit_code_check_char(body)
    assert credit_code_error(good) == ""
    wrong = body + ("0" if good[-1] != "0" else "1")
    assert credit_code_error(wrong) == "统一社会信用代码校验位不正确，请核对。"
    assert credit_code_error("91110000I00000000X") != ""  # letter I is not allowed


def test_update_keeps_credit_code_unique(mini_city):
    body = "11610000MB0000001"
    code = body + credit_code_check_char(body)
    unit_update(unit=mini_city.edu, credit_code=code.lower())
    mini_city.edu.refresh_from_db()
    assert mini_city.edu.credit_code == code
    with pytest.raises(ValidationFailed) as exc:
        unit_update(unit=mini_city.health, credit_code=code)
    assert exc.value.fields["credit_code"] == ["该统一社会信用代码已登记在其他单位。"]


def test_deactivate_refuses_units_with_active_children_or_people(mini_city):
    with pytest.raises(ValidationFailed):
        unit_deactivate(unit=mini_city.edu)  # has 市一中
    with pytest.raises(ValidationFailed):
        unit_deactivate(unit=mini_city.edu_school)  # has people
    for person in Person.objects.filter(unit=mini_city.edu_school):
        person_deactivate(person=person)
    unit_deactivate(unit=mini_city.edu_school)
    mini_city.edu_school.refresh_from_db()
    assert not mini_city.edu_school.is_active
    with pytest.raises(ValidationFailed):
        department_create(unit=mini_city.edu_school, code="X", name="新科室")
    unit_activate(unit=mini_city.edu_school)
    mini_city.edu_school.refresh_from_db()
    assert mini_city.edu_school.is_active


def test_person_rules(mini_city):
    county_rank = Rank.objects.get(code="X-3")
    with pytest.raises(ValidationFailed) as exc:
        person_create(code="", name="张三", gender="X", unit=mini_city.edu, rank=county_rank,
                      department=mini_city.health.departments.first(), phone="1391234")
    fields = exc.value.fields
    assert fields["code"] == ["请填写人员编号。"]
    assert fields["gender"] == ["请选择性别。"]
    assert fields["department"] == ["所选部门不属于该单位。"]
    assert fields["rank"] == ["职级“正科级”不适用于市级单位。"]
    assert fields["phone"] == ["手机号码应为 11 位数字，以 1 开头。"]
    person = person_create(code="T001", name="张三", gender="M", unit=mini_city.edu,
                           rank=Rank.objects.get(code="C-5"), phone="139 1234 5678")
    assert person.phone == "13912345678"
    assert Person.objects.filter(phone_index=person.phone_index).count() == 1
    with pytest.raises(ValidationFailed) as exc:
        person_create(code="T001", name="李四", gender="F", unit=mini_city.edu)
    assert exc.value.fields["code"] == ["人员编号“T001”已被使用。"]


def test_level_choices_cover_ranks():
    assert set(Rank.objects.values_list("level", flat=True)) == {
        AdminLevel.PROVINCE, AdminLevel.CITY, AdminLevel.COUNTY}
    assert Rank.objects.filter(level=AdminLevel.CITY).count() == 5


def test_person_factory_uses_unit_level_rank(mini_city):
    person = PersonFactory(unit=mini_city.district)
    assert person.rank.level == AdminLevel.COUNTY
