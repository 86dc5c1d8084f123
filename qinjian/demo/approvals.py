"""Sample approvals for the demo city: a few 编制调整申请 at different points of the flow.

None is approved, so the units keep the quotas of the plan. Runs once: if any sample exists, it
does nothing. ``reset_demo_approvals`` removes approvals of the demo units before a reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models, transaction

from qinjian.accounts.models import User
from qinjian.core import context
from qinjian.org.models import StaffingChangeRequest, Unit
from qinjian.org.services.staffing import staffing_request_create, staffing_request_submit
from qinjian.workflow.models import ApprovalRequest
from qinjian.workflow.services import approval_approve, approval_comment, approval_return

# (applicant username, unit code, changes to (admin, institution, worker), reason, what happens next)
SAMPLES: tuple[tuple[str, str, tuple[int, int, int], str, str], ...] = (
    ("jyj_admin", "SFS-JYJ", (6, 0, 0), "市委编办批复（示编〔2026〕12号）同意增设教育督导科，增加行政编制 6 名。", "to_leader"),
    ("wjw_admin", "SFS-WJW", (3, 0, 0), "疾病预防控制职能划入，现有人员超出核定编制，申请增加行政编制 3 名。", "pending"),
    ("sfq_admin", "SFS-SFQ-ZFB", (0, 2, 0), "区政务服务中心并入，申请增加事业编制 2 名。", "returned"),
)


def _as(user: User) -> Any:
    return context.acting(user=user, source="cli")


@transaction.atomic
def build_demo_approvals() -> int:
    """Create the sample requests if none exist yet; returns how many were created."""
    codes = [code for _u, code, _c, _r, _n in SAMPLES]
    if StaffingChangeRequest.objects.filter(unit__code__in=codes).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=["office", "leader", *[s[0] for s in SAMPLES]])}
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    office = users.get("office")
    created = 0
    for username, code, (d_admin, d_inst, d_worker), reason, outcome in SAMPLES:
        applicant, unit = users.get(username), units.get(code)
        if applicant is None or unit is None or office is None:
            continue
        with _as(applicant):
            request = staffing_request_create(
                unit=unit, new_quota_admin=unit.quota_admin + d_admin,
                new_quota_institution=unit.quota_institution + d_inst,
                new_quota_worker=unit.quota_worker + d_worker, reason=reason)
            approval = staffing_request_submit(request=request, actor=applicant, comment="请予审批。")
        created += 1
        if outcome == "to_leader":
            with _as(office):
                approval_approve(approval=approval, actor=office, comment="经核，符合编办批复，拟同意，呈中心领导审批。")
        elif outcome == "returned":
            with _as(office):
                approval_return(approval=approval, actor=office, comment="请补充区委编办的批复文件后重新提交。")
            with _as(applicant):
                approval_comment(approval=approval, actor=applicant, comment="好的，正在办理批复文件。")
    return created


def reset_demo_approvals(unit_ids: Sequence[int]) -> int:
    """Delete the approvals and staffing requests of the given units (demo reset); change-logged."""
    count = 0
    for approval in ApprovalRequest.objects.filter(applicant_unit_id__in=list(unit_ids)):
        approval.delete()
        count += 1
    for request in StaffingChangeRequest.objects.filter(
            models.Q(unit_id__in=list(unit_ids))):
        request.delete()
    return count
