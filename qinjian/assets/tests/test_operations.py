"""资产业务单 through the approvals engine: every kind end to end, refused transitions, bad input."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from qinjian.assets.choices import AssetStatus, EventKind, MovementKind, OperationKind, OperationStatus
from qinjian.assets.models import Asset, AssetEvent, AssetMovement, AssetOperation, AssetOperationLine
from qinjian.assets.services.operations import (
    TRANSITIONS,
    operation_create,
    operation_delete,
    operation_set_lines,
    operation_submit,
    operation_update,
)
from qinjian.core.errors import Conflict, DomainError, NotAllowed, ValidationFailed
from qinjian.testing.factories import UnitFactory
from qinjian.workflow.choices import RequestStatus, UnitRule
from qinjian.workflow.models import FlowDefinition
from qinjian.workflow.services import approval_approve, approval_reject, approval_return, approval_withdraw

from .operations_world import (
    approval_of,
    approve_all,
    big_card,
    build_world,
    card,
    draft_card,
    pending_task,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(mini_city):
    return build_world(mini_city)


def _create(w, kind, assets, *, actor=None, unit=None, **fields):
    return operation_create(kind=kind, unit=unit or w.city.edu, actor=actor or w.edu_officer, assets=assets,
                            occurred_on=fields.pop("occurred_on", today()), reason=fields.pop("reason", "工作需要"),
                            **fields)


def _reload(asset):
    return Asset.objects.get(pk=asset.pk)


def _moves(unit):
    return AssetMovement.objects.filter(unit=unit).aggregate(q=Sum("quantity"), v=Sum("value"))


# --------------------------------------------------------------------------------------------------
# the default flows
# --------------------------------------------------------------------------------------------------


def test_every_kind_has_a_default_flow_and_leader_thresholds_come_from_the_standard():
    from qinjian.standards.selectors import standard

    flows = FlowDefinition.objects.filter(content_type__app_label="assets", content_type__model="assetoperation")
    assert sorted(flows.values_list("variant", flat=True)) == sorted(OperationKind.values)
    authority = standard("asset_disposal_authority")
    for kind in ("disposal", "transfer"):
        leader = flows.get(variant=kind).steps.get(role_code="center_leader")
        assert leader.min_amount == authority.value("amount", matter=kind, approver="center_leader")
    transfer = flows.get(variant="transfer").steps.order_by("order")
    assert [s.unit_rule for s in transfer] == [UnitRule.APPLICANT_UNIT, UnitRule.COUNTERPART_UNIT,
                                              UnitRule.SCOPE_ALL, UnitRule.SCOPE_ALL]


# --------------------------------------------------------------------------------------------------
# every kind end to end
# --------------------------------------------------------------------------------------------------


def test_acceptance_books_a_draft_card_on_the_acceptance_date(w):
    asset = draft_card(w.city.edu, acquired_on=datetime.date(2026, 1, 5))
    on = datetime.date(2026, 1, 10)
    op = _create(w, OperationKind.ACCEPTANCE, [asset], occurred_on=on, location="二楼库房")
    assert op.status == OperationStatus.DRAFT and op.number.startswith("ZCYW-")
    assert not AssetMovement.objects.filter(asset=asset).exists()
    approval = operation_submit(operation=op, actor=w.edu_officer)
    assert [s["role_code"] for s in approval.flow_snapshot] == ["unit_asset_officer", "center_asset"]
    approve_all(op, w.edu_officer, w.center)
    op.refresh_from_db()
    assert op.status == OperationStatus.DONE and op.done_on == today() and op.approval_number == approval.number
    asset = _reload(asset)
    assert asset.status == AssetStatus.IN_USE and asset.booked_on == on and asset.location == "二楼库房"
    event = AssetEvent.objects.get(asset=asset, kind=EventKind.BOOKED)
    assert event.operation == op and event.actor == w.center
    move = AssetMovement.objects.get(asset=asset)
    assert (move.kind, move.occurred_on, move.value) == (MovementKind.BOOK, on, asset.original_value)


def test_issue_then_return(w):
    asset = card(w.city.edu, status="idle")
    op = _create(w, OperationKind.ISSUE, [asset], person=w.other_person, location="301室")
    operation_submit(operation=op, actor=w.edu_officer)
    approve_all(op, w.edu_officer)
    asset = _reload(asset)
    assert asset.status == AssetStatus.IN_USE and asset.custodian == w.other_person
    assert asset.department == w.other_person.department and asset.location == "301室"
    issued = AssetEvent.objects.get(asset=asset, kind=EventKind.ISSUED)
    assert issued.operation == op and issued.person == w.other_person and issued.status_before == "idle"

    back = _create(w, OperationKind.RETURN, [asset])
    operation_submit(operation=back, actor=w.edu_officer)
    approve_all(back, w.edu_officer)
    asset = _reload(asset)
    assert asset.status == AssetStatus.IDLE and asset.custodian is None
    returned = AssetEvent.objects.get(asset=asset, kind=EventKind.RETURNED)
    assert returned.person == w.other_person and returned.operation == back
    # the books did not move
    assert AssetMovement.objects.filter(asset=asset).count() == 1


def test_transfer_needs_both_units_and_moves_ownership_events_and_journal_together(w):
    c = w.city
    asset = card(c.edu, custodian=w.other_person)
    before_edu, before_health = _moves(c.edu), _moves(c.health)
    op = _create(w, OperationKind.TRANSFER, [asset], counterpart_unit=c.health)
    approval = operation_submit(operation=op, actor=w.edu_officer)
    names = [s["name"] for s in approval.flow_snapshot]
    assert names == ["调出单位资产管理员审核", "调入单位资产管理员确认", "中心资产管理处审核"]  # below the threshold
    approval_approve(approval=approval, actor=w.edu_officer, comment="同意调出")
    task = pending_task(approval)
    assert task.unit_rule == UnitRule.COUNTERPART_UNIT and task.assigned_unit == c.health
    # the sending unit cannot sign for the receiving one, nor can a third unit
    for outsider in (w.edu_officer, w.school_officer):
        with pytest.raises(NotAllowed):
            approval_approve(approval=approval, actor=outsider, comment="同意")
    # the receiving unit sees the document (scope over both units) but cannot change it
    assert AssetOperation.objects.scoped(w.health_officer, "view").filter(pk=op.pk).exists()
    with pytest.raises(NotAllowed):
        operation_update(operation=op, actor=w.health_officer, reason="改")
    approval_approve(approval=approval, actor=w.health_officer, comment="同意接收")
    assert _reload(asset).unit == c.edu  # nothing moves before the final decision
    approval_approve(approval=approval, actor=w.center, comment="同意")
    asset = _reload(asset)
    assert asset.unit == c.health and asset.custodian is None and asset.status == AssetStatus.IN_USE
    out = AssetEvent.objects.get(asset=asset, kind=EventKind.TRANSFER_OUT)
    into = AssetEvent.objects.get(asset=asset, kind=EventKind.TRANSFER_IN)
    assert out.operation == op and into.operation == op and out.occurred_on == into.occurred_on == today()
    assert (out.unit, into.unit) == (c.edu, c.health)
    after_edu, after_health = _moves(c.edu), _moves(c.health)
    assert after_edu["q"] - before_edu["q"] == -1 and after_edu["v"] - before_edu["v"] == -asset.original_value
    assert (after_health["q"] or 0) - (before_health["q"] or 0) == 1
    assert (after_health["v"] or 0) - (before_health["v"] or 0) == asset.original_value
    # the journal of the card sums to its holding in the new unit only
    per_unit = dict(AssetMovement.objects.filter(asset=asset).values_list("unit").annotate(v=Sum("value")))
    assert per_unit == {c.edu.pk: Decimal("0"), c.health.pk: asset.original_value}
    op.refresh_from_db()
    assert op.status == OperationStatus.DONE


@pytest.mark.parametrize("value,leader", [("199999.99", False), ("200000.00", True), ("650000.00", True)])
def test_the_threshold_decides_the_leadership_step(w, value, leader):
    c = w.city
    transfer = _create(w, OperationKind.TRANSFER, [big_card(c.edu, value)], counterpart_unit=c.health)
    disposal = _create(w, OperationKind.DISPOSAL, [big_card(c.edu, value)], disposal_method="scrap")
    for op in (transfer, disposal):
        approval = operation_submit(operation=op, actor=w.edu_officer)
        assert ("center_leader" in [s["role_code"] for s in approval.flow_snapshot]) is leader
    if leader:
        approve_all(disposal, w.edu_officer, w.center)
        disposal.refresh_from_db()
        assert disposal.status == OperationStatus.PENDING  # waits for the leader
        approve_all(disposal, w.leader)
        disposal.refresh_from_db()
        assert disposal.status == OperationStatus.DONE


def test_loan_and_loan_return_restore_the_previous_status(w):
    asset = card(w.city.edu, status="idle")
    op = _create(w, OperationKind.LOAN, [asset], counterparty="市文化馆", due_on=today() + datetime.timedelta(days=30))
    operation_submit(operation=op, actor=w.edu_officer)
    approve_all(op, w.edu_officer, w.center)
    asset = _reload(asset)
    assert asset.status == AssetStatus.LENT
    lent = AssetEvent.objects.get(asset=asset, kind=EventKind.LENT)
    assert "市文化馆" in lent.message and lent.operation == op
    back = _create(w, OperationKind.LOAN_RETURN, [asset])
    operation_submit(operation=back, actor=w.edu_officer)
    approve_all(back, w.edu_officer)
    asset = _reload(asset)
    assert asset.status == AssetStatus.IDLE
    assert AssetEvent.objects.filter(asset=asset, kind=EventKind.LOAN_RETURNED, operation=back).exists()


def test_repair_records_vendor_cost_and_result_on_each_card(w):
    a, b = card(w.city.edu, original_value=Decimal("3000"), value_fiscal=Decimal("3000")), card(
        w.city.edu, original_value=Decimal("1000"), value_fiscal=Decimal("1000"))
    op = _create(w, OperationKind.REPAIR, [a, b], counterparty="示范市联想服务站", cost="800.01", result="更换主板，已修复")
    assert list(op.lines.values_list("note", flat=True)) == ["更换主板，已修复"] * 2
    operation_submit(operation=op, actor=w.edu_officer)
    approve_all(op, w.edu_officer)
    events = AssetEvent.objects.filter(kind=EventKind.REPAIRED, operation=op).order_by("asset_id")
    assert [e.amount for e in events] == [Decimal("600.01"), Decimal("200.00")]
    assert sum(e.amount for e in events) == Decimal("800.01")
    assert all("示范市联想服务站" in e.message and "已修复" in e.message for e in events)
    assert _reload(a).status == AssetStatus.IN_USE


def test_disposal_marks_cards_pending_restores_them_on_reject_and_records_the_income(w):
    c = w.city
    a = card(c.edu, status="idle", original_value=Decimal("6000"), value_fiscal=Decimal("6000"))
    b = card(c.edu, original_value=Decimal("2000"), value_fiscal=Decimal("2000"))
    op = _create(w, OperationKind.DISPOSAL, [a, b], disposal_method="sale", income="1000", counterparty="再生资源公司")
    operation_submit(operation=op, actor=w.edu_officer)
    assert {_reload(a).status, _reload(b).status} == {AssetStatus.PENDING_DISPOSAL}
    approval = approval_of(op)
    approval_approve(approval=approval, actor=w.edu_officer, comment="同意")
    assert _reload(a).status == AssetStatus.PENDING_DISPOSAL  # still under approval
    approval_reject(approval=approval, actor=w.center, comment="评估报告缺失")
    assert (_reload(a).status, _reload(b).status) == (AssetStatus.IDLE, AssetStatus.IN_USE)
    op.refresh_from_db()
    assert op.status == OperationStatus.REJECTED
    assert not AssetEvent.objects.filter(kind=EventKind.DISPOSED).exists()

    again = _create(w, OperationKind.DISPOSAL, [a, b], disposal_method="sale", income="1000")
    operation_submit(operation=again, actor=w.edu_officer)
    before = _moves(c.edu)
    approve_all(again, w.edu_officer, w.center)
    a, b = _reload(a), _reload(b)
    assert a.status == b.status == AssetStatus.DISPOSED and a.disposal_method == "sale" and a.disposed_on == today()
    events = AssetEvent.objects.filter(kind=EventKind.DISPOSED, operation=again).order_by("asset_id")
    assert [e.amount for e in events] == [Decimal("750.00"), Decimal("250.00")]
    after = _moves(c.edu)
    assert after["q"] - before["q"] == -2 and after["v"] - before["v"] == Decimal("-8000")


@pytest.mark.parametrize("how", ["withdraw", "return"])
def test_disposal_withdrawn_or_returned_restores_the_cards_and_may_be_submitted_again(w, how):
    asset = card(w.city.edu)
    op = _create(w, OperationKind.DISPOSAL, [asset], disposal_method="scrap")
    approval = operation_submit(operation=op, actor=w.edu_officer)
    assert _reload(asset).status == AssetStatus.PENDING_DISPOSAL
    if how == "withdraw":
        approval_withdraw(approval=approval, actor=w.edu_officer)
    else:
        approval_return(approval=approval, actor=w.edu_officer, comment="补充鉴定意见")
    assert _reload(asset).status == AssetStatus.IN_USE
    op.refresh_from_db()
    assert op.status == {"withdraw": OperationStatus.WITHDRAWN, "return": OperationStatus.RETURNED}[how]
    operation_update(operation=op, actor=w.edu_officer, reason="已补充技术鉴定意见")
    operation_submit(operation=op, actor=w.edu_officer)
    assert _reload(asset).status == AssetStatus.PENDING_DISPOSAL
    approve_all(op, w.edu_officer, w.center)
    assert _reload(asset).status == AssetStatus.DISPOSED


def test_revaluation_changes_the_value_and_journals_the_difference(w):
    asset = card(w.city.edu)
    op = _create(w, OperationKind.REVALUATION, [{"asset": asset, "new_value": "6600.50"}], reason="加装配件")
    assert op.lines.get().new_value == Decimal("6600.50")
    operation_submit(operation=op, actor=w.edu_officer)
    approve_all(op, w.edu_officer, w.center)
    asset = _reload(asset)
    assert asset.original_value == Decimal("6600.50")
    move = AssetMovement.objects.filter(asset=asset).latest("id")
    assert move.kind == MovementKind.VALUE_UP and move.value == Decimal("1000.50") and move.quantity == 0


def test_staff_apply_for_themselves_only(w):
    mine = card(w.city.edu, custodian=w.staff_person)
    free = card(w.city.edu, status="idle")
    other = card(w.city.edu, custodian=w.other_person)
    issue = _create(w, OperationKind.ISSUE, [free], actor=w.staff, person=w.other_person)
    assert issue.person == w.staff_person and issue.created_by == w.staff  # always for themselves
    ret = _create(w, OperationKind.RETURN, [mine], actor=w.staff)
    operation_submit(operation=ret, actor=w.staff)
    approve_all(ret, w.edu_officer)
    assert _reload(mine).custodian is None
    with pytest.raises(ValidationFailed) as exc:
        _create(w, OperationKind.RETURN, [other], actor=w.staff)
    assert "不是您本人使用的资产" in str(exc.value.fields)
    with pytest.raises(NotAllowed):
        _create(w, OperationKind.TRANSFER, [free], actor=w.staff, counterpart_unit=w.city.health)
    assert set(AssetOperation.objects.scoped(w.staff, "view")) == {issue, ret}


# --------------------------------------------------------------------------------------------------
# refused transitions
# --------------------------------------------------------------------------------------------------

ALL_STATUSES = [s for s in AssetStatus.values]


@pytest.mark.parametrize("kind", OperationKind.values)
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_every_transition_outside_the_table_is_refused(w, kind, status):
    asset = draft_card(w.city.edu) if status == "draft" else card(w.city.edu, status=status)
    if kind == OperationKind.RETURN:
        Asset.objects.filter(pk=asset.pk).update(custodian=w.other_person)
    fields = {"transfer": {"counterpart_unit": w.city.health}, "issue": {"person": w.staff_person},
              "loan": {"counterparty": "市档案馆"}, "repair": {"counterparty": "维修站"},
              "disposal": {"disposal_method": "scrap"}}.get(kind, {})
    assets = [{"asset": asset, "new_value": "9999"}] if kind == OperationKind.REVALUATION else [asset]
    if status in TRANSITIONS[kind].allowed:
        assert _create(w, kind, assets, **fields).line_count == 1
        return
    with pytest.raises(ValidationFailed) as exc:
        _create(w, kind, assets, **fields)
    assert "不能" in " ".join(exc.value.fields["assets"])
    assert not AssetOperation.objects.exists()


def test_the_named_impossible_transitions(w):
    lent = card(w.city.edu, status="lent")
    with pytest.raises(ValidationFailed) as exc:
        _create(w, OperationKind.DISPOSAL, [lent], disposal_method="scrap")
    assert "目前为“出租出借”，不能处置" in exc.value.fields["assets"][0]
    gone = card(w.city.edu, status="disposed")
    with pytest.raises(ValidationFailed) as exc:
        _create(w, OperationKind.ISSUE, [gone], person=w.other_person)
    assert "已处置" in exc.value.fields["assets"][0]
    unissued = card(w.city.edu)
    with pytest.raises(ValidationFailed, match="没有使用人"):
        _create(w, OperationKind.RETURN, [unissued])
    taken = card(w.city.edu, custodian=w.staff_person)
    with pytest.raises(ValidationFailed, match="请先办理交回"):
        _create(w, OperationKind.ISSUE, [taken], person=w.other_person)


def test_a_card_changed_meanwhile_is_refused_at_submit_and_at_the_decision(w):
    asset = card(w.city.edu)
    op = _create(w, OperationKind.LOAN, [asset], counterparty="市图书馆")
    Asset.objects.filter(pk=asset.pk).update(status="disposed")
    with pytest.raises(ValidationFailed, match="不能出租出借"):
        operation_submit(operation=op, actor=w.edu_officer)
    Asset.objects.filter(pk=asset.pk).update(status="in_use")
    operation_submit(operation=op, actor=w.edu_officer)
    approve_all(op, w.edu_officer)
    Asset.objects.filter(pk=asset.pk).update(status="disposed")  # e.g. written off by a stocktake meanwhile
    with pytest.raises(Conflict, match="不能出租出借"):
        approve_all(op, w.center)
    op.refresh_from_db()
    assert op.status == OperationStatus.PENDING and approval_of(op).status == RequestStatus.PENDING
    assert not AssetEvent.objects.filter(kind=EventKind.LENT).exists()


# --------------------------------------------------------------------------------------------------
# bad input: clear Chinese errors, nothing written
# --------------------------------------------------------------------------------------------------


def test_a_transfer_to_a_unit_outside_the_tree_is_refused(w):
    elsewhere = UnitFactory(code="QT-001", name="外市财政局")  # another root: not in this city's tree
    asset = card(w.city.edu)
    with pytest.raises(ValidationFailed) as exc:
        _create(w, OperationKind.TRANSFER, [asset], counterpart_unit=elsewhere)
    assert exc.value.fields["counterpart_unit"] == [
        "调入单位“外市财政局”不在本市单位体系内，不能调拨。跨地区、跨级次的资产划转请按无偿划转办理处置。"]
    with pytest.raises(ValidationFailed, match="调入单位不能与调出单位相同"):
        _create(w, OperationKind.TRANSFER, [asset], counterpart_unit=w.city.edu)
    with pytest.raises(ValidationFailed, match="请选择调入单位"):
        _create(w, OperationKind.TRANSFER, [asset])
    closed = UnitFactory(code="SFS-CX", name="已撤销单位", parent=w.city.city)
    type(closed).objects.filter(pk=closed.pk).update(is_active=False)
    closed.refresh_from_db()
    with pytest.raises(ValidationFailed, match="已停用"):
        _create(w, OperationKind.TRANSFER, [asset], counterpart_unit=closed)
    assert not AssetOperation.objects.exists()


@pytest.mark.parametrize("kind,fields,assets_fn,field,text", [
    ("issue", {"occurred_on": "future"}, None, "occurred_on", "业务日期不能晚于今天。"),
    ("issue", {"occurred_on": datetime.date(1900, 1, 1)}, None, "occurred_on", "业务日期有误，请检查年份。"),
    ("issue", {"reason": "  "}, None, "reason", "请填写事由。"),
    ("issue", {"person": None}, None, "person", "请选择领用人。"),
    ("repair", {"counterparty": "站", "cost": "-5"}, None, "cost", "维修费用不能为负数。"),
    ("repair", {"counterparty": "站", "cost": "1e15"}, None, "cost", "维修费用不能超过 100 亿元，请检查是否多输入了位数。"),
    ("repair", {"counterparty": "站", "cost": "NaN"}, None, "cost", "维修费用应为数字。"),
    ("repair", {"counterparty": "站", "cost": "abc"}, None, "cost", "维修费用应为数字。"),
    ("repair", {"cost": "10"}, None, "counterparty", "请填写维修单位。"),
    ("disposal", {}, None, "disposal_method", "请选择处置方式。"),
    ("disposal", {"disposal_method": "burn"}, None, "disposal_method", "处置方式有误，请重新选择。"),
    ("disposal", {"disposal_method": "sale", "income": "-1"}, None, "income", "处置收入不能为负数。"),
    ("disposal", {"disposal_method": "donation", "income": "100"}, None, "income", "对外捐赠不应有处置收入。"),
    ("loan", {"counterparty": "市档案馆", "due_on": datetime.date(2020, 1, 1)}, None, "due_on",
     "约定归还日期不能早于业务日期。"),
    ("revaluation", {}, lambda a: [{"asset": a, "new_value": "-100"}], "lines", "不能为负数"),
    ("revaluation", {}, lambda a: [{"asset": a, "new_value": "99999999999999"}], "lines", "不能超过 100 亿元"),
    ("revaluation", {}, lambda a: [{"asset": a}], "lines", "请填写"),
    ("revaluation", {}, lambda a: [{"asset": a, "new_value": "5600"}], "lines", "与现原值相同"),
    ("issue", {}, lambda a: [], "assets", "请至少选择一项资产。"),
    ("issue", {}, lambda a: [987654321], "assets", "不存在"),
])
def test_bad_input_gets_a_chinese_message_on_its_field(w, kind, fields, assets_fn, field, text):
    asset = card(w.city.edu, status="idle")
    fields = dict(fields)
    if fields.get("occurred_on") == "future":
        fields["occurred_on"] = today() + datetime.timedelta(days=1)
    if kind == "issue":
        fields.setdefault("person", w.other_person)
    assets = assets_fn(asset) if assets_fn else [asset]
    with pytest.raises(ValidationFailed) as exc:
        _create(w, kind, assets, **fields)
    assert any(text in message for message in exc.value.fields[field]), exc.value.fields
    assert not AssetOperation.objects.exists() and not AssetOperationLine.objects.exists()


def test_an_asset_of_another_unit_or_in_another_open_document_is_refused(w):
    c = w.city
    theirs = card(c.health)
    with pytest.raises(ValidationFailed, match="不属于示范市教育局") as exc:
        _create(w, OperationKind.DISPOSAL, [theirs], disposal_method="scrap")
    assert theirs.code not in str(exc.value.fields)  # a card the officer may not see is never named
    # an officer cannot apply for a unit outside their scope
    with pytest.raises(NotAllowed):
        _create(w, OperationKind.DISPOSAL, [theirs], disposal_method="scrap", unit=c.health)
    asset = card(c.edu)
    first = _create(w, OperationKind.DISPOSAL, [asset], disposal_method="scrap")
    with pytest.raises(ValidationFailed) as exc:
        _create(w, OperationKind.TRANSFER, [asset], counterpart_unit=c.health)
    assert f"已在业务单 {first.number}（处置，草稿）中" in exc.value.fields["assets"][0]
    other = card(c.edu)
    second = _create(w, OperationKind.TRANSFER, [other], counterpart_unit=c.health)
    with pytest.raises(ValidationFailed, match="不能同时办理两张业务单"):
        operation_set_lines(operation=second, actor=w.edu_officer, assets=[other, asset])
    # once the first is finished (rejected), the card is free again
    operation_submit(operation=first, actor=w.edu_officer)
    approval_reject(approval=approval_of(first), actor=w.edu_officer, comment="不予处置")
    second = operation_set_lines(operation=second, actor=w.edu_officer, assets=[other, asset])
    assert second.line_count == 2 and second.total_value == Decimal("11200.00")


def test_documents_under_approval_or_finished_cannot_be_changed_or_submitted_again(w):
    asset = card(w.city.edu)
    op = _create(w, OperationKind.LOAN, [asset], counterparty="市档案馆")
    operation_submit(operation=op, actor=w.edu_officer)
    with pytest.raises(Conflict, match="正在审批中"):
        operation_update(operation=op, actor=w.edu_officer, reason="改")
    with pytest.raises(Conflict, match="正在审批中"):
        operation_submit(operation=op, actor=w.edu_officer)
    with pytest.raises(Conflict):
        operation_delete(operation=op, actor=w.edu_officer)
    approve_all(op, w.edu_officer, w.center)
    with pytest.raises(Conflict, match="已办结"):
        operation_set_lines(operation=op, actor=w.edu_officer, assets=[asset])


def test_a_never_submitted_draft_may_be_deleted_and_frees_its_cards(w):
    asset = card(w.city.edu)
    op = _create(w, OperationKind.DISPOSAL, [asset], disposal_method="scrap")
    with pytest.raises(NotAllowed):
        operation_delete(operation=op, actor=w.health_officer)
    operation_delete(operation=op, actor=w.edu_officer)
    assert not AssetOperation.objects.exists()
    assert _create(w, OperationKind.DISPOSAL, [asset], disposal_method="scrap").line_count == 1


def test_submit_without_anyone_to_approve_is_refused_with_a_clear_message(w, mini_city):
    from qinjian.testing.factories import PersonFactory

    asset = card(mini_city.district)  # 示范区 has no asset officer
    someone = PersonFactory(unit=mini_city.district)
    op = _create(w, OperationKind.ISSUE, [asset], actor=w.center, unit=mini_city.district, person=someone)
    with pytest.raises(DomainError, match="找不到可以办理"):
        operation_submit(operation=op, actor=w.center)
    op.refresh_from_db()
    assert op.status == OperationStatus.DRAFT and not AssetEvent.objects.filter(operation=op).exists()
