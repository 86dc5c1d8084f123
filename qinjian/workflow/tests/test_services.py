"""The approvals engine through its services: flow selection, every action, who may act, the trail."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from qinjian.accounts.models import RoleAssignment
from qinjian.core.errors import Conflict, NotAllowed, ValidationFailed
from qinjian.core.models import Notification, ObjectChange
from qinjian.org.models import StaffingChangeRequest, Unit
from qinjian.workflow import selectors
from qinjian.workflow.choices import RequestStatus, TaskStatus, UnitRule
from qinjian.workflow.models import ApprovalAction, ApprovalRequest, ApprovalTask, FlowDefinition
from qinjian.workflow.services import (
    approval_approve,
    approval_comment,
    approval_mark_overdue,
    approval_reject,
    approval_return,
    approval_submit,
    approval_withdraw,
    flow_create,
    flow_select,
)

from .conftest import staffing_request

pytestmark = pytest.mark.django_db


def _ct() -> ContentType:
    return ContentType.objects.get_for_model(StaffingChangeRequest)


def _state(approval: ApprovalRequest) -> tuple[Any, ...]:
    approval.refresh_from_db()
    return (approval.status, approval.current_step, approval.round,
            sorted(approval.tasks.values_list("step_index", "status", "acted_by_id")),
            approval.actions.count())


# --- flow selection ------------------------------------------------------------------------------

def test_default_flow_is_shipped_as_data():
    flow = FlowDefinition.objects.get(content_type=_ct())
    assert flow.name == "编制调整审批" and flow.is_active
    assert [(s.order, s.name, s.role_code, s.unit_rule, s.min_amount) for s in flow.steps.order_by("order")] == [
        (1, "中心综合处审核", "center_office", UnitRule.SCOPE_ALL, None),
        (2, "中心领导审批", "center_leader", UnitRule.SCOPE_ALL, Decimal("5.00")),
    ]


def test_flow_selection_by_priority_and_amount(people):
    default = FlowDefinition.objects.get(content_type=_ct())
    big = flow_create(name="大额编制调整", content_type=_ct(), priority=10, amount_min=Decimal("20"), amount_max=None,
                      is_active=True, description="",
                      steps=[{"name": "领导审批", "role_code": "center_leader", "unit_rule": UnitRule.SCOPE_ALL,
                              "fixed_unit": None, "min_amount": None, "deadline_value": 2, "deadline_unit": "hours"}])
    assert flow_select(model=StaffingChangeRequest, amount=Decimal("3")) == default
    assert flow_select(model=StaffingChangeRequest, amount=Decimal("20")) == big
    assert flow_select(model=StaffingChangeRequest, amount=None) == default
    big.is_active = False
    big.save()
    assert flow_select(model=StaffingChangeRequest, amount=Decimal("25")) == default


def test_no_matching_flow_is_a_chinese_error_and_creates_nothing(people):
    FlowDefinition.objects.update(is_active=False)
    req = staffing_request(people.city.edu)
    with pytest.raises(ValidationFailed, match="没有适用于“编制调整申请”的审批流程"):
        approval_submit(obj=req, actor=people.edu_admin)
    assert ApprovalRequest.objects.count() == 0 and ApprovalTask.objects.count() == 0
    req.refresh_from_db()
    assert req.status == RequestStatus.DRAFT


def test_small_change_skips_the_leader_step(people):
    req = staffing_request(people.city.edu, admin_delta=2)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    assert [s["name"] for s in approval.flow_snapshot] == ["中心综合处审核"]
    assert approval.amount == Decimal("2")
    approval_approve(approval=approval, actor=people.office, comment="同意")
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED


# --- the two-step flow end to end ----------------------------------------------------------------

def test_two_step_flow_end_to_end(people, django_capture_on_commit_callbacks):
    edu = people.city.edu
    assert edu.quota_admin == 40
    req = staffing_request(edu, admin_delta=5)
    with django_capture_on_commit_callbacks(execute=True):
        approval = approval_submit(obj=req, actor=people.edu_admin, comment="请审批")
    assert approval.number.startswith("SP-") and approval.status == RequestStatus.PENDING
    assert [s["name"] for s in approval.flow_snapshot] == ["中心综合处审核", "中心领导审批"]
    req.refresh_from_db()
    assert (req.status, req.approval_number) == (RequestStatus.PENDING, approval.number)
    # both center-office people are told; the leader is not yet
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {people.office.pk, people.office2.pk}
    assert list(selectors.todo_tasks(people.office)) == list(selectors.todo_tasks(people.office2))
    assert selectors.todo_tasks(people.leader).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(approval=approval, actor=people.office, comment="材料齐全")
    approval.refresh_from_db()
    assert (approval.status, approval.current_step) == (RequestStatus.PENDING, 1)
    assert selectors.todo_tasks(people.office).count() == 0
    assert selectors.todo_tasks(people.leader).count() == 1
    assert Notification.objects.filter(recipient=people.leader, title__startswith="待办审批").count() == 1
    edu.refresh_from_db()
    assert edu.quota_admin == 40  # nothing changes before the final decision

    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(approval=approval, actor=people.leader, comment="同意")
    approval.refresh_from_db()
    edu.refresh_from_db()
    req.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED and approval.decided_at is not None
    assert edu.quota_admin == 45
    assert req.status == RequestStatus.APPROVED
    assert Notification.objects.filter(recipient=people.edu_admin, title__startswith="审批通过").count() == 1
    event = ObjectChange.objects.filter(object_id=str(edu.pk), message__startswith="编制调整").get()
    assert event.message == f"编制调整：行政编制 40 → 45，依据 {approval.number}"
    trail = list(approval.actions.values_list("kind", "actor_name", "comment"))
    assert trail == [("submit", "教育局管理员", "请审批"), ("approve", "综合处甲", "材料齐全"),
                     ("approve", "中心领导", "同意")]
    assert list(selectors.done_tasks(people.office)) == [approval.tasks.get(step_index=0)]


def test_reject_changes_nothing_in_the_domain(people, django_capture_on_commit_callbacks):
    edu = people.city.edu
    req = staffing_request(edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    with pytest.raises(ValidationFailed, match="驳回须填写理由"):
        approval_reject(approval=approval, actor=people.office, comment="  ")
    with django_capture_on_commit_callbacks(execute=True):
        approval_reject(approval=approval, actor=people.office, comment="依据不足")
    approval.refresh_from_db()
    edu.refresh_from_db()
    req.refresh_from_db()
    assert approval.status == RequestStatus.REJECTED and req.status == RequestStatus.REJECTED
    assert edu.quota_admin == 40
    assert Notification.objects.filter(recipient=people.edu_admin, title__startswith="审批驳回").count() == 1
    with pytest.raises(Conflict, match="已被驳回"):
        approval_submit(obj=req, actor=people.edu_admin)


def test_return_and_resubmit(people):
    from qinjian.org.services.staffing import staffing_request_submit, staffing_request_update

    req = staffing_request(people.city.edu, admin_delta=6)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    approval_return(approval=approval, actor=people.office, comment="请附编办批复")
    approval.refresh_from_db()
    req.refresh_from_db()
    assert approval.status == RequestStatus.RETURNED and req.status == RequestStatus.RETURNED
    assert selectors.todo_tasks(people.office).count() == 0
    staffing_request_update(request=req, new_quota_admin=42, reason="附编办批复 示编〔2026〕3号")
    # someone else of the unit cannot resubmit the applicant's request
    with pytest.raises(NotAllowed, match="只有原申请人"):
        approval_submit(obj=req, actor=people.school_admin)
    again = staffing_request_submit(request=req, actor=people.edu_admin)
    assert again.pk == approval.pk
    again.refresh_from_db()
    assert (again.status, again.round, again.amount) == (RequestStatus.PENDING, 2, Decimal("2"))
    assert [s["name"] for s in again.flow_snapshot] == ["中心综合处审核"]  # 2 < 5: no leader step now
    assert list(again.actions.values_list("kind", flat=True)) == ["submit", "return", "resubmit"]
    approval_approve(approval=again, actor=people.office2)
    people.city.edu.refresh_from_db()
    assert people.city.edu.quota_admin == 42


def test_withdraw_by_applicant_only(people):
    req = staffing_request(people.city.edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    before = _state(approval)
    for outsider in (people.office, people.school_admin):
        with pytest.raises(NotAllowed, match="只有申请人可以撤回"):
            approval_withdraw(approval=approval, actor=outsider)
    assert _state(approval) == before
    approval_withdraw(approval=approval, actor=people.edu_admin, comment="数据有误")
    approval.refresh_from_db()
    req.refresh_from_db()
    assert approval.status == RequestStatus.WITHDRAWN and req.status == RequestStatus.WITHDRAWN
    assert list(approval.tasks.values_list("status", flat=True)) == [TaskStatus.CANCELLED]
    with pytest.raises(Conflict, match="已撤回"):
        approval_approve(approval=approval, actor=people.office)
    with pytest.raises(Conflict, match="不能撤回"):
        approval_withdraw(approval=approval, actor=people.edu_admin)
    # after a withdrawal it may be submitted again
    again = approval_submit(obj=req, actor=people.edu_admin)
    assert (again.pk, again.round, again.status) == (approval.pk, 2, RequestStatus.PENDING)


def test_comment(people, django_capture_on_commit_callbacks):
    req = staffing_request(people.city.edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    with django_capture_on_commit_callbacks(execute=True):
        approval_comment(approval=approval, actor=people.office, comment="请补充人员名单")
        approval_comment(approval=approval, actor=people.edu_admin, comment="已补充")
    assert list(approval.actions.filter(kind="comment").values_list("actor_name", "comment")) == [
        ("综合处甲", "请补充人员名单"), ("教育局管理员", "已补充")]
    assert Notification.objects.filter(recipient=people.edu_admin, title__startswith="审批评论").count() == 1
    count = approval.actions.count()
    with pytest.raises(NotAllowed):
        approval_comment(approval=approval, actor=people.health_admin, comment="路过")
    with pytest.raises(ValidationFailed, match="请填写评论内容"):
        approval_comment(approval=approval, actor=people.office, comment="")
    assert approval.actions.count() == count


# --- who may act ---------------------------------------------------------------------------------

def test_only_assignees_may_act_and_a_refusal_changes_nothing(people):
    req = staffing_request(people.city.edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    before = _state(approval)
    # the applicant, another unit's admin, a leader before their step, plain staff: all refused
    for outsider in (people.edu_admin, people.health_admin, people.leader, people.staff):
        for service in (approval_approve, approval_reject, approval_return):
            with pytest.raises(NotAllowed, match="您不是当前审批环节的审批人"):
                service(approval=approval, actor=outsider, comment="意见")
    assert _state(approval) == before
    people.city.edu.refresh_from_db()
    assert people.city.edu.quota_admin == 40


def test_role_with_a_restricted_scope_is_not_an_assignee_of_a_scope_all_step(people):
    # a center_office role anchored at 市卫健委 with scope "unit" does not reach the 市教育局 request
    RoleAssignment.objects.filter(user=people.office2).update(unit=people.city.health, scope="unit")
    req = staffing_request(people.city.edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    people.office2.refresh_from_db()
    with pytest.raises(NotAllowed):
        approval_approve(approval=approval, actor=people.office2)
    assert selectors.todo_tasks(people.office2).count() == 0


def test_applicant_unit_and_parent_chain_rules(people):
    """Steps assigned to the applicant unit's own officer and to its parent unit's officer."""
    ct = _ct()
    FlowDefinition.objects.update(is_active=False)
    flow_create(name="单位内部审核", content_type=ct, priority=1, amount_min=None, amount_max=None, is_active=True,
                description="", steps=[
                    {"name": "本单位审核", "role_code": "unit_admin", "unit_rule": UnitRule.APPLICANT_UNIT,
                     "fixed_unit": None, "min_amount": None, "deadline_value": 1, "deadline_unit": "workdays"},
                    {"name": "主管部门审核", "role_code": "unit_admin", "unit_rule": UnitRule.APPLICANT_PARENT,
                     "fixed_unit": None, "min_amount": None, "deadline_value": 1, "deadline_unit": "workdays"},
                ])
    school = people.city.edu_school
    req = staffing_request(school, admin_delta=1)
    approval = approval_submit(obj=req, actor=people.school_admin)
    assert [s["assigned_unit_id"] for s in approval.flow_snapshot] == [school.pk, people.city.edu.pk]
    with pytest.raises(NotAllowed):
        approval_approve(approval=approval, actor=people.edu_admin)  # step 1 is the school's own admin
    approval_approve(approval=approval, actor=people.school_admin)
    with pytest.raises(NotAllowed):
        approval_approve(approval=approval, actor=people.school_admin)  # step 2 is the parent unit's
    with pytest.raises(NotAllowed):
        approval_approve(approval=approval, actor=people.health_admin)
    approval_approve(approval=approval, actor=people.edu_admin)
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED


def test_submit_refused_when_a_step_has_nobody(people):
    RoleAssignment.objects.filter(role__code="center_leader").delete()
    req = staffing_request(people.city.edu, admin_delta=9)
    with pytest.raises(ValidationFailed, match="审批环节“中心领导审批”找不到可以办理的“中心领导”人员"):
        approval_submit(obj=req, actor=people.edu_admin)
    assert ApprovalRequest.objects.count() == 0


# --- approving twice, decided requests -----------------------------------------------------------

def test_approving_twice_is_refused(people):
    req = staffing_request(people.city.edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    task = approval.tasks.get()
    approval_approve(approval=approval, actor=people.office, task=task)
    before = _state(approval)
    with pytest.raises(Conflict, match="该审批环节已办理（已同意），不能重复办理"):
        approval_approve(approval=approval, actor=people.office2, task=task)
    with pytest.raises(NotAllowed):
        approval_approve(approval=approval, actor=people.office)  # the current step is the leader's
    assert _state(approval) == before
    approval_approve(approval=approval, actor=people.leader)
    with pytest.raises(Conflict, match="该申请已通过，不能再办理"):
        approval_approve(approval=approval, actor=people.leader)
    with pytest.raises(Conflict, match="已审批通过"):
        approval_submit(obj=req, actor=people.edu_admin)
    people.city.edu.refresh_from_db()
    assert people.city.edu.quota_admin == 45


def test_double_submit_is_refused(people):
    req = staffing_request(people.city.edu)
    approval_submit(obj=req, actor=people.edu_admin)
    with pytest.raises(Conflict, match="已在审批中"):
        approval_submit(obj=req, actor=people.edu_admin)
    assert ApprovalRequest.objects.count() == 1 and ApprovalTask.objects.count() == 1


# --- deadlines -----------------------------------------------------------------------------------

def test_overdue_tasks_are_marked_once_and_assignees_told(people, django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    req = staffing_request(people.city.edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    task = approval.tasks.get()
    assert task.due_at is not None and task.due_at > timezone.now()
    assert list(selectors.overdue_tasks()) == []
    ApprovalTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    assert list(selectors.overdue_tasks()) == [task]
    with django_capture_on_commit_callbacks(execute=True):
        assert approval_mark_overdue() == 1
        assert approval_mark_overdue() == 0
    assert set(Notification.objects.filter(title__startswith="审批超期").values_list("recipient_id", flat=True)) == {
        people.office.pk, people.office2.pk}
    assert ApprovalAction.objects.filter(kind="overdue").count() == 1


def test_workday_deadline_skips_holidays():
    import datetime

    from django.utils import timezone

    from qinjian.workflow.calendar import add_workdays, is_workday

    tz = timezone.get_current_timezone()
    # 2026-09-30 (Wed) + 1 working day: the National Day holiday runs to 10-07; 10-08 is the next working day
    start = datetime.datetime(2026, 9, 30, 10, 0, tzinfo=tz)
    assert timezone.localtime(add_workdays(start, 1)).date() == datetime.date(2026, 10, 8)
    assert is_workday(datetime.date(2026, 10, 10))  # an adjusted Saturday
    assert not is_workday(datetime.date(2026, 10, 11))


# --- flow definitions ----------------------------------------------------------------------------

def test_flow_without_steps_or_assignee_is_refused(people):
    ct = _ct()
    count = FlowDefinition.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        flow_create(name="空流程", content_type=ct, priority=0, amount_min=None, amount_max=None, is_active=True,
                    description="", steps=[])
    assert exc.value.fields["steps"] == ["流程至少需要一个审批环节。"]
    RoleAssignment.objects.filter(role__code="center_asset").delete()
    step = {"name": "资产处审核", "role_code": "center_asset", "unit_rule": UnitRule.SCOPE_ALL, "fixed_unit": None,
            "min_amount": None, "deadline_value": 3, "deadline_unit": "workdays"}
    with pytest.raises(ValidationFailed) as exc:
        flow_create(name="无人审批", content_type=ct, priority=0, amount_min=None, amount_max=None, is_active=True,
                    description="", steps=[step])
    assert exc.value.fields["steps.0.role_code"] == [
        "目前没有数据范围为“全部数据”的“中心资产管理处”人员，此环节将无人审批。请先给人员授予该角色。"]
    fixed = {**step, "role_code": "center_office", "unit_rule": UnitRule.FIXED_UNIT,
             "fixed_unit": Unit.objects.get(code="SFS-WJW")}
    with pytest.raises(ValidationFailed) as exc:
        flow_create(name="指定单位无人", content_type=ct, priority=0, amount_min=None, amount_max=None,
                    is_active=True, description="", steps=[fixed])
    assert "此环节将无人审批" in exc.value.fields["steps.0.role_code"][0]
    sysadmin_step = {**step, "role_code": "sysadmin"}
    with pytest.raises(ValidationFailed) as exc:
        flow_create(name="三员审批", content_type=ct, priority=0, amount_min=None, amount_max=None, is_active=True,
                    description="", steps=[sysadmin_step])
    assert exc.value.fields["steps.0.role_code"] == ["角色“系统管理员”没有办理审批的权限，不能作为审批角色。"]
    assert FlowDefinition.objects.count() == count


def test_flow_update_bumps_version_and_running_requests_keep_their_steps(people):
    from qinjian.workflow.services import flow_update

    flow = FlowDefinition.objects.get(content_type=_ct())
    req = staffing_request(people.city.edu, admin_delta=7)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    flow_update(flow=flow, steps=[{"name": "领导直接审批", "role_code": "center_leader", "unit_rule": UnitRule.SCOPE_ALL,
                                   "fixed_unit": None, "min_amount": None, "deadline_value": 1,
                                   "deadline_unit": "workdays"}])
    flow.refresh_from_db()
    assert flow.version == 2 and flow.steps.count() == 1
    approval.refresh_from_db()
    assert [s["name"] for s in approval.flow_snapshot] == ["中心综合处审核", "中心领导审批"]
    approval_approve(approval=approval, actor=people.office)
    approval_approve(approval=approval, actor=people.leader)
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
