"""Unit import: tree paths through the unit services, parents in any order, cycles, scope, idempotency."""

from __future__ import annotations

import pytest

from qinjian.core.errors import DomainError
from qinjian.core.importing.services import import_commit
from qinjian.core.models import ImportBatch, ObjectChange
from qinjian.org.models import Unit
from qinjian.testing.factories import make_user

from .test_import_support import UNIT_HEADER, run_import, unit_row, validate, xlsx

KIND = "org.unit"
pytestmark = pytest.mark.django_db
CREDIT = "91350100M000100Y43"  # a valid unified social credit code (checksum ok)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(mini_city):
    return make_user("center_office", mini_city.city)


def units_file(rows):
    return xlsx([UNIT_HEADER, *rows])


def assert_tree_consistent():
    for unit in Unit.objects.select_related("parent"):
        expected = (unit.parent.tree_path if unit.parent else "/") + Unit.path_segment(unit.pk) + "/"
        assert unit.tree_path == expected, unit.code
        assert unit.depth == (unit.parent.depth + 1 if unit.parent else 0), unit.code


def test_children_before_parents_in_the_file_get_right_tree_paths(admin, mini_city):
    rows = [
        unit_row("N-GRANDCHILD", "新孙单位", "N-CHILD", unit_type="事业单位"),
        unit_row("N-CHILD", "新子单位", "N-PARENT", quota_admin="1,200"),
        unit_row("N-PARENT", "新父单位", "SFS", credit=CREDIT, short="新父", address="人民路 1 号", phone="029-1"),
    ]
    batch = run_import(admin, KIND, units_file(rows))
    assert batch.counts["create"] == 3
    parent, child, grandchild = (Unit.objects.get(code=c) for c in ("N-PARENT", "N-CHILD", "N-GRANDCHILD"))
    assert parent.parent == mini_city.city and child.parent == parent and grandchild.parent == child
    assert grandchild.tree_path.startswith(child.tree_path) and child.tree_path.startswith(parent.tree_path)
    assert (parent.credit_code, parent.short_name, child.quota_admin, grandchild.unit_type) == (
        CREDIT, "新父", 1200, "institution")
    assert_tree_consistent()
    assert ObjectChange.objects.filter(content_type__model="unit", action="create",
                                       object_id__in=[str(u.pk) for u in (parent, child, grandchild)]).count() == 3


def test_reimport_is_idempotent(admin, mini_city):
    data = units_file([unit_row("I-1", "单位一", "SFS"), unit_row("I-2", "单位二", "I-1")])
    run_import(admin, KIND, data)
    units, changes = Unit.objects.count(), ObjectChange.objects.count()
    second = run_import(admin, KIND, data)
    assert (second.counts["create"], second.counts["update"], second.counts["unchanged"]) == (0, 0, 2)
    assert (Unit.objects.count(), ObjectChange.objects.count()) == (units, changes)


def test_update_and_move_keep_descendant_paths(admin, mini_city):
    rows = [unit_row("SFS-JYJ", "示范市教育局（更名）", "SFS-WJW", short="市教育局", quota_admin=40)]
    batch = validate(admin, KIND, units_file(rows))
    assert batch.counts["update"] == 1
    assert batch.preview["update"][0]["changes"] == ["单位名称：示范市教育局 → 示范市教育局（更名）",
                                                     "上级单位：SFS → SFS-WJW"]
    import_commit(batch=batch, user=admin)
    edu = Unit.objects.get(code="SFS-JYJ")
    school = Unit.objects.get(code="SFS-JYJ-01")
    assert edu.name == "示范市教育局（更名）" and edu.parent == mini_city.health
    assert school.tree_path.startswith(edu.tree_path) and edu.tree_path.startswith(mini_city.health.tree_path)
    assert_tree_consistent()


