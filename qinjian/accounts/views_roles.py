"""安全管理员 pages: roles with their permission matrix, and role assignments (grant / revoke)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from qinjian.core.errors import DomainError
from qinjian.core.ui.tables import Column
from qinjian.core.ui.views import (
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    try_reverse,
)

from .filtersets import AssignmentFilterSet, RoleFilterSet
from .forms import AssignmentForm, RoleForm
from .models import Role, RoleAssignment
from .services import roles as role_services
from .tables import AssignmentTable, RoleTable

ACTION_COLUMNS = [("view", "查看"), ("add", "新增"), ("change", "修改"), ("delete", "删除"), ("export", "导出")]


def permission_matrix(perms: Iterable[Permission], selected: set[int]) -> list[dict[str, Any]]:
    """Permissions grouped app -> model, one row per model, columns by action, with Chinese names."""
    grouped: OrderedDict[str, OrderedDict[str, dict[str, Any]]] = OrderedDict()
    for perm in perms:
        ct = perm.content_type
        model = apps.get_model(ct.app_label, ct.model) if ct.model else None
        models_of_app = grouped.setdefault(ct.app_label, OrderedDict())
        row = models_of_app.setdefault(ct.model, {
            "name": str(model._meta.verbose_name) if model else ct.model,
            "cells": {key: None for key, _ in ACTION_COLUMNS}, "others": [],
        })
        action = perm.codename.split("_", 1)[0]
        cell = {"pk": perm.pk, "name": perm.name, "checked": perm.pk in selected}
        if action in row["cells"] and perm.codename == f"{action}_{ct.model}":
            row["cells"][action] = cell
        else:
            row["others"].append(cell)
    out = []
    for app_label, models_of_app in grouped.items():
        try:
            app_name = str(apps.get_app_config(app_label).verbose_name)
        except LookupError:
            app_name = app_label
        rows = []
        for row in models_of_app.values():
            row["cell_list"] = [row["cells"][key] for key, _ in ACTION_COLUMNS]
            row["any_checked"] = any(c and c["checked"] for c in row["cell_list"]) or any(
                c["checked"] for c in row["others"])
            rows.append(row)
        out.append({"label": app_label, "name": app_name, "models": rows,
                    "checked": sum(1 for r in rows for c in [*r["cell_list"], *r["others"]] if c and c["checked"])})
    return out


# --- roles --------------------------------------------------------------------------------------

class _RolePages:
    def list_crumb(self) -> tuple[str, str]:
        return ("角色权限", try_reverse("accounts:role_list"))


class RoleListView(ObjectListView):
    model = Role
    title = "角色权限"
    table_class = RoleTable
    filterset_class = RoleFilterSet
    search_fields = ("name", "code", "description")
    search_placeholder = "角色名称或编码"


class RoleDetailView(_RolePages, ObjectDetailView):
    model = Role
    info_template_name = "accounts/_role_info.html"
    fields = ("code", "name", "kind", "admin_kind", "default_scope", "requires_mfa", "is_builtin", "is_active",
              "description",
              Column("授权人数", accessor="pk", render=lambda r, v: f"{r.assignments.count()} 人次"))

    def get_subtitle(self) -> str:
        return self.object.description

    def get_badges(self) -> list[tuple[str, str]]:
        badges = [("内置", "bg-azure-lt") if self.object.is_builtin else ("自定义", "bg-purple-lt")]
        if self.object.admin_kind:
            badges.append(("三员", "bg-red-lt"))
        return badges + super().get_badges()

    def get_info_context(self) -> dict[str, Any]:
        perms = self.object.permissions.select_related("content_type").order_by(
            "content_type__app_label", "content_type__model", "id")
        return {"matrix": permission_matrix(perms, {p.pk for p in perms}), "action_columns": ACTION_COLUMNS,
                "readonly": True}


class RoleFormView(_RolePages, ObjectFormView):
    model = Role
    form_class = RoleForm
    template_name = "accounts/role_form.html"
    form_script = "qinjian/accounts.js"

    def get_form(self, data: Any = None) -> forms.BaseForm:
        return RoleForm(data, role=self.object)

    def get_title(self) -> str:
        return "新建角色" if self.is_create else f"编辑角色：{self.object}"

    def render_form(self, form: forms.BaseForm, status: int = 200) -> HttpResponse:
        context = {
            "view": self, "form": form, "object": self.object, "page_title": self.get_title(),
            "breadcrumbs": self.get_breadcrumbs(), "cancel_url": self.get_cancel_url(), "submit_label": "保存",
            "matrix": self.get_matrix(form), "action_columns": ACTION_COLUMNS,
            "locked": bool(self.object is not None and self.object.admin_kind),
        }
        return render(self.request, self.template_name, context, status=status)

    def get_matrix(self, form: forms.BaseForm) -> list[dict[str, Any]]:
        field = form.fields["permissions"]
        if form.is_bound and not field.disabled:
            selected = {int(v) for v in self.request.POST.getlist("permissions") if str(v).isdigit()}
        else:
            selected = set(form.initial.get("permissions") or [])
        return permission_matrix(field.queryset, selected)  # type: ignore[attr-defined]

    def perform(self, form: forms.BaseForm) -> Any:
        data = form.cleaned_data
        user = self.request.user
        if self.is_create:
            return role_services.role_create(by=user, code=data["code"], name=data["name"], kind=data["kind"],  # type: ignore[arg-type]
                                             description=data["description"], default_scope=data["default_scope"],
                                             permissions=data["permissions"])
        permissions = data["permissions"]
        if form.fields["permissions"].disabled:
            permissions = list(self.object.permissions.all())
        return role_services.role_update(by=user, role=self.object, name=data["name"],  # type: ignore[arg-type]
                                         description=data["description"], default_scope=data["default_scope"],
                                         permissions=permissions,
                                         is_active=data["is_active"] if not form.fields["is_active"].disabled
                                         else self.object.is_active)


# --- assignments ---------------------------------------------------------------------------------

class _AssignmentMixin:
    model = RoleAssignment

    def list_crumb(self) -> tuple[str, str]:
        return ("角色授权", try_reverse("accounts:assignment_list"))

    def url_name(self, suffix: str) -> str:
        return f"accounts:assignment_{suffix}"


class AssignmentListView(_AssignmentMixin, ObjectListView):
    title = "角色授权"
    table_class = AssignmentTable
    filterset_class = AssignmentFilterSet
    select_related = ("user", "role", "unit")
    search_fields = ("user__username", "user__full_name", "role__name")
    search_placeholder = "账户、姓名或角色"
    empty_message = "没有符合条件的授权"

    def get_buttons(self) -> list[dict[str, str]]:
        buttons = super().get_buttons()
        for b in buttons:
            if b["url"].endswith("/new/") or "create" in b["url"]:
                b["label"] = "授予角色"
        return buttons

    def prepare_rows(self, rows: list[Any], sort: str) -> list[Any]:
        can = self.request.user.has_perm("accounts.delete_roleassignment")
        for row in rows:
            row.qj_can_revoke = can and row.user_id != self.request.user.pk
        return rows


class AssignmentCreateView(_AssignmentMixin, ObjectFormView):
    form_class = AssignmentForm
    success_message = "已授予角色：{obj}。"

    def get_title(self) -> str:
        return "授予角色"

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for key in ("user", "role", "unit"):
            value = self.request.GET.get(key, "")
            if value.isdigit():
                initial[key] = int(value)
        return initial

    def get_cancel_url(self) -> str:
        return try_reverse("accounts:assignment_list")

    def get_success_url(self, obj: Any) -> str:
        return try_reverse("accounts:assignment_list") + f"?user={obj.user_id}"

    def perform(self, form: forms.BaseForm) -> Any:
        data = form.cleaned_data
        return role_services.assignment_grant(by=self.request.user, user=data["user"], role=data["role"],  # type: ignore[arg-type]
                                              unit=data["unit"], scope=data.get("scope") or "",
                                              valid_until=data.get("valid_until"))


class AssignmentRevokeView(_AssignmentMixin, ObjectActionView):
    action = "delete"
    verb = "撤销授权"
    button_style = "btn-danger"
    confirm_message = "撤销“{obj}”？该账户将立即失去这个角色的权限。"

    def get_title(self) -> str:
        return f"撤销授权：{self.object.user.full_name}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.action)
        self.object = self.get_object()
        try:
            role_services.assignment_revoke(by=request.user, assignment=self.object)  # type: ignore[arg-type]
        except DomainError as exc:
            return self.render_page(None, error=exc.message)
        messages.success(request, f"已撤销：{self.object.user.full_name} 的“{self.object.role.name}”。")
        return redirect(try_reverse("accounts:assignment_list") + f"?user={self.object.user_id}")


__all__ = ["AssignmentCreateView", "AssignmentListView", "AssignmentRevokeView", "RoleDetailView",
           "RoleFormView", "RoleListView", "permission_matrix"]
