"""Units and departments: create, change, move in the tree, deactivate (never hard-delete)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from qinjian.core.audit import log_change
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import ObjectChange

from ..choices import AdminLevel, UnitType
from ..models import Department, Person, Unit
from ..validators import credit_code_error

UNIT_FIELDS = ("code", "name", "short_name", "credit_code", "unit_type", "level", "region", "sort_order",
               "address", "contact_phone", "quota_admin", "quota_institution", "quota_worker", "remark")


def unit_check(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The rules of clean_unit that need no query: (normalised data, errors by field).

    Bulk callers (the Excel importer) run this per row and check code/credit-code uniqueness set-based.
    """
    errors: dict[str, list[str]] = {}
    code = (data.get("code") or "").strip()
    name = (data.get("name") or "").strip()
    if not code:
        errors.setdefault("code", []).append("请填写单位编码。")
    if not name:
        errors.setdefault("name", []).append("请填写单位名称。")
    credit = (data.get("credit_code") or "").strip().upper() or None
    if credit:
        message = credit_code_error(credit)
        if message:
            errors.setdefault("credit_code", []).append(message)
    if data.get("unit_type") not in UnitType.values:
        errors.setdefault("unit_type", []).append("请选择单位类型。")
    if data.get("level") not in AdminLevel.values:
        errors.setdefault("level", []).append("请选择行政层级。")
    for quota in ("quota_admin", "quota_institution", "quota_worker"):
        value = data.get(quota) or 0
        if not isinstance(value, int) or value < 0 or value > 100000:
            errors.setdefault(quota, []).append("编制数应为 0 到 100000 之间的整数。")
    return {**data, "code": code, "name": name, "credit_code": credit}, errors


def clean_unit(data: dict[str, Any], instance: Unit | None = None) -> dict[str, Any]:
    """Validate unit data (including uniqueness of code and credit code); raises ValidationFailed."""
    cleaned, errors = unit_check(data)
    exclude = getattr(instance, "pk", None)
    code, credit = cleaned["code"], cleaned["credit_code"]
    if code and Unit.objects.filter(code=code).exclude(pk=exclude).exists():
        errors.setdefault("code", []).append(f"单位编码“{code}”已被使用。")
    if credit and "credit_code" not in errors and \
            Unit.objects.filter(credit_code=credit).exclude(pk=exclude).exists():
        errors.setdefault("credit_code", []).append("该统一社会信用代码已登记在其他单位。")
    if errors:
        raise ValidationFailed("单位信息有误，请检查标红的字段。", fields=errors)
    return cleaned


_clean_unit = clean_unit


def _set_path(unit: Unit, parent: Unit | None) -> None:
    unit.tree_path = (parent.tree_path if parent else "/") + Unit.path_segment(unit.pk) + "/"
    unit.depth = (parent.depth + 1) if parent else 0


@transaction.atomic
def unit_create(*, parent: Unit | None, **data: Any) -> Unit:
    data = _clean_unit(data)
    if parent is not None and not parent.is_active:
        raise ValidationFailed("上级单位已停用，不能在其下新增单位。", fields={"parent": ["上级单位已停用。"]})
    unit = Unit(parent=parent, **{k: v for k, v in data.items() if k in UNIT_FIELDS})
    unit.save()
    _set_path(unit, parent)
    Unit.objects.filter(pk=unit.pk).update(tree_path=unit.tree_path, depth=unit.depth)
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, **data: Any) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    merged = {f: getattr(unit, f) for f in UNIT_FIELDS} | data
    merged = _clean_unit(merged, instance=unit)
    for field in UNIT_FIELDS:
        setattr(unit, field, merged[field])
    unit.save()
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit | None) -> Unit:
    """Move a unit (with everything below it) under another parent."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if new_parent is not None:
        new_parent = Unit.objects.get(pk=new_parent.pk)
        if new_parent.pk == unit.pk or new_parent.tree_path.startswith(unit.tree_path):
            raise ValidationFailed("不能把单位移动到它自己或它的下级单位之下。",
                                   fields={"parent": ["不能选择本单位或其下级单位作为上级。"]})
        if not new_parent.is_active:
            raise ValidationFailed("目标上级单位已停用。", fields={"parent": ["目标上级单位已停用。"]})
    if (unit.parent_id or None) == (new_parent.pk if new_parent else None):
        return unit
    old_path, old_depth, old_parent = unit.tree_path, unit.depth, unit.parent
    unit.parent = new_parent
    _set_path(unit, new_parent)
    unit.save()
    # Rewrite the paths below in one statement; bulk updates skip signals, so log them here.
    delta = unit.depth - old_depth
    moved = Unit.objects.filter(tree_path__startswith=old_path).exclude(pk=unit.pk)
    moved.update(
        tree_path=Concat(Value(unit.tree_path), Substr("tree_path", len(old_path) + 1)),
        depth=F("depth") + delta,
    )
    log_change(
        unit, ObjectChange.Action.UPDATE,
        before={"parent_id": old_parent.pk if old_parent else None},
        after={"parent_id": new_parent.pk if new_parent else None},
        message=f"从“{old_parent or '（顶级）'}”调整到“{new_parent or '（顶级）'}”之下",
    )
    return unit


@transaction.atomic
def unit_deactivate(*, unit: Unit) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if Unit.objects.filter(parent=unit, is_active=True).exists():
        raise ValidationFailed("该单位还有启用中的下级单位，请先停用或转移下级单位。")
    if Person.objects.filter(unit=unit, is_active=True).exists():
        raise ValidationFailed("该单位还有在册人员，请先调出或停用人员。")
    unit.is_active = False
    unit.save()
    return unit


@transaction.atomic
def unit_activate(*, unit: Unit) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.parent is not None and not unit.parent.is_active:
        raise ValidationFailed("上级单位已停用，请先启用上级单位。")
    unit.is_active = True
    unit.save()
    return unit


def _clean_department(unit: Unit, code: str, name: str, instance: Department | None = None) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        errors["code"] = ["请填写部门编码。"]
    elif Department.objects.filter(unit=unit, code=code).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["code"] = [f"本单位已有编码为“{code}”的部门。"]
    if not name:
        errors["name"] = ["请填写部门名称。"]
    if errors:
        raise ValidationFailed("部门信息有误。", fields=errors)
    return code, name


@transaction.atomic
def department_create(*, unit: Unit, code: str, name: str, sort_order: int = 0) -> Department:
    if not unit.is_active:
        raise ValidationFailed("单位已停用，不能新增部门。", fields={"unit": ["单位已停用。"]})
    code, name = _clean_department(unit, code, name)
    return Department.objects.create(unit=unit, code=code, name=name, sort_order=sort_order)


@transaction.atomic
def department_update(*, department: Department, code: str, name: str, sort_order: int = 0) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    code, name = _clean_department(department.unit, code, name, instance=department)
    department.code, department.name, department.sort_order = code, name, sort_order
    department.save()
    return department


@transaction.atomic
def department_deactivate(*, department: Department) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    if Person.objects.filter(department=department, is_active=True).exists():
        raise ValidationFailed("该部门还有在册人员，请先调整人员所在部门。")
    department.is_active = False
    department.save()
    return department
