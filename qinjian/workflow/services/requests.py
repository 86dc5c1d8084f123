"""Running approvals: submit, approve, reject, return for changes, withdraw, comment.

Every action locks the request row and then its pending task row (always in that order), checks
that the actor is the task's assignee (holds the role, where the step says, with a data scope that
reaches the applicant unit), and then moves the task with a compare-and-set on its status, so two
approvers acting on the same step at the same moment produce exactly one decision (the other gets
a Chinese error and changes nothing). The final decision calls the domain hook in the same
transaction; messages go out on commit.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from qinjian.accounts.models import Role
from qinjian.core import context
from qinjian.core.errors import Conflict, NotAllowed, ValidationFailed
from qinjian.core.models import Notification
from qinjian.core.numbering import next_number
from qinjian.org.models import Unit

from ..calendar import add_workdays
from ..choices import ActionKind, DeadlineUnit, RequestStatus, TaskStatus, UnitRule
from ..models import ApprovalAction, ApprovalRequest, ApprovalTask, FlowDefinition
from ..registry import Approvable, approvable_for
from ..selectors import can_act, candidate_users, task_candidates
from .notify import notify

COMMENT_MAX = 2000
RESUBMITTABLE = (RequestStatus.DRAFT, RequestStatus.RETURNED, RequestStatus.WITHDRAWN)


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _spec(obj: Any) -> Approvable:
    spec = approvable_for(type(obj))
    if spec is None:
        raise ValidationFailed("该类事项未接入审批。")
    return spec


def _comment(text: Any, *, required: str = "") -> str:
    value = (text or "").strip() if isinstance(text, str) else ""
    if required and not value:
        raise ValidationFailed(required, fields={"comment": [required]})
    if len(value) > COMMENT_MAX:
        raise ValidationFailed(f"意见不能超过 {COMMENT_MAX} 字。", fields={"comment": [f"不能超过 {COMMENT_MAX} 字。"]})
    return value


def _require_user(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowed("请先登录。")


def _link(approval: ApprovalRequest) -> str:
    return reverse("workflow:approvalrequest_detail", args=[approval.pk])


def _log(approval: ApprovalRequest, kind: str, actor: Any, *, task: ApprovalTask | None = None,
         comment: str = "", step_name: str = "") -> ApprovalAction:
    ctx = context.current()
    name = getattr(actor, "display_name", "") if actor is not None else ""
    return ApprovalAction.objects.create(
        request=approval, task=task, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
        actor_name=name or "系统", step_name=step_name or (task.step_name if task else ""), comment=comment,
        ip=ctx.ip,
    )


def _target(approval: ApprovalRequest) -> Any:
    model = approval.content_type.model_class()
    assert model is not None
    return model._default_manager.select_for_update().get(pk=approval.object_id)


def flow_select(*, model: type[Any], amount: Decimal | None, variant: str = "") -> FlowDefinition:
    """The active flow whose conditions match: a flow for the object's variant before a general one,
    then the highest priority; none → a Chinese error."""
    ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
    flows = FlowDefinition.objects.filter(content_type=ct, is_active=True).filter(Q(variant="") | Q(variant=variant))
    for flow in sorted(flows, key=lambda f: (f.variant != variant, -f.priority, f.pk)):
        if flow.matches(amount):
            return flow
    spec = approvable_for(model)
    label = dict(spec.variants).get(variant, "") if spec is not None and variant else ""
    raise ValidationFailed(f"没有适用于“{label or model._meta.verbose_name}”的审批流程，请联系系统管理员配置审批流程。")


def _assigned_unit(rule: str, fixed_unit_id: int | None, applicant_unit: Unit,
                   role_code: str, counterpart: Unit | None = None) -> tuple[Unit | None, bool]:
    """(the unit the step's assignee must sit in — None for any unit with scope 全部 —, someone is there)."""
    if rule == UnitRule.COUNTERPART_UNIT:
        if counterpart is None:
            return None, False
        return counterpart, candidate_users(role_code, counterpart, counterpart).exists()
    if rule == UnitRule.SCOPE_ALL:
        return None, candidate_users(role_code, None, applicant_unit).exists()
    if rule == UnitRule.APPLICANT_UNIT:
        return applicant_unit, candidate_users(role_code, applicant_unit, applicant_unit).exists()
    if rule == UnitRule.FIXED_UNIT:
        unit = Unit.objects.filter(pk=fixed_unit_id).first()
        if unit is None:
            return None, False
        return unit, candidate_users(role_code, unit, applicant_unit).exists()
    # the nearest unit up the applicant unit's parent chain where someone holds the role
    for ancestor in reversed(list(applicant_unit.ancestors())):
        if candidate_users(role_code, ancestor, applicant_unit).exists():
            return ancestor, True
    return None, False


def _plan(flow: FlowDefinition, amount: Decimal | None, applicant_unit: Unit,
          counterpart: Unit | None = None) -> list[dict[str, Any]]:
    """The steps this request goes through, each with its assignee unit resolved now."""
    roles = dict(Role.objects.values_list("code", "name"))
    steps = []
    for step in flow.steps.order_by("order"):
        if step.min_amount is not None and (amount is None or amount < step.min_amount):
            continue
        if step.unit_rule == UnitRule.COUNTERPART_UNIT and counterpart is None:
            continue  # a one-sided matter has no counterpart to sign
        unit, staffed = _assigned_unit(step.unit_rule, step.fixed_unit_id, applicant_unit, step.role_code,
                                       counterpart)
        role_name = roles.get(step.role_code, step.role_code)
        if not staffed:
            raise ValidationFailed(
                f"审批环节“{step.name}”找不到可以办理的“{role_name}”人员，无法提交。请联系系统管理员调整流程或授予角色。")
        steps.append({
            "order": step.order, "name": step.name, "role_code": step.role_code, "role_name": role_name,
            "unit_rule": step.unit_rule, "assigned_unit_id": unit.pk if unit else None,
            "assigned_unit_name": unit.name if unit else "", "deadline_value": step.deadline_value,
            "deadline_unit": step.deadline_unit,
            "min_amount": str(step.min_amount) if step.min_amount is not None else None,
        })
    if not steps:
        raise ValidationFailed(f"审批流程“{flow.name}”没有适用于本申请的审批环节，请联系系统管理员。")
    return steps


def _due(step: dict[str, Any], start: datetime.datetime) -> datetime.datetime:
    value = int(step.get("deadline_value") or 0)
    if step.get("deadline_unit") == DeadlineUnit.HOURS:
        return start + datetime.timedelta(hours=value)
    return add_workdays(start, value)


def _open_task(approval: ApprovalRequest, index: int) -> ApprovalTask:
    step = approval.flow_snapshot[index]
    now = timezone.now()
    task = ApprovalTask.objects.create(
        request=approval, round=approval.round, step_index=index, step_name=step["name"],
        role_code=step["role_code"], role_name=step.get("role_name", ""), unit_rule=step["unit_rule"],
        assigned_unit_id=step.get("assigned_unit_id"), due_at=_due(step, now),
    )
    approval.current_step = index
    notify(task_candidates(task), title=f"待办审批：{approval.title}",
           body=f"{approval.number}「{step['name']}」等待您办理，办理期限 "
                f"{timezone.localtime(task.due_at):%Y-%m-%d %H:%M}。" if task.due_at else "",
           link=_link(approval))
    return task


def _lock(approval: ApprovalRequest, task: ApprovalTask | None) -> tuple[ApprovalRequest, ApprovalTask]:
    """Lock the request, then its pending task (fixed order); refuse if there is nothing to act on."""
    locked = (ApprovalRequest.objects.select_for_update(of=("self",)).select_related("applicant_unit", "content_type")
              .get(pk=approval.pk))
    if task is not None:
        mine = ApprovalTask.objects.select_for_update().filter(pk=task.pk, request=locked).first()
        if mine is None:
            raise ValidationFailed("审批任务不属于该申请。")
        if mine.status != TaskStatus.PENDING:
            raise Conflict(f"该审批环节已办理（{mine.get_status_display()}），不能重复办理。")
    if locked.status != RequestStatus.PENDING:
        raise Conflict(f"该申请{locked.get_status_display()}，不能再办理。")
    current = (ApprovalTask.objects.select_for_update(of=("self",)).filter(request=locked, status=TaskStatus.PENDING)
               .select_related("assigned_unit").order_by("id").first())
    if current is None:
        raise Conflict("该申请当前没有待办理的审批环节。")
    current.request = locked
    return locked, current


def _check_assignee(task: ApprovalTask, actor: Any) -> None:
    _require_user(actor)
    if not can_act(actor, task):
        raise NotAllowed("您不是当前审批环节的审批人，无权办理。")


def _close(task: ApprovalTask, status: str, actor: Any, comment: str) -> None:
    # compare-and-set: the database, not this process, decides who was first
    now = timezone.now()
    done = ApprovalTask.objects.filter(pk=task.pk, status=TaskStatus.PENDING).update(status=status)
    if done != 1:
        raise Conflict("该审批环节已被他人办理，请刷新页面。")
    task.status, task.acted_by, task.acted_at, task.comment = status, actor, now, comment
    task.save()


def _status_changed(spec: Approvable, approval: ApprovalRequest, target: Any) -> None:
    spec.on_status(target, approval)


# --------------------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def approval_submit(*, obj: Any, actor: Any, comment: str = "") -> ApprovalRequest:
    """Start (or, after a return or withdrawal, restart) the approval of ``obj``."""
    _require_user(actor)
    spec = _spec(obj)
    comment = _comment(comment)
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    # same lock order as the decisions: the request row first, then the object
    existing = (ApprovalRequest.objects.select_for_update()
                .filter(content_type=ct, object_id=obj.pk).order_by("-id").first())
    target = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    if existing is not None and existing.status == RequestStatus.PENDING:
        raise Conflict(f"该事项已在审批中（{existing.number}），不能重复提交。")
    if existing is not None and existing.status == RequestStatus.APPROVED:
        raise Conflict(f"该事项已审批通过（{existing.number}），不能再次提交。")
    if existing is not None and existing.status == RequestStatus.REJECTED:
        raise Conflict(f"该事项已被驳回（{existing.number}），请重新发起申请。")
    if existing is not None and existing.applicant_id != actor.pk:
        raise NotAllowed("只有原申请人可以重新提交。")
    unit = spec.applicant_unit(target)
    amount = spec.amount_of(target)
    flow = flow_select(model=type(target), amount=amount, variant=spec.variant(target) or "")
    steps = _plan(flow, amount, unit, spec.counterpart_unit(target))
    now = timezone.now()
    title = spec.describe(target)[:200]
    if existing is None:
        approval = ApprovalRequest(number=next_number("SP"), content_type=ct, object_id=target.pk,
                                   applicant=actor, applicant_unit=unit, round=1)
        kind = ActionKind.SUBMIT
    else:
        approval = existing
        approval.round += 1
        approval.applicant_unit = unit
        kind = ActionKind.RESUBMIT
    approval.title, approval.amount, approval.flow = title, amount, flow
    approval.flow_version, approval.flow_snapshot = flow.version, steps
    approval.status, approval.submitted_at, approval.decided_at = RequestStatus.PENDING, now, None
    approval.current_step = 0
    try:
        with transaction.atomic():
            approval.save()
    except IntegrityError as exc:  # a concurrent first submit of the same object won
        raise Conflict("该事项已在审批中，不能重复提交。") from exc
    _log(approval, kind, actor, comment=comment, step_name="申请")
    _open_task(approval, 0)
    approval.save(update_fields=["current_step", "updated_at"])
    _status_changed(spec, approval, target)
    return approval


@transaction.atomic
def approval_approve(*, approval: ApprovalRequest, actor: Any, comment: str = "",
                     task: ApprovalTask | None = None) -> ApprovalRequest:
    comment = _comment(comment)
    approval, current = _lock(approval, task)
    _check_assignee(current, actor)
    spec = _spec_of(approval)
    target = _target(approval)
    _close(current, TaskStatus.APPROVED, actor, comment)
    _log(approval, ActionKind.APPROVE, actor, task=current, comment=comment)
    following = current.step_index + 1
    if following < len(approval.flow_snapshot):
        _open_task(approval, following)
        approval.save()
        _status_changed(spec, approval, target)
        return approval
    approval.status, approval.decided_at = RequestStatus.APPROVED, timezone.now()
    approval.save()
    spec.on_approved(target, approval)
    _status_changed(spec, approval, target)
    notify([approval.applicant_id], title=f"审批通过：{approval.title}",
           body=f"{approval.number} 已审批通过（{current.step_name}：{actor.display_name}）。", link=_link(approval))
    return approval


@transaction.atomic
def approval_reject(*, approval: ApprovalRequest, actor: Any, comment: str,
                    task: ApprovalTask | None = None) -> ApprovalRequest:
    comment = _comment(comment, required="驳回须填写理由。")
    approval, current = _lock(approval, task)
    _check_assignee(current, actor)
    spec = _spec_of(approval)
    target = _target(approval)
    _close(current, TaskStatus.REJECTED, actor, comment)
    _log(approval, ActionKind.REJECT, actor, task=current, comment=comment)
    approval.status, approval.decided_at = RequestStatus.REJECTED, timezone.now()
    approval.save()
    spec.on_rejected(target, approval)
    _status_changed(spec, approval, target)
    notify([approval.applicant_id], title=f"审批驳回：{approval.title}", level=Notification.Level.WARNING,
           body=f"{approval.number} 在「{current.step_name}」被驳回：{comment}", link=_link(approval))
    return approval


@transaction.atomic
def approval_return(*, approval: ApprovalRequest, actor: Any, comment: str,
                    task: ApprovalTask | None = None) -> ApprovalRequest:
    """Back to the applicant, who may change the object and submit again."""
    comment = _comment(comment, required="退回须填写修改意见。")
    approval, current = _lock(approval, task)
    _check_assignee(current, actor)
    spec = _spec_of(approval)
    target = _target(approval)
    _close(current, TaskStatus.RETURNED, actor, comment)
    _log(approval, ActionKind.RETURN, actor, task=current, comment=comment)
    approval.status = RequestStatus.RETURNED
    approval.save()
    _status_changed(spec, approval, target)
    notify([approval.applicant_id], title=f"审批退回修改：{approval.title}", level=Notification.Level.WARNING,
           body=f"{approval.number} 在「{current.step_name}」被退回修改：{comment}", link=_link(approval))
    return approval


@transaction.atomic
def approval_withdraw(*, approval: ApprovalRequest, actor: Any, comment: str = "") -> ApprovalRequest:
    """The applicant takes a pending request back (it may be submitted again later)."""
    _require_user(actor)
    comment = _comment(comment)
    locked = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
    if locked.applicant_id != actor.pk:
        raise NotAllowed("只有申请人可以撤回申请。")
    if locked.status != RequestStatus.PENDING:
        raise Conflict(f"该申请{locked.get_status_display()}，不能撤回。")
    spec = _spec_of(locked)
    target = _target(locked)
    pending = list(ApprovalTask.objects.select_for_update(of=("self",)).filter(request=locked, status=TaskStatus.PENDING)
                   .select_related("assigned_unit").order_by("id"))
    waiting: list[Any] = []
    for task in pending:
        task.request = locked
        waiting.extend(task_candidates(task))
        _close(task, TaskStatus.CANCELLED, None, "")
    _log(locked, ActionKind.WITHDRAW, actor, comment=comment, step_name="申请")
    locked.status = RequestStatus.WITHDRAWN
    locked.save()
    _status_changed(spec, locked, target)
    notify(waiting, title=f"申请已撤回：{locked.title}", body=f"{locked.number} 已由申请人撤回，无需办理。",
           link=_link(locked))
    return locked


def may_comment(approval: ApprovalRequest, actor: Any) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if approval.applicant_id == actor.pk:
        return True
    if approval.tasks.filter(acted_by=actor).exists():
        return True
    return any(can_act(actor, t) for t in approval.tasks.filter(status=TaskStatus.PENDING)
               .select_related("request__applicant_unit"))


@transaction.atomic
def approval_comment(*, approval: ApprovalRequest, actor: Any, comment: str) -> ApprovalAction:
    """A remark on the trail by the applicant or an approver (any time)."""
    _require_user(actor)
    comment = _comment(comment, required="请填写评论内容。")
    locked = ApprovalRequest.objects.select_for_update(of=("self",)).select_related("applicant_unit").get(pk=approval.pk)
    if not may_comment(locked, actor):
        raise NotAllowed("只有申请人和审批人可以发表评论。")
    current = (ApprovalTask.objects.filter(request=locked, status=TaskStatus.PENDING).order_by("id").first()
               if locked.status == RequestStatus.PENDING else None)
    action = _log(locked, ActionKind.COMMENT, actor, task=current, comment=comment,
                  step_name=current.step_name if current else "")
    others = {locked.applicant_id, *locked.tasks.exclude(acted_by=None).values_list("acted_by_id", flat=True)}
    others.discard(actor.pk)
    notify(others, title=f"审批评论：{locked.title}", body=f"{actor.display_name}：{comment}", link=_link(locked))
    return action


@transaction.atomic
def approval_mark_overdue(*, now: datetime.datetime | None = None) -> int:
    """Mark pending tasks past their deadline once, and tell their assignees. Idempotent."""
    now = now or timezone.now()
    count = 0
    tasks = (ApprovalTask.objects.select_for_update(of=("self",))
             .filter(status=TaskStatus.PENDING, request__status=RequestStatus.PENDING, due_at__lt=now,
                     overdue_at__isnull=True)
             .select_related("request", "request__applicant_unit", "assigned_unit").order_by("id"))
    for task in tasks:
        task.overdue_at = now
        task.save(update_fields=["overdue_at", "updated_at"])
        _log(task.request, ActionKind.OVERDUE, None, task=task,
             comment=f"已超过办理期限 {timezone.localtime(task.due_at):%Y-%m-%d %H:%M}" if task.due_at else "")
        notify(task_candidates(task), title=f"审批超期：{task.request.title}", level=Notification.Level.WARNING,
               body=f"{task.request.number}「{task.step_name}」已超过办理期限，请尽快办理。", link=_link(task.request))
        count += 1
    return count


def _spec_of(approval: ApprovalRequest) -> Approvable:
    model = approval.content_type.model_class()
    spec = approvable_for(model) if model is not None else None
    if spec is None:
        raise ValidationFailed("该类事项未接入审批。")
    return spec
