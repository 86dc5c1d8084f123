import datetime

import pytest

from qinjian.core.errors import ValidationFailed
from qinjian.standards.models import StandardRow, StandardTable, StandardVersion
from qinjian.standards.services.versions import (
    standard_version_create,
    standard_version_publish,
    standard_version_retire,
)

pytestmark = pytest.mark.django_db
D = datetime.date
ROW = {"key": {"grade": "excellent"}, "values": {"grade_name": "优", "min_score": "90", "max_score": "",
                                                 "description": ""}, "confidence": "C2", "note": ""}


@pytest.fixture
def table():
    return StandardTable.objects.get(name="performance_grade")


def _state(table):
    return (list(StandardVersion.objects.filter(table=table).values_list("code", "status", "effective_from",
                                                                          "effective_to").order_by("pk")),
            StandardRow.objects.filter(version__table=table).count())


def test_overlapping_active_versions_are_refused_and_nothing_changes(table):
    before = _state(table)
    with pytest.raises(ValidationFailed) as exc:
        standard_version_create(table=table, code="2026", doc_title="测试", effective_from=D(2026, 1, 1), rows=[ROW])
    assert exc.value.message == ("生效期间与现行版本“2020”（2020-02-25 至 长期）重叠。同一标准同一日期只能有一个生效版本，"
                                 "请调整生效日期，或先调整、废止该版本。")
    assert "effective_from" in exc.value.fields
    assert _state(table) == before


def test_a_version_starting_before_the_copied_one_is_refused(table):
    old = StandardVersion.objects.get(table=table, code="2020")
    with pytest.raises(ValidationFailed) as exc:
        standard_version_create(table=table, code="2019", doc_title="测试", effective_from=D(2019, 1, 1),
                                rows=[ROW], based_on=old, close_previous=True)
    assert exc.value.message == "新版本的生效日期须晚于所复制版本的生效日期（2020-02-25）。"
    old.refresh_from_db()
    assert old.effective_to is None


def test_a_closed_range_before_the_first_version_is_accepted(table):
    version = standard_version_create(table=table, code="2019", doc_title="测试", effective_from=D(2019, 1, 1),
                                      effective_to=D(2020, 2, 24), rows=[ROW])
    assert version.status == "active"
    assert version.rows.count() == 1


def test_draft_does_not_overlap_until_published(table):
    draft = standard_version_create(table=table, code="草稿1", doc_title="测试", effective_from=D(2026, 1, 1),
                                    rows=[ROW], status="draft")
    assert draft.status == "draft"
    with pytest.raises(ValidationFailed) as exc:
        standard_version_publish(version=draft)
    assert "重叠" in exc.value.message
    draft.refresh_from_db()
    assert draft.status == "draft"
    standard_version_retire(version=StandardVersion.objects.get(table=table, code="2020"), reason="被替代")
    assert standard_version_publish(version=draft).status == "active"


def test_rows_are_validated(table):
    bad = [
        {"key": {"grade": "a"}, "values": {"min_score": "九十"}, "confidence": "C2"},
        {"key": {"grade": "a"}, "values": {}, "confidence": "C2"},
        {"key": {"grade": ""}, "values": {"min_score": "1"}, "confidence": "C2"},
        {"key": {"grade": "b"}, "values": {}, "confidence": "X"},
    ]
    with pytest.raises(ValidationFailed) as exc:
        standard_version_create(table=table, code="x", doc_title="测试", effective_from=D(2030, 1, 1), rows=bad)
    assert exc.value.fields["rows"] == [
        "第 1 行“分数下限（含）”：“九十”不是有效的数值。",
        "第 2 行：查询条件与第 1 行重复。",
        "第 3 行：请填写查询条件（等级编码）。",
        "第 4 行：请选择可信度。",
    ]
    assert not StandardVersion.objects.filter(code="x").exists()


def test_version_code_unique_and_dates_ordered(table):
    with pytest.raises(ValidationFailed) as exc:
        standard_version_create(table=table, code="2020", doc_title="", effective_from=D(2030, 1, 2),
                                effective_to=D(2030, 1, 1), rows=[ROW])
    assert exc.value.fields == {"code": ["版本号“2020”已存在。"], "doc_title": ["请填写依据文件名称。"],
                                "effective_to": ["失效日期不能早于生效日期。"]}


def test_every_change_is_change_logged(table):
    from qinjian.core.audit import history_for

    old = StandardVersion.objects.get(table=table, code="2020")
    new = standard_version_create(table=table, code="2031", doc_title="测试", effective_from=D(2031, 1, 1),
                                  rows=[ROW], based_on=old, close_previous=True)
    assert [c.action for c in history_for(new)] == ["update", "create"]
    assert history_for(new).first().message == "录入 1 行数据（复制自版本“2020”）"
    change = history_for(old).order_by("-pk").first()
    assert change.changed_fields == ["effective_to"]
    assert change.after["effective_to"] == "2030-12-31"
