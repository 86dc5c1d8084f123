"""Tables of the approval pages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from qinjian.core.ui.tables import Column, Table

from .choices import RequestStatus, TaskStatus
from .models import ApprovalRequest, ApprovalTask, FlowDefinition

REQUEST_BADGES = {
    RequestStatus.DRAFT: "bg-secondary-lt", RequestStatus.PENDING: "bg-blue-lt",
    RequestStatus.APPROVED: "bg-green-lt", RequestStatus.REJECTED: "bg-red-lt",
    RequestStatus.RETURNED: "bg-orange-lt", RequestStatus.WITHDRAWN: "bg-secondary-lt",
}
TASK_BADGES = {
    TaskStatus.PENDING: "bg-blue-lt", TaskStatus.APPROVED: "bg-green-lt", TaskStatus.REJECTED: "bg-red-lt",
    TaskStatus.RETURNED: "bg-orange-lt", TaskStatus.CANCELLED: "bg-secondary-lt",
}


def request_badge(approval: Any) -> SafeString:
    return format_html('<span class="badge {}">{}</span>', REQUEST_BADGES.get(approval.status, "bg-secondary-lt"),
                       approval.get_status_display())


def task_badge(task: Any) -> SafeString:
    return format_html('<span class="badge {}">{}</span>', TASK_BADGES.get(task.status, "bg-secondary-lt"),
                       task.get_status_display())


def _due(task: ApprovalTask, value: Any) -> SafeString:
    if value is None:
        return format_html("{}", "—")
    text = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if task.status == TaskStatus.PENDING and value < timezone.now():
        return format_html('<span class="text-danger">{}</span> <span class="badge bg-red-lt">超期</span>', text)
    return format_html("{}", text)


def _request_link(record: Any) -> str:
    approval = record.request if isinstance(record, ApprovalTask) else record
    return str(approval.get_absolute_url())


class TodoTable(Table):
    model = ApprovalTask
    default_order = ("due_at", "id")

    number = Column("审批编号", accessor="request.number", order_by="request__number", linkify=_request_link,
                    required=True)
    title = Column("事项", accessor="request.title", order_by="request__title", linkify=_request_link)
    step_name = Column("当前环节")
    applicant_unit = Column("申请单位", accessor="request.applicant_unit.name", order_by="request__applicant_unit__name")
    applicant = Column("申请人", accessor="request.applicant.display_name", order_by="request__applicant__full_name")
    submitted_at = Column("提交时间", accessor="request.submitted_at", order_by="request__submitted_at")
    due_at = Column("办理期限", render=_due)


class DoneTable(Table):
    model = ApprovalTask
    default_order = ("-acted_at", "-id")

    number = Column("审批编号", accessor="request.number", order_by="request__number", linkify=_request_link,
                    required=True)
    title = Column("事项", accessor="request.title", order_by="request__title", linkify=_request_link)
    step_name = Column("办理环节")
    status = Column("我的意见", render=lambda r, v: task_badge(r))
    acted_at = Column("办理时间")
    request_status = Column("申请状态", accessor="request.status", order_by="request__status",
                            render=lambda r, v: request_badge(r.request), export=lambda r: r.request.get_status_display())
    applicant_unit = Column("申请单位", accessor="request.applicant_unit.name", order_by="request__applicant_unit__name",
                            visible=False)


def _current_step(approval: ApprovalRequest, value: Any) -> str:
    spec = approval.current_step_spec
    return spec["name"] if spec and approval.status == RequestStatus.PENDING else "—"


class RequestTable(Table):
    model = ApprovalRequest
    default_order = ("-submitted_at", "-id")

    number = Column(linkify=True, required=True)
    title = Column(linkify=True)
    status = Column(render=lambda r, v: request_badge(r), export=lambda r: r.get_status_display())
    current = Column("当前环节", accessor="current_step", order_by=None, render=_current_step,
                     export=lambda r: _current_step(r, None))
    applicant_unit = Column("申请单位", accessor="applicant_unit.name", order_by="applicant_unit__name")
    submitted_at = Column()
    decided_at = Column()


class FlowTable(Table):
    model = FlowDefinition
    default_order = ("content_type_id", "-priority", "id")

    name = Column(linkify=True, required=True)
    content_type = Column("审批事项", render=lambda r, v: r.qj_subject, order_by=None,
                          export=lambda r: r.qj_subject)
    condition = Column("适用条件", accessor="pk", order_by=None, render=lambda r, v: r.qj_condition,
                       export=lambda r: r.qj_condition)
    step_count = Column("环节数", align="end")
    priority = Column(align="end")
    version = Column(align="end")
    is_active = Column()
