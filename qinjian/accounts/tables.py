"""Columns of the account administration lists."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from qinjian.core.ui.tables import EMPTY, Column, Table

from .models import ApiToken, Role, RoleAssignment, User


def _user_state(record: User, value: Any) -> Any:
    if not record.is_active:
        return mark_safe('<span class="badge bg-secondary-lt">已停用</span>')
    if record.locked_until and record.locked_until > timezone.now():
        return mark_safe('<span class="badge bg-red-lt">已锁定</span>')
    if record.must_change_password:
        return mark_safe('<span class="badge bg-yellow-lt">待改密</span>')
    return mark_safe('<span class="badge bg-green-lt">正常</span>')


def _state_export(record: User) -> str:
    if not record.is_active:
        return "已停用"
    if record.locked_until and record.locked_until > timezone.now():
        return "已锁定"
    return "待改密" if record.must_change_password else "正常"


class UserTable(Table):
    model = User
    default_order = ("username",)

    username = Column(linkify=True, required=True)
    full_name = Column()
    unit = Column(accessor="unit.name", verbose_name="所属单位", order_by="unit__tree_path")
    person = Column(accessor="person.name", verbose_name="对应人员", order_by="person__name", visible=False)
    state = Column("状态", accessor="is_active", order_by=None, render=_user_state, export=_state_export)
    mfa = Column("动态口令", accessor="totp_confirmed_at", order_by="totp_confirmed_at",
                 render=lambda r, v: mark_safe('<span class="badge bg-green-lt">已绑定</span>') if v else EMPTY,
                 export=lambda r: "已绑定" if r.totp_confirmed_at else "")
    last_login = Column("最近登录")
    date_joined = Column(visible=False)


class RoleTable(Table):
    model = Role
    default_order = ("sort_order", "id")

    name = Column(linkify=True, required=True)
    code = Column()
    kind = Column()
    default_scope = Column()
    builtin = Column("来源", accessor="is_builtin", order_by="is_builtin",
                     render=lambda r, v: mark_safe('<span class="badge bg-azure-lt">内置</span>') if v
                     else mark_safe('<span class="badge bg-purple-lt">自定义</span>'),
                     export=lambda r: "内置" if r.is_builtin else "自定义")
    requires_mfa = Column()
    is_active = Column()
    description = Column(visible=False, order_by=None)


class AssignmentTable(Table):
    model = RoleAssignment
    default_order = ("user__username", "-is_primary", "id")

    user = Column(accessor="user", verbose_name="账户", order_by="user__username",
                  render=lambda r, v: format_html("{}<div class=\"text-secondary small\">{}</div>",
                                                  r.user.full_name, r.user.username))
    role = Column(accessor="role", linkify=True, order_by="role__sort_order")
    unit = Column(accessor="unit.name", verbose_name="数据范围单位", order_by="unit__tree_path")
    scope = Column()
    is_primary = Column(visible=False)
    valid_until = Column()
    created_at = Column("授权时间", visible=False)
    revoke = Column("操作", accessor="pk", order_by=None, export=False, template="accounts/_assignment_revoke.html")


class TokenTable(Table):
    model = ApiToken
    default_order = ("-created_at",)

    name = Column(required=True)
    prefix = Column(render=lambda r, v: format_html("<code>{}…</code>", v))
    assignment = Column(accessor="assignment.role.name", verbose_name="使用角色", order_by=None)
    created_at = Column()
    expires_at = Column()
    last_used_at = Column()
    state = Column("状态", accessor="pk", order_by=None,
                   render=lambda r, v: format_html('<span class="badge {}">{}</span>', *(
                       ("bg-secondary-lt", "已吊销") if r.revoked_at else
                       ("bg-green-lt", "有效") if r.is_valid else ("bg-yellow-lt", "已过期"))))
