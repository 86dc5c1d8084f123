"""资产业务单 pages and API: scoped lists, the picker, create/edit/submit through the pages and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from qinjian.assets.choices import AssetStatus, OperationStatus
from qinjian.assets.models import AssetOperation
from qinjian.assets.services.operations import operation_create, operation_submit
from qinjian.testing.factories import DEFAULT_PASSWORD

from .operations_world import approve_all, build_world, card, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(mini_city):
    return build_world(mini_city)


def _client(user):
    client = Client()
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_is_scoped_and_filters_by_kind_and_unit(w):
    c = w.city
    mine = operation_create(kind="disposal", unit=c.edu, actor=w.edu_officer, assets=[card(c.edu)],
                            occurred_on=today(), reason="报废", disposal_method="scrap")
    theirs = operation_create(kind="transfer", unit=c.health, actor=w.health_officer, assets=[card(c.health)],
                              occurred_on=today(), reason="调剂", counterpart_unit=c.edu)
    other = operation_create(kind="issue", unit=c.health, actor=w.health_officer, assets=[card(c.health)],
                             occurred_on=today(), reason="领用", person=_person(c.health))
    body = _client(w.edu_officer).get("/assets/operations/").content.decode()
    assert mine.number in body and theirs.number in body  # the receiving side sees the transfer
    assert other.number not in body
    body = _client(w.edu_officer).get("/assets/operations/?kind=disposal").content.decode()
    assert mine.number in body and theirs.number not in body
    body = _client(w.center).get(f"/assets/operations/?unit={c.health.pk}").content.decode()
    assert theirs.number in body and other.number in body and mine.number not in body
    assert _client(w.school_officer).get(f"/assets/operations/{mine.pk}/").status_code == 404


def _person(unit):
    from qinjian.testing.factories import PersonFactory

    return PersonFactory(unit=unit)


def test_create_page_with_preselected_assets_then_submit(w):
    c = w.city
    a, b = card(c.edu), card(c.edu)
    client = _client(w.edu_officer)
    page = client.get("/assets/operations/new/")
    assert "请选择要办理的业务类型" in page.content.decode()
    page = client.get(f"/assets/operations/new/?kind=transfer&assets={a.pk},{b.pk}")
    html = page.content.decode()
    assert "新建调拨单" in html and a.code in html and b.code in html and "调入单位" in html
    response = client.post("/assets/operations/new/?kind=transfer", {
        "unit": c.edu.pk, "occurred_on": today().isoformat(), "counterpart_unit": c.health.pk,
        "reason": "调剂使用", "assets": [a.pk, b.pk]})
    assert response.status_code == 302
    op = AssetOperation.objects.get()
    assert op.kind == "transfer" and op.line_count == 2 and op.counterpart_unit == c.health
    detail = client.get(op.get_absolute_url()).content.decode()
    assert "提交审批" in detail and a.code in detail
    response = client.post(f"/assets/operations/{op.pk}/submit/")
    assert response.status_code == 302
    op.refresh_from_db()
    assert op.status == OperationStatus.PENDING
    detail = client.get(op.get_absolute_url()).content.decode()
    assert "当前环节" in detail and "调出单位资产管理员审核" in detail
    # the receiving unit sees the document but cannot edit or submit it
    health = _client(w.health_officer)
    assert health.get(op.get_absolute_url()).status_code == 200
    assert health.post(f"/assets/operations/{op.pk}/submit/").status_code == 404
    assert health.get(f"/assets/operations/{op.pk}/edit/").status_code == 404


def test_bad_input_on_the_page_shows_chinese_errors_and_writes_nothing(w):
    c = w.city
    outsider = _unit_outside_tree()
    asset = card(c.edu)
    client = _client(w.edu_officer)
    response = client.post("/assets/operations/new/?kind=transfer", {
        "unit": c.edu.pk, "occurred_on": "2099-01-01", "counterpart_unit": c.edu.pk, "reason": "x",
        "assets": [asset.pk]})
    html = response.content.decode()
    assert response.status_code == 200 and "业务日期不能晚于今天" in html and "调入单位不能与调出单位相同" in html
    assert not AssetOperation.objects.exists()
    # a unit outside the tree is not even offered; forcing it gets the form's message
    response = client.post("/assets/operations/new/?kind=transfer", {
        "unit": c.edu.pk, "occurred_on": today().isoformat(), "counterpart_unit": outsider.pk, "reason": "x",
        "assets": [asset.pk]})
    assert "所选单位不在您的管理范围内" in response.content.decode()
    assert not AssetOperation.objects.exists()


def _unit_outside_tree():
    from qinjian.testing.factories import UnitFactory

    return UnitFactory(code="WS-1", name="外市单位")


def test_the_picker_offers_only_eligible_free_cards_of_the_unit(w):
    c = w.city
    free = card(c.edu, name="激光打印机")
    lent = card(c.edu, name="激光打印机二", status="lent")
    busy = card(c.edu, name="激光打印机三")
    operation_create(kind="repair", unit=c.edu, actor=w.edu_officer, assets=[busy], occurred_on=today(),
                     reason="维修", counterparty="维修站")
    theirs = card(c.health, name="激光打印机四")
    client = _client(w.edu_officer)
    html = client.get(f"/assets/operations/picker/?kind=disposal&unit={c.edu.pk}&q=打印机").content.decode()
    assert free.code in html and lent.code not in html and busy.code not in html and theirs.code not in html
    # another unit's cards are never offered, whatever the parameters
    html = client.get(f"/assets/operations/picker/?kind=disposal&unit={c.health.pk}").content.decode()
    assert theirs.code not in html
    assert _client(w.leader).get(f"/assets/operations/picker/?kind=disposal&unit={c.edu.pk}").status_code == 403


def test_staff_pages_offer_issue_and_return_only(w):
    c = w.city
    mine = card(c.edu, custodian=w.staff_person)
    client = _client(w.staff)
    html = client.get("/assets/operations/new/").content.decode()
    assert "领用" in html and "交回" in html and "调拨" not in html
    assert client.get("/assets/operations/new/?kind=transfer").content.decode().count("data-kind=") >= 2
    html = client.get(f"/assets/operations/picker/?kind=return&unit={c.edu.pk}").content.decode()
    assert mine.code in html
    response = client.post("/assets/operations/new/?kind=return", {
        "occurred_on": today().isoformat(), "reason": "调岗交回", "assets": [mine.pk]})
    assert response.status_code == 302
    op = AssetOperation.objects.get()
    assert op.kind == "return" and op.created_by == w.staff


def test_api_create_update_submit_and_errors(w):
    c = w.city
    asset = card(c.edu)
    api = _api(w.edu_officer)
    bad = api.post("/api/assets/operations/", {
        "kind": "transfer", "unit": c.edu.pk, "occurred_on": today().isoformat(), "reason": "调剂",
        "counterpart_unit": _unit_outside_tree().pk, "lines": [{"asset": asset.pk}]}, format="json")
    assert bad.status_code == 400
    body = bad.json()
    assert set(body) == {"code", "message", "fields"} and "不在本市单位体系内" in body["fields"]["counterpart_unit"][0]
    created = api.post("/api/assets/operations/", {
        "kind": "revaluation", "unit": c.edu.pk, "occurred_on": today().isoformat(), "reason": "加装",
        "lines": [{"asset": asset.pk, "new_value": "7000.00"}]}, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["lines"][0]["new_value"] == "7000.00" and data["status"] == "draft"
    patched = api.patch(f"/api/assets/operations/{data['id']}/", {"reason": "加装内存"}, format="json")
    assert patched.status_code == 200 and patched.json()["reason"] == "加装内存"
    negative = api.patch(f"/api/assets/operations/{data['id']}/",
                         {"lines": [{"asset": asset.pk, "new_value": "-1"}]}, format="json")
    assert negative.status_code == 400 and "不能为负数" in str(negative.json()["fields"])
    submitted = api.post(f"/api/assets/operations/{data['id']}/submit/", {}, format="json")
    assert submitted.status_code == 201 and submitted.json()["status"] == "pending"
    again = api.post(f"/api/assets/operations/{data['id']}/submit/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    op = AssetOperation.objects.get(pk=data["id"])
    approve_all(op, w.edu_officer, w.center)
    asset.refresh_from_db()
    assert asset.original_value == Decimal("7000.00")
    # scoped: another unit's officer gets a 404, the staff member a 404 (not theirs)
    assert _api(w.school_officer).get(f"/api/assets/operations/{op.pk}/").status_code == 404
    assert _api(w.leader).post("/api/assets/operations/", {}, format="json").status_code == 403


def test_a_disposal_in_the_page_marks_cards_pending(w):
    c = w.city
    asset = card(c.edu)
    op = operation_create(kind="disposal", unit=c.edu, actor=w.edu_officer, assets=[asset], occurred_on=today(),
                          reason="报废", disposal_method="scrap")
    operation_submit(operation=op, actor=w.edu_officer)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.PENDING_DISPOSAL
    html = _client(w.edu_officer).get(op.get_absolute_url()).content.decode()
    assert "待处置" in html and "查看审批" in html


def test_a_returned_document_is_edited_on_its_page_and_resubmitted(w):
    from qinjian.workflow.services import approval_return

    from .operations_world import approval_of

    c = w.city
    a, b = card(c.edu), card(c.edu)
    op = operation_create(kind="disposal", unit=c.edu, actor=w.edu_officer, assets=[a], occurred_on=today(),
                          reason="报废", disposal_method="scrap")
    operation_submit(operation=op, actor=w.edu_officer)
    approval_return(approval=approval_of(op), actor=w.edu_officer, comment="请一并处置同批次的另一台")
    client = _client(w.edu_officer)
    html = client.get(op.get_absolute_url()).content.decode()
    assert "已退回修改" in html and "请一并处置同批次的另一台" in html
    html = client.get(f"/assets/operations/{op.pk}/edit/").content.decode()
    assert a.code in html and "checked" in html
    response = client.post(f"/assets/operations/{op.pk}/edit/", {
        "occurred_on": today().isoformat(), "disposal_method": "scrap", "reason": "同批次两台一并报废",
        "assets": [a.pk, b.pk]})
    assert response.status_code == 302
    op.refresh_from_db()
    assert op.line_count == 2 and op.reason == "同批次两台一并报废" and op.status == OperationStatus.RETURNED
    assert client.post(f"/assets/operations/{op.pk}/submit/").status_code == 302
    op.refresh_from_db()
    assert op.status == OperationStatus.PENDING
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == b.status == AssetStatus.PENDING_DISPOSAL
    assert client.get(f"/assets/operations/{op.pk}/edit/").status_code == 404  # not while under approval
