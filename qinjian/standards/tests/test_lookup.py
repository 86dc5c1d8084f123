import datetime
from decimal import Decimal

import pytest

from qinjian.core.errors import ValidationFailed
from qinjian.standards.errors import StandardNotFound
from qinjian.standards.models import StandardTable, StandardVersion
from qinjian.standards.selectors import standard
from qinjian.standards.services.versions import standard_version_create, standard_version_retire

pytestmark = pytest.mark.django_db
D = datetime.date


def _rows_from(version, **changes):
    rows = []
    for r in version.rows.order_by("sort_order"):
        values = dict(r.values)
        if r.key.get("rank") in changes:
            values["area"] = changes[r.key["rank"]]
        rows.append({"key": r.key, "values": values, "confidence": r.confidence, "note": r.note})
    return rows


def test_office_area_city_rank_is_24_square_metres():
    std = standard("office_area", on=D(2026, 5, 1))
    assert std.value("area", level="city", rank="C-3") == Decimal("24")
    assert std.version_code == "2014"
    assert std.source == "党政机关办公用房建设标准（发改投资〔2014〕2674号）"
    row = std.row(level="city", rank="C-3")
    assert row["rank_name"] == "正局(处)级"
    assert row.confidence == "C2"
    assert row.is_verified is True


def test_values_are_typed():
    equipment = standard("equipment_standard", on="2026-01-01")
    desktop = equipment.row(jurisdiction="central", item="desktop_pc")
    assert desktop["price_cap"] == Decimal("5000")
    assert desktop["min_years"] == 6
    assert desktop["asset_class"] == "A02010105"
    projector = equipment.row(jurisdiction="central", item="projector")
    assert projector["price_cap"] is None  # unknown is left empty, never invented
    assert standard("vehicle_replacement", on="2026-01-01").row(vehicle_type="general").confidence == "?"
    assert standard("energy_coal_factor", on="2026-01-01").value("factor", energy="electricity") == Decimal("0.1229")


def test_a_date_before_the_first_version_is_a_clear_error():
    with pytest.raises(StandardNotFound) as exc:
        standard("office_area", on=D(2010, 1, 1))
    assert exc.value.message == ("标准“办公室使用面积标准”在 2010-01-01 没有生效的版本，"
                                 "请系统管理员在标准库中补充该日期适用的版本。")
    assert exc.value.code == "standard_not_in_force"


def test_versions_by_publication_date():
    assert standard("co2_factor", on="2024-06-01").version_code == "2021年数据"
    assert standard("co2_factor", on="2024-12-20").version_code == "2022年数据"
    latest = standard("co2_factor", on="2026-05-01")
    assert latest.value("factor", energy="electricity", scope="national", data_year="2023") == Decimal("0.5306")
    assert standard("sme_share", on="2022-06-30").value("max_value", item="price_deduction") == Decimal("10")
    assert standard("sme_share", on="2022-07-01").value("max_value", item="price_deduction") == Decimal("20")


def test_new_version_applies_from_its_date_and_the_old_one_before():
    table = StandardTable.objects.get(name="office_area")
    old = StandardVersion.objects.get(table=table, code="2014")
    assert standard("office_area", on=D(2026, 6, 30)).value("area", level="city", rank="C-3") == Decimal("24")
    standard_version_create(table=table, code="2026", doc_title="测试新标准", effective_from=D(2026, 7, 1),
                            rows=_rows_from(old, **{"C-3": "26"}), based_on=old, close_previous=True)
    old.refresh_from_db()
    assert old.effective_to == D(2026, 6, 30)
    assert standard("office_area", on=D(2026, 6, 30)).value("area", level="city", rank="C-3") == Decimal("24")
    after = standard("office_area", on=D(2026, 7, 1))
    assert after.version_code == "2026"
    assert after.value("area", level="city", rank="C-3") == Decimal("26")


def test_retiring_leaves_a_gap_that_lookups_report():
    version = StandardVersion.objects.get(table__name="performance_grade", code="2020")
    assert standard("performance_grade", on="2026-01-01").value("min_score", grade="excellent") == Decimal("90")
    standard_version_retire(version=version, reason="测试")
    with pytest.raises(StandardNotFound) as exc:
        standard("performance_grade", on="2026-01-01")
    assert "没有生效的版本" in exc.value.message


def test_unknown_standard_key_and_row():
    with pytest.raises(StandardNotFound) as exc:
        standard("no_such_table")
    assert exc.value.message == "标准库中没有名为“no_such_table”的标准。"
    std = standard("office_area", on="2026-01-01")
    with pytest.raises(StandardNotFound) as exc:
        std.row(level="city", rank="C-9")
    assert exc.value.message == "标准“办公室使用面积标准”（2014版）中没有 机关层级=city，职级编码=C-9 的条目。"
    with pytest.raises(ValidationFailed) as exc:
        std.row(grade="x")
    assert exc.value.code == "standard_bad_key"
    with pytest.raises(ValidationFailed) as exc:
        standard("office_area", on="2026-13-01")
    assert exc.value.fields == {"on": ["日期格式应为 YYYY-MM-DD。"]}


def test_repeated_lookups_are_served_from_memory(django_assert_num_queries):
    standard("office_area", on="2026-02-01")
    with django_assert_num_queries(0):
        for _ in range(100):
            standard("office_area", on="2026-02-01").value("area", level="county", rank="X-1")


def test_lookups_on_other_days_of_the_same_version_cost_no_query(django_assert_num_queries):
    first = standard("office_area", on="2026-02-01")
    with django_assert_num_queries(0):  # cards booked on a thousand different days: one version, no query
        for offset in range(1000):
            std = standard("office_area", on=D(2020, 1, 1) + datetime.timedelta(days=offset))
            assert std is first
        with pytest.raises(StandardNotFound):
            standard("office_area", on=D(1990, 1, 1))  # before the first version: from memory too


def test_partial_keys_filter_rows():
    rows = standard("office_area", on="2026-01-01").filter(level="city")
    assert [r.key["rank"] for r in rows] == ["C-1", "C-2", "C-3", "C-4", "C-5"]