def test_unit_under_its_own_descendant_is_an_error(admin, mini_city):
    units = list(Unit.objects.values_list("code", "tree_path"))
    rows = [
        unit_row("SFS-JYJ", "示范市教育局", "SFS-JYJ-01"),  # the school is below the bureau
        unit_row("C-A", "甲", "C-B"),
        unit_row("C-B", "乙", "C-A"),
        unit_row("C-SELF", "自己", "C-SELF"),
    ]
    batch = validate(admin, KIND, units_file(rows))
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors == [
        {"row": 2, "column": "上级单位编码", "message": "上级单位“SFS-JYJ-01”是本单位的下级单位，不能把单位放到它自己的下级之下。"},
        {"row": 3, "column": "上级单位编码", "message": "上级单位“C-B”是本单位的下级单位，不能把单位放到它自己的下级之下。"},
        {"row": 4, "column": "上级单位编码", "message": "上级单位“C-A”是本单位的下级单位，不能把单位放到它自己的下级之下。"},
        {"row": 5, "column": "上级单位编码", "message": "上级单位不能是本单位。"},
    ]
    assert list(Unit.objects.values_list("code", "tree_path")) == units


def test_bad_values_are_reported_per_column(admin, mini_city):
    rows = [
        unit_row("B-1", "类型不对", "SFS", unit_type="公司", level="省级"),
        unit_row("B-2", "层级不对", "SFS", level="中央"),
        unit_row("B-3", "信用代码不对", "SFS", credit="91350100M000100Y44"),
        unit_row("B-4", "上级不存在", "NOPE"),
        unit_row("B-5", "编制为负", "SFS", quota_admin=-1),
        unit_row("B-6", "", "SFS"),
        unit_row("B-1", "重复", "SFS"),
    ]
    batch = validate(admin, KIND, units_file(rows))
    assert batch.errors == [
        {"row": 2, "column": "单位类型*", "message": "“公司”不是可选的单位类型，可选：党政机关、参照公务员法管理事业单位、事业单位、群团组织、国有企业、服务企业、其他。"},
        {"row": 3, "column": "行政层级*", "message": "“中央”不是可选的行政层级，可选：省级、市级、县级、乡级。"},
        {"row": 4, "column": "统一社会信用代码", "message": "统一社会信用代码校验位不正确，请核对。"},
        {"row": 5, "column": "上级单位编码", "message": "上级单位编码“NOPE”在系统和本文件中都不存在。"},
        {"row": 6, "column": "行政编制数", "message": "不能小于 0。"},
        {"row": 7, "column": "单位名称*", "message": "请填写单位名称。"},
        {"row": 8, "column": "单位编码*", "message": "单位编码“B-1”与第 2 行重复。"},
    ]
    assert not Unit.objects.filter(code__startswith="B-").exists()


def test_credit_code_of_another_unit_is_an_error(admin, mini_city):
    run_import(admin, KIND, units_file([unit_row("CR-1", "有代码", "SFS", credit=CREDIT)]))
    batch = validate(admin, KIND, units_file([unit_row("CR-2", "抢代码", "SFS", credit=CREDIT)]))
    assert batch.errors == [{"row": 2, "column": "统一社会信用代码", "message": "该统一社会信用代码已登记在其他单位。"}]


def test_scope_limits_which_units_may_be_imported(mini_city):
    officer = make_user("center_office", mini_city.edu, scope="unit_tree")
    before = list(Unit.objects.order_by("pk").values_list("code", "name", "parent_id"))
    rows = [
        unit_row("SFS-JYJ-02", "示范市第二中学", "SFS-JYJ", unit_type="事业单位"),  # under own bureau: fine
        unit_row("SFS-WJW", "卫健委改名", "SFS"),  # another bureau
        unit_row("OUT-1", "顶级新单位", ""),  # top level needs scope "all"
        unit_row("OUT-2", "挂到市政府下", "SFS"),
        unit_row("SFS-JYJ-01", "示范市第一中学", "SFS"),  # moving own school out of the scope
    ]
    batch = validate(officer, KIND, units_file(rows))
    assert batch.errors == [
        {"row": 3, "column": "单位编码*", "message": "无权导入该单位的数据。"},
        {"row": 4, "column": "单位编码*", "message": "无权导入该单位的数据。"},
        {"row": 5, "column": "上级单位编码", "message": "无权导入该单位的数据。"},
        {"row": 6, "column": "上级单位编码", "message": "无权导入该单位的数据。"},
    ]
    with pytest.raises(DomainError):
        import_commit(batch=batch, user=officer)
    assert list(Unit.objects.order_by("pk").values_list("code", "name", "parent_id")) == before
    ok = run_import(officer, KIND, units_file([rows[0]]))
    assert ok.counts["create"] == 1
    assert Unit.objects.get(code="SFS-JYJ-02").parent == mini_city.edu
