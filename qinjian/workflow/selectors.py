"""Reads of the approvals engine: who may act on a task, the inboxes, the trail, overdue tasks."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from qinjian.accounts.models import Role, RoleAssignment, User
from qinjian.core.scope import DataScope, scope_q
from qinjian.org.models import Unit

from .choices import RequestStatus, TaskStatus, UnitRule
from .models import ApprovalAction, ApprovalRequest, ApprovalTask

VIEW_REQUEST = "workflow.view_approvalrequest"
VIEW_TASK = "workflow.view_approvaltask"


def _assignments(user: Any) -> list[RoleAssignment]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return list(user.active_assignments())


def scope_covers(scope: str, anchor: Unit, unit: Unit) -> bool:
    """Whether a role assignment anchored at ``anchor`` with ``scope`` reaches ``unit``."""
    if scope == DataScope.ALL:
        return True
    if scope == DataScope.UNIT_TREE:
        return bool(anchor.tree_path) and unit.tree_path.startswith(anchor.tree_path)
    if scope == DataScope.UNIT:
        return anchor.pk == unit.pk
    return False


def can_act(user: Any, task: ApprovalTask) -> bool:
    """The user holds the task's role at the task's unit, with a data scope reaching the applicant unit."""
    if task.status != TaskStatus.PENDING:
        return False
    # a counterpart step (e.g. the receiving unit of a transfer) is reached at its own unit
    reach = task.request.applicant_unit
    if task.unit_rule == UnitRule.COUNTERPART_UNIT and task.assigned_unit is not None:
        reach = task.assigned_unit
    for assignment in _assignments(user):
        if assignment.role.code != task.role_code:
            continue
        if task.assigned_unit_id is None:
            if assignment.scope == DataScope.ALL:
                return True
            continue
        if assignment.unit_id == task.assigned_unit_id and scope_covers(assignment.scope, assignment.unit, reach):
            return True
    return False


def actionable_q(user: Any) -> Q:
    """The ApprovalTask rows the user is an assignee of (whatever their status)."""
    q = Q(pk__in=[])
    counterpart = Q(unit_rule=UnitRule.COUNTERPART_UNIT)
    for a in _assignments(user):
        role = Q(role_code=a.role.code)
        if a.scope == DataScope.ALL:
            q |= role & (Q(assigned_unit__isnull=True) | Q(assigned_unit_id=a.unit_id))
        elif a.scope == DataScope.UNIT_TREE:
            q |= role & Q(assigned_unit_id=a.unit_id) & (
                Q(request__applicant_unit__tree_path__startswith=a.unit.tree_path) | counterpart)
        elif a.scope == DataScope.UNIT:
            q |= role & Q(assigned_unit_id=a.unit_id) & (Q(request__applicant_unit_id=a.unit_id) | counterpart)
    return q


def todo_tasks(user: Any) -> QuerySet[ApprovalTask]:
    """我的待办: pending tasks of open requests the user may act on."""
    if not user.has_perm(VIEW_TASK):
        return ApprovalTask.objects.none()
    return (ApprovalTask.objects.filter(status=TaskStatus.PENDING, request__status=RequestStatus.PENDING)
            .filter(actionable_q(user)))


def todo_count(user: Any) -> int:
    return todo_tasks(user).count()


def done_tasks(user: Any) -> QuerySet[ApprovalTask]:
    """我的已办: tasks the user decided."""
    if not user.has_perm(VIEW_TASK):
        return ApprovalTask.objects.none()
    return ApprovalTask.objects.filter(acted_by=user).exclude(status=TaskStatus.PENDING)


def my_requests(user: Any) -> QuerySet[ApprovalRequest]:
    """我发起的."""
    if not user.has_perm(VIEW_REQUEST):
        return ApprovalRequest.objects.none()
    return ApprovalRequest.objects.filter(applicant=user)


def visible_requests(user: Any) -> QuerySet[ApprovalRequest]:
    """Requests the user may open: within the data scope, applied for, or assigned to / decided by them."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW_REQUEST):
        return ApprovalRequest.objects.none()
    involved = ApprovalTask.objects.filter(Q(acted_by=user) | (Q(status=TaskStatus.PENDING) & actionable_q(user)))
    q = Q(applicant=user) | Q(pk__in=involved.values("request_id"))
    scope = scope_q(ApprovalRequest, user)
    if scope is not None and not scope:  # an empty Q is "everything" (scope 全部数据)
        return ApprovalRequest.objects.all()
    if scope is not None:
        q |= scope
    return ApprovalRequest.objects.filter(q)


def requests_for_object(user: Any, obj: Any) -> QuerySet[ApprovalRequest]:
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return visible_requests(user).filter(content_type=ct, object_id=obj.pk)


def current_task(approval: ApprovalRequest) -> ApprovalTask | None:
    if approval.status != RequestStatus.PENDING:
        return None
    return (approval.tasks.filter(status=TaskStatus.PENDING).select_related("assigned_unit", "request__applicant_unit")
            .order_by("id").first())


def trail(approval: ApprovalRequest) -> QuerySet[ApprovalAction]:
    return approval.actions.select_related("task").order_by("created_at", "id")


def candidate_users(role_code: str, assigned_unit: Unit | None, applicant_unit: Unit) -> QuerySet[User]:
    """Active users who would be the assignees of a task (for notifications and the no-assignee check)."""
    now = timezone.now()
    qs = RoleAssignment.objects.filter(role__code=role_code, role__is_active=True, user__is_active=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now))
    if assigned_unit is None:
        qs = qs.filter(scope=DataScope.ALL)
    else:
        scopes = [DataScope.ALL]
        if applicant_unit.tree_path.startswith(assigned_unit.tree_path):
            scopes.append(DataScope.UNIT_TREE)
        if applicant_unit.pk == assigned_unit.pk:
            scopes.append(DataScope.UNIT)
        qs = qs.filter(unit=assigned_unit, scope__in=scopes)
    return User.objects.filter(pk__in=qs.values("user_id")).order_by("pk")


def task_candidates(task: ApprovalTask) -> QuerySet[User]:
    reach = task.request.applicant_unit
    if task.unit_rule == UnitRule.COUNTERPART_UNIT and task.assigned_unit is not None:
        reach = task.assigned_unit
    return candidate_users(task.role_code, task.assigned_unit, reach)


def overdue_tasks() -> QuerySet[ApprovalTask]:
    """Pending tasks past their deadline (for the overdue job and the alert center)."""
    return (ApprovalTask.objects.filter(status=TaskStatus.PENDING, request__status=RequestStatus.PENDING,
                                        due_at__lt=timezone.now())
            .select_related("request", "request__applicant_unit", "assigned_unit"))


def role_names() -> dict[str, str]:
    return dict(Role.objects.values_list("code", "name"))
