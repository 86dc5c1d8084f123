"""编制调整申请: create, change while not under approval, submit; the approved result changes the unit.

The quotas change only through the approvals engine's final decision (``_on_approved``), which
calls ``unit_update`` inside the deciding transaction and writes a readable event on the unit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from qinjian.core.audit import log_change
from qinjian.core.errors import Conflict, ValidationFailed
from qinjian.core.models import ObjectChange
from qinjian.core.numbering import next_number
from qinjian.workflow.choices import RequestStatus
from qinjian.workflow.registry import register_approvable
from qinjian.workflow.services import approval_submit

from ..models import StaffingChangeRequest, Unit
from ..models.staffing import QUOTA_KINDS
from .units import unit_update

NEW_FIELDS = tuple(f"new_{field}" for field, _label in QUOTA_KINDS)
MAX_QUOTA = 100000


def _clean(unit: Unit | None, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if unit is None:
        errors["unit"] = ["请选择申请单位。"]
    elif not unit.is_active:
        errors["unit"] = ["该单位已停用，不能申请调整编制。"]
    values: dict[str, Any] = {}
    for name in NEW_FIELDS:
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_QUOTA:
            errors.setdefault(name, []).append(f"编制数应为 0 到 {MAX_QUOTA} 之间的整数。")
        values[name] = value
    reason = (data.get("reason") or "").strip()
    if not reason:
        errors["reason"] = ["请填写调整理由。"]
    elif len(reason) > 2000:
        errors["reason"] = ["调整理由不能超过 2000 字。"]
    if not errors and unit is not None and all(
            values[f"new_{field}"] == getattr(unit, field) for field, _label in QUOTA_KINDS):
        errors["new_quota_admin"] = ["拟调整的编制数与现有编制数相同，没有需要调整的内容。"]
    if errors:
        raise ValidationFailed("编制调整申请有误，请检查标红的字段。", fields=errors)
    return {**values, "reason": reason}


def _not_editable(request: StaffingChangeRequest, verb: str) -> Conflict:
    if request.status == RequestStatus.PENDING:
        return Conflict(f"该申请正在审批中（{request.approval_number}），不能{verb}。")
    return Conflict(f"该申请{request.get_status_display()}，不能{verb}。")


def _snapshot_old(request: StaffingChangeRequest, unit: Unit) -> None:
    for field, _label in QUOTA_KINDS:
        setattr(request, f"old_{field}", getattr(unit, field))


@transaction.atomic
def staffing_request_create(*, unit: Unit, new_quota_admin: int, new_quota_institution: int,
                            new_quota_worker: int, reason: str) -> StaffingChangeRequest:
    unit = Unit.objects.get(pk=unit.pk) if unit is not None else None  # type: ignore[assignment]
    data = _clean(unit, {"new_quota_admin": new_quota_admin, "new_quota_institution": new_quota_institution,
                         "new_quota_worker": new_quota_worker, "reason": reason})
    request = StaffingChangeRequest(number=next_number("BZ"), unit=unit, **data)
    _snapshot_old(request, unit)
    request.save()
    return request


@transaction.atomic
def staffing_request_update(*, request: StaffingChangeRequest, **data: Any) -> StaffingChangeRequest:
    request = StaffingChangeRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)
    if not request.is_editable:
        raise _not_editable(request, "修改")
    merged = {name: getattr(request, name) for name in (*NEW_FIELDS, "reason")} | data
    cleaned = _clean(request.unit, merged)
    for name, value in cleaned.items():
        setattr(request, name, value)
    _snapshot_old(request, request.unit)
    request.save()
    return request


@transaction.atomic
def staffing_request_submit(*, request: StaffingChangeRequest, actor: Any, comment: str = "") -> Any:
    """Into the approval flow (again, after a return or withdrawal); the current quotas are re-read."""
    request = StaffingChangeRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)
    if not request.is_editable:
        raise _not_editable(request, "重复提交")
    _clean(request.unit, {name: getattr(request, name) for name in (*NEW_FIELDS, "reason")})
    _snapshot_old(request, request.unit)
    request.save()
    return approval_submit(obj=request, actor=actor, comment=comment)


# --- the approvals engine's hooks ------------------------------------------------------------------

def _on_status(request: StaffingChangeRequest, approval: Any) -> None:
    request.status, request.approval_number = approval.status, approval.number
    request.save(update_fields=["status", "approval_number", "updated_at"])


def _on_approved(request: StaffingChangeRequest, approval: Any) -> None:
    unit = Unit.objects.select_for_update().get(pk=request.unit_id)
    before = {field: getattr(unit, field) for field, _label in QUOTA_KINDS}
    after = {field: getattr(request, f"new_{field}") for field, _label in QUOTA_KINDS}
    unit_update(unit=unit, **after)
    parts = [f"{label} {before[field]} → {after[field]}" for field, label in QUOTA_KINDS
             if before[field] != after[field]]
    log_change(unit, ObjectChange.Action.UPDATE, before=before, after=after,
               message=f"编制调整：{'，'.join(parts) or '无变化'}，依据 {approval.number}")


def _describe(request: StaffingChangeRequest) -> str:
    parts = [f"{label}{new - old:+d}" for label, old, new in request.changes()]
    return f"{request.unit.name}编制调整（{'，'.join(parts) or '无变化'}）"


def _details(request: StaffingChangeRequest) -> list[tuple[str, str]]:
    rows = [(f"{label}", f"{old} → {new}（{new - old:+d}）") for label, old, new in request.changes()]
    return [("申请编号", request.number), *rows, ("调整理由", request.reason)]


def register_approvals() -> None:
    register_approvable(
        StaffingChangeRequest,
        amount=lambda r: r.total_change,
        amount_label="编制变动数（各类编制增减数之和）",
        on_approved=_on_approved,
        on_status=_on_status,
        describe=_describe,
        details=_details,
        submit=lambda *, obj, actor, comment="": staffing_request_submit(request=obj, actor=actor, comment=comment),
        submit_action="add",
    )
