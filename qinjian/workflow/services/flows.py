"""Flow definitions: created and changed by the system administrator, never half-valid.

A flow needs at least one step, and every step needs a role that someone can hold where the step
says (otherwise a request would wait for nobody). Changing a flow bumps its version; requests
already running keep the steps they were submitted with (their snapshot).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qinjian.accounts.models import Role, RoleAssignment
from qinjian.core.errors import ValidationFailed
from qinjian.core.scope import DataScope

from ..choices import DeadlineUnit, UnitRule
from ..models import FlowDefinition, FlowStep
from ..registry import approvable_for

FLOW_FIELDS = ("name", "content_type", "variant", "priority", "amount_min", "amount_max", "is_active", "description")
STEP_FIELDS = ("name", "role_code", "unit_rule", "fixed_unit", "min_amount", "deadline_value", "deadline_unit")
MAX_STEPS = 20


def _possible_assignee(role: Role, rule: str, fixed_unit: Any) -> bool:
    now = timezone.now()
    qs = RoleAssignment.objects.filter(role=role, user__is_active=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now))
    if rule == UnitRule.SCOPE_ALL:
        qs = qs.filter(scope=DataScope.ALL)
    elif rule == UnitRule.FIXED_UNIT:
        qs = qs.filter(unit=fixed_unit).exclude(scope=DataScope.OWN)
    elif rule == UnitRule.APPLICANT_PARENT:
        qs = qs.filter(scope__in=[DataScope.ALL, DataScope.UNIT_TREE])
    else:
        qs = qs.exclude(scope=DataScope.OWN)
    return qs.exists()


def _clean_flow(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = ["请填写流程名称。"]
    content_type = data.get("content_type")
    if not isinstance(content_type, ContentType) or content_type.model_class() is None \
            or approvable_for(content_type.model_class()) is None:  # type: ignore[arg-type]
        errors["content_type"] = ["请选择已接入审批的事项。"]
    variant = (data.get("variant") or "").strip()
    spec = approvable_for(content_type.model_class()) if "content_type" not in errors else None  # type: ignore[union-attr, arg-type]
    if variant and (spec is None or variant not in dict(spec.variants)):
        errors["variant"] = ["该审批事项没有这个业务类型。"]
    data = {**data, "variant": variant}
    low, high = data.get("amount_min"), data.get("amount_max")
    for key, value in (("amount_min", low), ("amount_max", high)):
        if value is not None and Decimal(value) < 0:
            errors.setdefault(key, []).append("金额（数量）不能为负数。")
    if low is not None and high is not None and Decimal(low) >= Decimal(high):
        errors.setdefault("amount_max", []).append("上限应大于下限。")
    priority = data.get("priority") or 0
    if not isinstance(priority, int) or abs(priority) > 10000:
        errors["priority"] = ["优先级应为 -10000 到 10000 之间的整数。"]
    cleaned = {**data, "name": name, "priority": priority, "is_active": bool(data.get("is_active", True)),
               "description": (data.get("description") or "").strip()}
    return cleaned, errors


def _clean_steps(steps: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if not steps:
        errors["steps"] = ["流程至少需要一个审批环节。"]
        return [], errors
    if len(steps) > MAX_STEPS:
        errors["steps"] = [f"一个流程最多 {MAX_STEPS} 个审批环节。"]
        return [], errors
    roles = {r.code: r for r in Role.objects.filter(is_active=True).prefetch_related("permissions__content_type")}
    out = []
    for index, raw in enumerate(steps):
        def err(field: str, message: str, index: int = index) -> None:
            errors.setdefault(f"steps.{index}.{field}", []).append(message)

        name = (raw.get("name") or "").strip()
        if not name:
            err("name", "请填写环节名称。")
        code = (raw.get("role_code") or "").strip()
        role = roles.get(code)
        rule = raw.get("unit_rule") or UnitRule.SCOPE_ALL
        fixed = raw.get("fixed_unit")
        if rule not in UnitRule.values:
            err("unit_rule", "请选择审批人所在单位。")
        if rule == UnitRule.FIXED_UNIT and fixed is None:
            err("fixed_unit", "请选择指定单位。")
        if rule != UnitRule.FIXED_UNIT:
            fixed = None
        if role is None:
            err("role_code", "请选择启用中的审批角色。")
        elif "workflow.view_approvaltask" not in role.permission_names():
            err("role_code", f"角色“{role.name}”没有办理审批的权限，不能作为审批角色。")
        elif rule in UnitRule.values and not (rule == UnitRule.FIXED_UNIT and fixed is None) \
                and not _possible_assignee(role, rule, fixed):
            where = {UnitRule.SCOPE_ALL: "数据范围为“全部数据”的",
                     UnitRule.FIXED_UNIT: f"在“{fixed}”的",
                     UnitRule.APPLICANT_PARENT: "数据范围覆盖下级单位的"}.get(rule, "")
            err("role_code", f"目前没有{where}“{role.name}”人员，此环节将无人审批。请先给人员授予该角色。")
        deadline = raw.get("deadline_value")
        if not isinstance(deadline, int) or not 1 <= deadline <= 365:
            err("deadline_value", "办理时限应为 1 到 365 之间的整数。")
        unit = raw.get("deadline_unit") or DeadlineUnit.WORKDAYS
        if unit not in DeadlineUnit.values:
            err("deadline_unit", "请选择时限单位。")
        min_amount = raw.get("min_amount")
        if min_amount is not None and Decimal(min_amount) < 0:
            err("min_amount", "金额（数量）不能为负数。")
        out.append({"order": index + 1, "name": name, "role_code": code, "unit_rule": rule, "fixed_unit": fixed,
                    "min_amount": min_amount, "deadline_value": deadline, "deadline_unit": unit})
    if errors:
        errors.setdefault("steps", []).append("审批环节有误，请检查标红的内容。")
    return out, errors


def _write_steps(flow: FlowDefinition, steps: list[dict[str, Any]]) -> None:
    for step in flow.steps.all():
        step.delete()  # through the ORM: each removal is change-logged
    for data in steps:
        FlowStep.objects.create(flow=flow, **data)


@transaction.atomic
def flow_create(*, steps: list[dict[str, Any]], **data: Any) -> FlowDefinition:
    cleaned, errors = _clean_flow(data)
    clean_steps, step_errors = _clean_steps(steps)
    errors.update(step_errors)
    if errors:
        raise ValidationFailed("审批流程有误，请检查标红的内容。", fields=errors)
    flow = FlowDefinition.objects.create(**{k: cleaned[k] for k in FLOW_FIELDS if k in cleaned})
    _write_steps(flow, clean_steps)
    return flow


@transaction.atomic
def flow_update(*, flow: FlowDefinition, steps: list[dict[str, Any]], **data: Any) -> FlowDefinition:
    flow = FlowDefinition.objects.select_for_update().get(pk=flow.pk)
    merged = {k: getattr(flow, k) for k in FLOW_FIELDS} | data
    cleaned, errors = _clean_flow(merged)
    clean_steps, step_errors = _clean_steps(steps)
    errors.update(step_errors)
    if errors:
        raise ValidationFailed("审批流程有误，请检查标红的内容。", fields=errors)
    for key in FLOW_FIELDS:
        setattr(flow, key, cleaned[key])
    flow.version += 1
    flow.save()
    _write_steps(flow, clean_steps)
    return flow


@transaction.atomic
def flow_set_active(*, flow: FlowDefinition, active: bool) -> FlowDefinition:
    flow = FlowDefinition.objects.select_for_update().get(pk=flow.pk)
    flow.is_active = active
    flow.save()
    return flow


def steps_of(flow: FlowDefinition) -> list[dict[str, Any]]:
    """A flow's steps as the service takes them (for editing)."""
    return [{k: getattr(s, k) for k in STEP_FIELDS} for s in flow.steps.select_related("fixed_unit").order_by("order")]
