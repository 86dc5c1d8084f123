"""Roles, permissions and role assignments, managed by the security administrator (安全管理员).

Separation of duties (三员分立) is enforced here, not only in the pages:
* no account holds two of the three administrator kinds;
* nobody grants or revokes their own roles;
* custom roles are business roles: they never carry account, role or audit permissions;
* the built-in administrator roles keep their kind and their fixed permission set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from qinjian.core import security_log
from qinjian.core.errors import NotAllowed, ValidationFailed
from qinjian.core.scope import DataScope

from ..models import Role, RoleAssignment, RoleKind, User

# Models whose permissions belong to the three administrators alone.
ADMIN_ONLY_MODELS = {
    ("accounts", "user"), ("accounts", "role"), ("accounts", "roleassignment"), ("accounts", "apitoken"),
    ("accounts", "passwordhistory"), ("accounts", "usersession"),
    ("core", "objectchange"), ("core", "securityevent"), ("core", "securitychainhead"),
    ("core", "workerheartbeat"),
}
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def _require(by: User, perm: str) -> None:
    if not by.has_perm(perm):
        raise NotAllowed("没有权限执行此操作。")


def grantable_permissions() -> QuerySet[Permission]:
    """Permissions a custom role may carry: those of the platform's business apps."""
    from django.apps import apps

    labels = [cfg.label for cfg in apps.get_app_configs() if cfg.name.startswith("qinjian.")]
    qs = Permission.objects.filter(content_type__app_label__in=labels).select_related("content_type")
    for app_label, model in ADMIN_ONLY_MODELS:
        qs = qs.exclude(content_type__app_label=app_label, content_type__model=model)
    return qs.order_by("content_type__app_label", "content_type__model", "id")


def _forget_roles(user: User) -> None:
    """Drop the per-instance role cache so the next check sees the change."""
    for attr in ("_qj_assignments", "_qj_perms"):
        user.__dict__.pop(attr, None)


def _perm_names(perms: Iterable[Permission]) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


def _clean_permissions(permissions: Iterable[Permission]) -> list[Permission]:
    chosen = list(permissions)
    allowed = set(grantable_permissions().values_list("pk", flat=True))
    if any(p.pk not in allowed for p in chosen):
        raise ValidationFailed("自定义角色不能包含账户、角色或审计权限（这些权限只属于三员）",
                               fields={"permissions": ["包含不可授予的权限"]})
    return chosen


