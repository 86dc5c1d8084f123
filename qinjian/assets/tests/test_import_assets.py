"""Legacy-ledger import: a messy workbook through the pipeline, errors, confirmations, idempotence."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from openpyxl import Workbook

from qinjian.assets import classify
from qinjian.assets.choices import AssetStatus, EventKind, MovementKind
from qinjian.assets.models import Asset, AssetEvent, AssetMovement
from qinjian.core.errors import DomainError, ValidationFailed
from qinjian.core.importing import get_spec
from qinjian.core.importing.services import (
    import_commit,
    import_decide,
    import_upload,
    import_validate,
    pending_confirmations,
)
from qinjian.core.models import ImportBatch
from qinjian.testing.factories import DepartmentFactory, PersonFactory, make_user

pytestmark = pytest.mark.django_db
Status = ImportBatch.Status

HEADER_TOP = ["序号", "卡片编号", "名称", "规格型号", "品牌", "资产分类代码", "数量", "计量单位", "价值", None, None,
              "购置日期", "入账日期", "使用部门", "使用人", "存放地点", "使用状况", "累计折旧", "备注"]
HEADER_SUB = [None, None, None, None, None, None, None, None, "原值", "财政拨款", "非财政拨款"] + [None] * 8


def row(i: int, code: str, name: str, spec: str = "", klass: Any = "", value: Any = "5,600.00",
        fiscal: Any = None, nonfiscal: Any = None, acquired: Any = "2019.5", booked: Any = None, dept: str = "办公室",
        person: str = "", place: str = "301室", status: str = "在用", dep: Any = "1,000", qty: Any = 1) -> list[Any]:
    return [i, code, name, spec, "", klass, qty, "台", value, fiscal, nonfiscal, acquired, booked, dept, person,
            place, status, dep, ""]


def workbook(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "固定资产台账"
    ws.append(["示范市教育局固定资产明细账"])
    ws.merge_cells("A1:S1")
    ws.append(["填报单位：示范市教育局", None, None, None, None, None, None, None, "金额单位：元"])
    ws.append(HEADER_TOP)
    ws.merge_cells("I3:K3")
    ws.append(HEADER_SUB)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


MESSY = [
    row(1, "JY-0001", "联想启天M430台式机", "M430", value="5,600.00", acquired="2019.5"),
    row(2, "JY-0002", "办公桌", "1.4米", klass="A05010201", value="１２００元", acquired="2018年3月", dep="300"),
    row(3, "JY-0003", "服务器", "DELL R740", klass="A02010103", value=48000, fiscal=40000, nonfiscal=8000,
        acquired=43600, booked=datetime.datetime(2019, 5, 20), dep=""),  # 2013 catalogue code, Excel serial
    row(4, "JY-0004", "复印机", "", klass="2020000", value="12,000.00", acquired="2020/06/01", status="闲置"),
    row(5, "JY-0005", "杂项物品一批", "", value="800", acquired="2017-01-01", qty="3件", dep="0"),  # no class
    row(6, "JY-0006", "打印机", "", value="1,500", acquired="2021.10", dep="200"),  # low confidence
]


@pytest.fixture(autouse=True)
def _fresh_classifier():
    classify.reset_cache()
    yield
    classify.reset_cache()


@pytest.fixture
def officer(mini_city):
    DepartmentFactory(unit=mini_city.edu, name="办公室", code="BGS")
    return make_user("unit_asset_officer", mini_city.edu)


def upload(user: Any, data: bytes, unit: Any, name: str = "台账.xlsx") -> ImportBatch:
    spec = get_spec("assets.asset")
    options = spec.clean_options({"unit": str(unit.pk)}, user)
    batch = import_upload(user=user, kind="assets.asset", upload=io.BytesIO(data), name=name, options=options)
    return import_validate(batch=batch, user=user)


def confirm_all(batch: ImportBatch, user: Any, **overrides: str) -> ImportBatch:
    pending = pending_confirmations(batch)
    decisions = {int(p["row"]): overrides.get(str(p["row"]), p["suggested"] or "A02021003") for p in pending}
    return import_decide(batch=batch, user=user, decisions=decisions)


def test_messy_ledger_preview_confirm_and_commit(mini_city, officer):
    batch = upload(officer, workbook(MESSY), mini_city.edu)
    assert batch.status == Status.VALIDATED, batch.errors
    assert batch.header_row == 4 and batch.total_rows == 6
    pending = {p["row"]: p for p in pending_confirmations(batch)}
    # data from sheet row 5: 杂项物品 (row 9) cannot be classified, 打印机 (row 10) is a guess
    assert set(pending) == {9, 10}
    assert pending[9]["suggested"] == "" and pending[10]["suggested"] == "A02021003"
    assert batch.counts["confirm"] == len(pending)
    with pytest.raises(DomainError, match="需要确认"):
        import_commit(batch=batch, user=officer)
    assert Asset.objects.count() == 0

    with pytest.raises(ValidationFailed, match="不是 GB/T 14885-2022 的分类代码"):
        import_decide(batch=batch, user=officer, decisions={9: "X123"})
    batch = confirm_all(batch, officer, **{"9": "A05010502"})
    assert batch.status == Status.VALIDATED and "confirm" not in batch.counts
    assert batch.counts["create"] == 6
    batch = import_commit(batch=batch, user=officer)
    assert batch.status == Status.COMMITTED and batch.counts["created"] == 6

    cards = {a.legacy_code: a for a in Asset.objects.filter(unit=mini_city.edu)}
    assert len(cards) == 6
    desktop = cards["JY-0001"]
    assert desktop.class_code == "A02010105" and desktop.original_value == Decimal("5600.00")
    assert desktop.acquired_on == datetime.date(2019, 5, 1) and desktop.booked_on == datetime.date(2019, 5, 1)
    assert desktop.opening_depreciation == desktop.accumulated_depreciation == Decimal("1000.00")
    assert desktop.department.name == "办公室" and desktop.status == AssetStatus.IN_USE
    assert desktop.code.startswith("ZC-")
    assert cards["JY-0002"].original_value == Decimal("1200.00") and cards["JY-0002"].class_code == "A05010201"
    assert cards["JY-0002"].acquired_on == datetime.date(2018, 3, 1)
    server = cards["JY-0003"]
    assert server.class_code == "A02010104" and server.legacy_class_code == "A02010103"
    assert (server.value_fiscal, server.value_nonfiscal) == (Decimal("40000.00"), Decimal("8000.00"))
    assert server.acquired_on == datetime.date(2019, 5, 15) and server.booked_on == datetime.date(2019, 5, 20)
    assert cards["JY-0004"].status == AssetStatus.IDLE
    assert cards["JY-0004"].class_code == "A02020100"  # 2010 code 办公设备, refined by the name 复印机
    assert cards["JY-0005"].class_code == "A05010502" and cards["JY-0005"].quantity == 3
    assert all(a.class_confirmed for a in cards.values())
    # booked with the import event and BOOK journal lines, as ledger.book would
    assert set(AssetEvent.objects.filter(asset__in=cards.values()).values_list("kind", flat=True)) == {EventKind.IMPORTED}
    moves = AssetMovement.objects.filter(unit=mini_city.edu)
    assert set(moves.values_list("kind", flat=True)) == {MovementKind.BOOK}
    assert moves.aggregate(v=Sum("value"))["v"] == Decimal("5600") + 1200 + 48000 + 12000 + 800 + 1500


def test_reimport_is_idempotent_and_updates(mini_city, officer):
    data = workbook(MESSY)
    batch = confirm_all(upload(officer, data, mini_city.edu), officer)
    import_commit(batch=batch, user=officer)
    before = (Asset.objects.count(), AssetEvent.objects.count(), AssetMovement.objects.count())

    again = upload(officer, data, mini_city.edu)
    assert again.status == Status.VALIDATED and "confirm" not in again.counts  # imported cards keep their class
    assert again.counts["unchanged"] == 6 and again.counts["create"] == 0
    import_commit(batch=again, user=officer)
    assert (Asset.objects.count(), AssetEvent.objects.count(), AssetMovement.objects.count()) == before

    changed = [r[:] for r in MESSY]
    changed[0][15] = "302室"  # location
    changed[1][8] = "1,500"   # value 1200 -> 1500: a value change through the ledger
    changed[3][16] = "在用"    # idle -> in use
    third = upload(officer, workbook(changed), mini_city.edu)
    assert third.counts["update"] == 3 and third.counts["create"] == 0, third.errors
    import_commit(batch=third, user=officer)
    assert Asset.objects.count() == before[0]
    desk = Asset.objects.get(legacy_code="JY-0002")
    assert desk.original_value == Decimal("1500.00")
    assert desk.movements.filter(kind=MovementKind.VALUE_UP).get().value == Decimal("300.00")
    assert Asset.objects.get(legacy_code="JY-0001").location == "302室"
    assert Asset.objects.get(legacy_code="JY-0004").status == AssetStatus.IN_USE


def test_errors_by_row_and_column_and_nothing_written(mini_city, officer):
    future = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    rows = [
        row(1, "E-1", "台式计算机", value="-5"),
        row(2, "E-2", "台式计算机", value="50,000,000,000"),
        row(3, "E-3", "台式计算机", acquired=future),
        row(4, "E-1", "台式计算机"),
        row(5, "E-5", "台式计算机", klass="电脑类"),
        row(6, "E-6", "台式计算机", value="abc"),
        row(7, "E-7", "台式计算机", value="1000", fiscal="800", nonfiscal="800"),
        row(8, "E-8", "台式计算机", value="1000", dep="2000"),
        row(9, "E-9", "台式计算机", status="已报废"),
        row(10, "E-10", "台式计算机", acquired="2020-01-01", booked="2019-01-01"),
        row(11, "E-11", "台式计算机"),  # fine
    ]
    batch = upload(officer, workbook(rows), mini_city.edu)
    assert batch.status == Status.INVALID
    by_row = {(e["row"], e["column"]): e["message"] for e in batch.errors}
    assert "不能为负数" in by_row[(5, "原值")]
    assert "超过 10 亿元" in by_row[(6, "原值")]
    assert "晚于今天" in by_row[(7, "购置日期")]
    assert "与第 5 行重复" in by_row[(8, "卡片编号")]
    assert "不是有效的分类代码" in by_row[(9, "资产分类代码")]
    assert "不是有效的金额" in by_row[(10, "原值")]
    assert "之和应等于原值" in by_row[(11, "财政拨款")]
    assert "不能大于原值" in by_row[(12, "累计折旧")]
    assert "已处置" in by_row[(13, "使用状况")]
    assert "早于取得日期" in by_row[(14, "入账日期")]
    assert batch.counts["error"] == 10 and batch.counts["create"] == 1
    with pytest.raises(DomainError):
        import_commit(batch=batch, user=officer)
    assert Asset.objects.count() == 0


def test_existing_card_code_conflicts_and_commit_is_all_or_nothing(mini_city, officer, monkeypatch):
    rows = [row(1, "A-1", "台式计算机"), row(2, "A-2", "办公桌", klass="A05010201")]
    batch = upload(officer, workbook(rows), mini_city.edu)
    assert batch.status == Status.VALIDATED

    from qinjian.assets.services import bulk

    original = bulk.insert_rows

    def boom(model: Any, *args: Any, **kwargs: Any) -> int:
        if model is bulk.AssetMovement:  # cards and events are written by then
            raise RuntimeError("disk full")
        return original(model, *args, **kwargs)

    monkeypatch.setattr(bulk, "insert_rows", boom)
    with pytest.raises(RuntimeError):
        import_commit(batch=batch, user=officer)
    monkeypatch.setattr(bulk, "insert_rows", original)
    assert Asset.objects.count() == 0 and AssetEvent.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == Status.VALIDATED
    import_commit(batch=batch, user=officer)
    assert Asset.objects.count() == 2


def test_unit_scope(mini_city, officer):
    spec = get_spec("assets.asset")
    with pytest.raises(ValidationFailed, match="无权"):
        spec.clean_options({"unit": str(mini_city.health.pk)}, officer)
    assert [c[1] for c in spec.upload_options(officer)[0]["choices"]] == [mini_city.edu.name]
    center = make_user("center_asset", mini_city.center)
    names = {c[1] for c in spec.upload_options(center)[0]["choices"]}
    assert {mini_city.edu.name, mini_city.health.name} <= names
    batch = confirm_all(upload(center, workbook(MESSY[:2]), mini_city.health), center)
    import_commit(batch=batch, user=center)
    assert set(Asset.objects.values_list("unit_id", flat=True)) == {mini_city.health.pk}


def test_custodian_matched_by_name_else_kept_in_notes(mini_city, officer):
    PersonFactory(unit=mini_city.edu, name="王芳")
    rows = [row(1, "P-1", "台式计算机", person="王芳"), row(2, "P-2", "台式计算机", person="李四", dept="不存在的科")]
    batch = upload(officer, workbook(rows), mini_city.edu)
    import_commit(batch=batch, user=officer)
    assert Asset.objects.get(legacy_code="P-1").custodian.name == "王芳"
    other = Asset.objects.get(legacy_code="P-2")
    assert other.custodian is None and "原使用人：李四" in other.notes and "原使用部门：不存在的科" in other.notes


def test_plan_is_compact_and_the_sheet_is_streamed(mini_city, officer):
    from qinjian.core.importing import plans

    spec = get_spec("assets.asset")
    batch = upload(officer, workbook([row(i, f"C-{i}", "台式计算机") for i in range(1, 6)]), mini_city.edu)
    assert spec.streamed and batch.status == Status.VALIDATED and batch.total_rows == 5
    plan = plans.reuse(batch, spec, officer)
    assert plan is not None and len(plan.creates) == 5 and plan.rows == [5, 6, 7, 8, 9]
    assert all(type(card) is tuple for card in plan.creates)  # values, not model instances
    import_commit(batch=batch, user=officer)
    assert sorted(Asset.objects.values_list("legacy_code", flat=True)) == [f"C-{i}" for i in range(1, 6)]


def test_commit_rechecks_codes_taken_since_the_preview(mini_city, officer):
    from django.db import transaction

    from qinjian.core.importing import plans
    from qinjian.testing.factories import AssetFactory

    spec = get_spec("assets.asset")
    batch = upload(officer, workbook([row(1, "R-1", "台式计算机"), row(2, "R-2", "台式计算机")]), mini_city.edu)
    plan = plans.reuse(batch, spec, officer)
    assert plan is not None
    taken = AssetFactory(unit=mini_city.edu, legacy_code="R-2")  # e.g. another import, committed meanwhile
    events, moves = AssetEvent.objects.count(), AssetMovement.objects.count()
    with pytest.raises(DomainError, match="R-2") as exc, transaction.atomic():
        spec.commit(plan, user=officer, progress=lambda *a: None)
    assert exc.value.code == "stale"
    assert list(Asset.objects.values_list("pk", flat=True)) == [taken.pk]
    assert (AssetEvent.objects.count(), AssetMovement.objects.count()) == (events, moves)


def test_commit_rechecks_cards_changed_since_the_preview(mini_city, officer):
    from django.db import transaction

    from qinjian.core.importing import plans

    batch = confirm_all(upload(officer, workbook(MESSY[:2]), mini_city.edu), officer)
    import_commit(batch=batch, user=officer)
    changed = [r[:] for r in MESSY[:2]]
    changed[0][15] = "302室"
    spec = get_spec("assets.asset")
    again = upload(officer, workbook(changed), mini_city.edu)
    assert again.counts["update"] == 1
    plan = plans.reuse(again, spec, officer)
    assert plan is not None
    Asset.objects.filter(legacy_code="JY-0001").update(location="另一处", updated_at=timezone.now())
    with pytest.raises(DomainError, match="1 项资产在预览后被修改"), transaction.atomic():
        spec.commit(plan, user=officer, progress=lambda *a: None)
    assert Asset.objects.get(legacy_code="JY-0001").location == "另一处"
