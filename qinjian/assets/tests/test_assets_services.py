"""Card services: registering a draft (and every bad input), what a booked card may change, idle/in use, delete."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from qinjian.assets.choices import AssetStatus, EventKind
from qinjian.assets.models import Asset, AssetEvent, AssetMovement
from qinjian.assets.services import ledger
from qinjian.assets.services.assets import (
    asset_delete,
    asset_mark_idle,
    asset_mark_in_use,
    asset_register,
    asset_update,
)
from qinjian.core.errors import Conflict, ValidationFailed
from qinjian.org.models import Department, Person
from qinjian.standards.models import AssetClass
from qinjian.testing.factories import AssetFactory, PersonFactory, make_user

pytestmark = pytest.mark.django_db

PC = "A02010105"


@pytest.fixture
def officer(mini_city):
    return make_user("unit_asset_officer", mini_city.edu)


def _register(unit, actor, **overrides):
    fields = {"name": "联想启天M430台式机", "class_code": PC, "original_value": "5600",
              "acquired_on": datetime.date(2025, 3, 1)}
    fields.update(overrides)
    return asset_register(actor=actor, unit=unit, **fields)


def _book(asset, on=datetime.date(2025, 3, 5)):
    card = ledger.lock_assets([asset.pk])[asset.pk]
    ledger.book(card, on=on)
    card.refresh_from_db()
    return card


def test_register_makes_a_draft_with_code_event_and_no_journal(mini_city, officer):
    asset = _register(mini_city.edu, officer)
    asset.refresh_from_db()
    year = timezone.localdate().year
    assert asset.code == f"ZC-{year}-000001"
    assert (asset.status, asset.unit, asset.class_code, asset.asset_class.code) == (
        AssetStatus.DRAFT, mini_city.edu, PC, PC)
    # only the original value given: all of it is fiscal
    assert (asset.original_value, asset.value_fiscal, asset.value_nonfiscal) == (
        Decimal("5600.00"), Decimal("5600.00"), Decimal("0.00"))
    assert asset.booked_on is None and asset.measure_unit == "台" and asset.quantity == 1
    events = list(asset.events.values_list("kind", "status_after", "actor"))
    assert events == [(EventKind.REGISTERED, AssetStatus.DRAFT, officer.pk)]
    assert not AssetMovement.objects.filter(asset=asset).exists()
    assert _register(mini_city.edu, officer).code == f"ZC-{year}-000002"


def test_register_splits_values_from_either_part(mini_city, officer):
    a = _register(mini_city.edu, officer, original_value="1000", value_nonfiscal="250.50")
    assert (a.value_fiscal, a.value_nonfiscal) == (Decimal("749.50"), Decimal("250.50"))
    b = _register(mini_city.edu, officer, original_value="", value_fiscal="300", value_nonfiscal="200")
    assert (b.original_value, b.value_fiscal, b.value_nonfiscal) == (Decimal("500"), Decimal("300"), Decimal("200"))
    c = _register(mini_city.edu, officer, original_value="0")
    assert c.original_value == 0


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"class_code": "A99999999"}, "asset_class", "不在 GB/T 14885-2022 分类中"),
    ({"class_code": ""}, "asset_class", "请选择资产分类"),
    ({"class_code": "A0201010512345"}, "asset_class", "不在 GB/T 14885-2022 分类中"),
    ({"original_value": "-1"}, "original_value", "不能为负数"),
    ({"original_value": "20000000000"}, "original_value", "超过 100 亿元"),
    ({"original_value": "abc"}, "original_value", "请输入金额"),
    ({"original_value": "NaN"}, "original_value", "请输入金额"),
    ({"original_value": "1.001"}, "original_value", "两位小数"),
    ({"original_value": None}, "original_value", "请填写原值"),
    ({"original_value": "1000", "value_fiscal": "600", "value_nonfiscal": "600"}, "value_fiscal", "之和应等于原值"),
    ({"original_value": "1000", "value_fiscal": "1200"}, "value_fiscal", "之和应等于原值"),
    ({"acquired_on": datetime.date(2999, 1, 1)}, "acquired_on", "不能晚于今天"),
    ({"acquired_on": None}, "acquired_on", "请填写取得日期"),
    ({"acquired_on": "2025-13-01"}, "acquired_on", "YYYY-MM-DD"),
    ({"acquired_on": datetime.date(1850, 1, 1)}, "acquired_on", "早于 1900"),
    ({"warranty_until": datetime.date(2024, 1, 1)}, "warranty_until", "不能早于取得日期"),
    ({"quantity": 0}, "quantity", "至少为 1"),
    ({"quantity": "x"}, "quantity", "正整数"),
    ({"name": "  "}, "name", "请填写资产名称"),
    ({"name": "名" * 201}, "name", "不能超过 200 个字"),
    ({"value_type": "bogus"}, "value_type", "请从列表中选择"),
    ({"colour": "red"}, "colour", "未知字段"),
])
def test_register_refuses_bad_input_and_writes_nothing(mini_city, officer, overrides, field, message):
    with pytest.raises(ValidationFailed) as exc:
        _register(mini_city.edu, officer, **overrides)
    assert field in exc.value.fields
    assert message in exc.value.message + " ".join(exc.value.fields[field])
    assert not Asset.objects.exists() and not AssetEvent.objects.exists()


def test_register_checks_department_and_custodian_belong_to_the_unit(mini_city, officer):
    other_person = Person.objects.filter(unit=mini_city.health).first()
    other_dept = Department.objects.filter(unit=mini_city.health).first()
    with pytest.raises(ValidationFailed) as exc:
        _register(mini_city.edu, officer, custodian=other_person)
    assert "不是示范市教育局的人员" in exc.value.fields["custodian"][0]
    with pytest.raises(ValidationFailed) as exc:
        _register(mini_city.edu, officer, department=other_dept)
    assert "不属于示范市教育局" in exc.value.fields["department"][0]
    gone = PersonFactory(unit=mini_city.edu, is_active=False)
    with pytest.raises(ValidationFailed, match="离岗"):
        _register(mini_city.edu, officer, custodian=gone)
    mini_city.district.is_active = False
    mini_city.district.save()
    with pytest.raises(ValidationFailed, match="已停用"):
        _register(mini_city.district, officer)
    assert not Asset.objects.exists()
    mine = Person.objects.filter(unit=mini_city.edu).first()
    asset = _register(mini_city.edu, officer, custodian=mine, department=mine.department)
    assert (asset.custodian, asset.department) == (mine, mine.department)


def test_draft_may_change_everything_including_unit_and_values(mini_city, officer):
    asset = _register(mini_city.edu, officer)
    person = Person.objects.filter(unit=mini_city.edu_school).first()
    updated = asset_update(asset=asset, actor=officer, unit=mini_city.edu_school, original_value="6000",
                           value_nonfiscal="1000", quantity=2, custodian=person, class_code="A02010108",
                           name="笔记本电脑")
    updated.refresh_from_db()
    assert (updated.unit, updated.original_value, updated.value_fiscal, updated.value_nonfiscal, updated.quantity,
            updated.custodian, updated.class_code, updated.name) == (
        mini_city.edu_school, Decimal("6000"), Decimal("5000"), Decimal("1000"), 2, person, "A02010108", "笔记本电脑")
    edit = updated.events.filter(kind=EventKind.EDITED).get()
    assert edit.message.startswith("修改了") and "所属单位" in edit.message and "资产分类" in edit.message
    assert not AssetMovement.objects.filter(asset=asset).exists()


def test_booked_card_refuses_value_unit_quantity_and_user_changes(mini_city, officer):
    card = _book(_register(mini_city.edu, officer))
    before = Asset.objects.filter(pk=card.pk).values().get()
    person = Person.objects.filter(unit=mini_city.edu).first()
    cases = [({"original_value": "9000"}, "价值变动"), ({"value_fiscal": "100"}, "价值变动"),
             ({"unit": mini_city.health}, "调拨"), ({"quantity": 3}, "数量"), ({"custodian": person}, "领用")]
    for fields, word in cases:
        with pytest.raises(Conflict) as exc:
            asset_update(asset=card, actor=officer, **fields)
        assert word in exc.value.message
    assert Asset.objects.filter(pk=card.pk).values().get() == before
    # the same values sent back (a form echoes them) are not a change
    same = asset_update(asset=card, actor=officer, original_value="5600.00", value_fiscal="5600",
                        value_nonfiscal="0", unit=mini_city.edu, quantity=1, custodian=None,
                        location="三楼档案室", spec_model="M430")
    assert (same.location, same.spec_model) == ("三楼档案室", "M430")


def test_class_change_on_a_booked_card_moves_the_holding_in_the_journal(mini_city, officer):
    card = _book(_register(mini_city.edu, officer))
    asset_update(asset=card, actor=officer, class_code="A02010108")
    card.refresh_from_db()
    assert card.class_code == "A02010108"
    lines = list(AssetMovement.objects.filter(asset=card).order_by("id").values_list("class_code", "value"))
    assert lines == [(PC, Decimal("5600.00")), (PC, Decimal("-5600.00")), ("A02010108", Decimal("5600.00"))]
    # the ledger per class still adds up to the card's value
    assert sum(v for c, v in lines if c == "A02010108") == card.original_value
    assert sum(v for c, v in lines if c == PC) == 0


def test_update_validates_dates_against_the_books(mini_city, officer):
    card = _book(_register(mini_city.edu, officer), on=datetime.date(2025, 3, 5))
    with pytest.raises(ValidationFailed, match="不能晚于入账日期"):
        asset_update(asset=card, actor=officer, acquired_on=datetime.date(2025, 4, 1))
    with pytest.raises(ValidationFailed, match="保修截止日期不能早于取得日期"):
        asset_update(asset=card, actor=officer, warranty_until=datetime.date(2020, 1, 1))
    with pytest.raises(ValidationFailed, match=r"不在 GB/T"):
        asset_update(asset=card, actor=officer, class_code="Z1")


def test_disposed_card_allows_only_paperwork(mini_city, officer):
    card = _book(_register(mini_city.edu, officer))
    locked = ledger.lock_assets([card.pk])[card.pk]
    ledger.dispose(locked, on=datetime.date(2025, 6, 1), method="scrap")
    card.refresh_from_db()
    with pytest.raises(Conflict, match="已处置"):
        asset_update(asset=card, actor=officer, location="仓库")
    done = asset_update(asset=card, actor=officer, voucher_no="记-2025-06-018", notes="报废残值已上缴")
    assert (done.voucher_no, done.notes) == ("记-2025-06-018", "报废残值已上缴")


def test_mark_idle_and_back_in_use(mini_city, officer):
    card = _book(_register(mini_city.edu, officer), on=datetime.date(2025, 3, 5))
    idle = asset_mark_idle(asset=card, actor=officer, on=datetime.date(2025, 5, 1), reason="人员调整")
    idle.refresh_from_db()
    assert (idle.status, idle.status_since) == (AssetStatus.IDLE, datetime.date(2025, 5, 1))
    event = idle.events.filter(kind=EventKind.STATUS_CHANGED).get()
    assert (event.status_before, event.status_after, event.message) == ("in_use", "idle", "标记为闲置：人员调整")
    with pytest.raises(Conflict, match="闲置"):
        asset_mark_idle(asset=idle, actor=officer)
    with pytest.raises(ValidationFailed, match="不能早于当前状况的起始日期"):
        asset_mark_in_use(asset=idle, actor=officer, on=datetime.date(2025, 4, 1))
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        asset_mark_in_use(asset=idle, actor=officer, on=timezone.localdate() + datetime.timedelta(days=1))
    back = asset_mark_in_use(asset=idle, actor=officer)
    back.refresh_from_db()
    assert (back.status, back.status_since) == (AssetStatus.IN_USE, timezone.localdate())
    # the books are untouched by a change of usage status
    assert AssetMovement.objects.filter(asset=card).count() == 1


def test_draft_cannot_be_marked_idle(mini_city, officer):
    draft = _register(mini_city.edu, officer)
    with pytest.raises(Conflict, match="待入账"):
        asset_mark_idle(asset=draft, actor=officer)


def test_delete_only_a_draft(mini_city, officer):
    draft = _register(mini_city.edu, officer)
    asset_delete(asset=draft, actor=officer)
    assert not Asset.objects.filter(pk=draft.pk).exists()
    assert not AssetEvent.objects.filter(asset_id=draft.pk).exists()
    booked = AssetFactory(unit=mini_city.edu)
    with pytest.raises(Conflict, match="已入账，不能删除"):
        asset_delete(asset=booked, actor=officer)
    assert Asset.objects.filter(pk=booked.pk).exists()


def test_register_accepts_an_asset_class_object(mini_city, officer):
    cls = AssetClass.objects.get(code="A02010108")
    asset = asset_register(actor=officer, unit=mini_city.edu, name="笔记本", asset_class=cls,
                           original_value=Decimal("7000"), acquired_on=datetime.date(2025, 1, 2))
    assert asset.class_code == "A02010108"