@transaction.atomic
def role_create(*, by: User, code: str, name: str, kind: str, description: str = "",
                default_scope: str = DataScope.UNIT, permissions: Iterable[Permission] = ()) -> Role:
    _require(by, "accounts.add_role")
    code = (code or "").strip().lower()
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not CODE_RE.match(code):
        errors["code"] = ["编码为 2–64 位小写字母、数字或下划线，以字母开头"]
    elif Role.objects.filter(code=code).exists():
        errors["code"] = ["角色编码已存在"]
    if not name:
        errors["name"] = ["请填写角色名称"]
    elif Role.objects.filter(name=name).exists():
        errors["name"] = ["角色名称已存在"]
    if kind not in RoleKind.values or kind == RoleKind.ADMIN:
        errors["kind"] = ["请选择业务角色类别（不能新建三员角色）"]
    if default_scope not in DataScope.values:
        errors["default_scope"] = ["请选择数据范围"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    chosen = _clean_permissions(permissions)
    role = Role.objects.create(code=code, name=name[:64], kind=kind, description=(description or "")[:300],
                               default_scope=default_scope, is_builtin=False)
    role.permissions.set(chosen)
    security_log.record("role_changed", user=by, obj=role, role=role.code, change="created",
                        added=sorted(_perm_names(chosen)))
    return role


@transaction.atomic
def role_update(*, by: User, role: Role, name: str, description: str, default_scope: str,
                permissions: Iterable[Permission], is_active: bool = True) -> Role:
    _require(by, "accounts.change_role")
    role = Role.objects.select_for_update().get(pk=role.pk)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["请填写角色名称"]
    elif Role.objects.filter(name=name).exclude(pk=role.pk).exists():
        errors["name"] = ["角色名称已存在"]
    if default_scope not in DataScope.values:
        errors["default_scope"] = ["请选择数据范围"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    before = set(role.permissions.select_related("content_type"))
    chosen = list(permissions)
    if role.admin_kind:
        # The 三员 roles are defined by the product; their rights cannot drift.
        if {p.pk for p in chosen} != {p.pk for p in before}:
            raise ValidationFailed("三员内置角色的权限固定，不能修改", fields={"permissions": ["三员内置角色的权限固定"]})
        if not is_active:
            raise ValidationFailed("三员内置角色不能停用")
    else:
        chosen = _clean_permissions(chosen)
    if role.is_builtin and not is_active and role.assignments.exists():
        raise ValidationFailed("该内置角色仍有授权，不能停用")
    role.name, role.description, role.default_scope, role.is_active = (
        name[:64], (description or "")[:300], default_scope, is_active)
    role.save()
    role.permissions.set(chosen)
    added = sorted(_perm_names(chosen) - _perm_names(before))
    removed = sorted(_perm_names(before) - _perm_names(chosen))
    security_log.record("role_changed", user=by, obj=role, role=role.code, change="updated",
                        added=added, removed=removed, name=role.name, active=is_active)
    return role


def _admin_kinds_of(user: User, exclude: RoleAssignment | None = None) -> set[str]:
    qs = RoleAssignment.objects.filter(user=user).exclude(role__admin_kind="")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return set(qs.values_list("role__admin_kind", flat=True))


@transaction.atomic
def assignment_grant(*, by: User, user: User, role: Role, unit: Any, scope: str = "",
                     valid_until: datetime | None = None) -> RoleAssignment:
    """Give ``user`` the ``role`` over ``unit`` with a data scope (the role's default if empty)."""
    _require(by, "accounts.add_roleassignment")
    if user.pk == by.pk:
        raise ValidationFailed("不能给自己授予角色", fields={"user": ["不能给自己授予角色"]})
    # Lock the account row so two grants at once cannot both pass the 三员 check.
    user = User.objects.select_for_update().get(pk=user.pk)
    errors: dict[str, list[str]] = {}
    if not user.is_active:
        errors["user"] = ["该账户已停用"]
    if not role.is_active:
        errors["role"] = ["该角色已停用"]
    if unit is None:
        errors["unit"] = ["请选择数据范围单位"]
    scope = scope or role.default_scope
    if scope not in DataScope.values:
        errors["scope"] = ["请选择数据范围"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    if role.admin_kind:
        held = _admin_kinds_of(user) - {role.admin_kind}
        if held:
            raise ValidationFailed("同一账户不能同时担任系统管理员、安全管理员、审计管理员中的两种",
                                   fields={"role": ["与该账户已有的三员角色冲突"]})
    if RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
        raise ValidationFailed("该账户在此单位已有这个角色", fields={"role": ["重复授权"]})
    is_primary = not RoleAssignment.objects.filter(user=user, is_primary=True).exists()
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(user=user, role=role, unit=unit, scope=scope,
                                                       is_primary=is_primary, valid_until=valid_until)
    except IntegrityError as exc:
        raise ValidationFailed("该账户在此单位已有这个角色", fields={"role": ["重复授权"]}) from exc
    security_log.record("role_granted", user=by, obj=assignment, target=user.username, role=role.code,
                        unit=unit.pk, scope=scope, valid_until=valid_until)
    if role.requires_mfa:
        # Sessions opened without a second factor must not gain a role that requires one.
        from .auth import sessions_end_all

        sessions_end_all(user=user)
    _forget_roles(user)
    return assignment


@transaction.atomic
def assignment_revoke(*, by: User, assignment: RoleAssignment) -> None:
    _require(by, "accounts.delete_roleassignment")
    assignment = RoleAssignment.objects.select_for_update().select_related("user", "role").get(pk=assignment.pk)
    target = assignment.user
    if target.pk == by.pk:
        raise ValidationFailed("不能撤销自己的角色")
    role = assignment.role
    if role.admin_kind == "security":
        others = RoleAssignment.objects.filter(role__admin_kind="security", user__is_active=True).exclude(
            pk=assignment.pk)
        if not others.exists():
            raise ValidationFailed("这是最后一个安全管理员授权，撤销后将无人能管理角色")
    detail: dict[str, Any] = {"target": target.username, "role": role.code, "unit": assignment.unit_id,
                              "scope": assignment.scope}
    object_id = assignment.pk
    was_primary = assignment.is_primary
    assignment.delete()
    if was_primary:
        successor = RoleAssignment.objects.filter(user=target).order_by("id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary", "updated_at"])
    security_log.record("role_revoked", user=by, object_type="accounts.roleassignment", object_id=str(object_id),
                        **detail)
    _forget_roles(target)


def assignments_for(by: User, *, user: Any = None, role: Any = None, q: str = "") -> QuerySet[RoleAssignment]:
    qs = RoleAssignment.objects.scoped(by, "view").select_related("user", "role", "unit")
    if user is not None:
        qs = qs.filter(user=user)
    if role is not None:
        qs = qs.filter(role=role)
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(user__username__icontains=q) | Q(user__full_name__icontains=q))
    return qs.order_by("user__username", "-is_primary", "id")
