"""系统管理员 pages: user accounts (list with the stale-account report, create, edit, lifecycle actions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from qinjian.core.errors import DomainError
from qinjian.core.ui.tables import Column
from qinjian.core.ui.views import (
    Action,
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    apply_domain_error,
    try_reverse,
)

from .filtersets import UserFilterSet
from .forms import UserForm
from .models import User
from .services import users as user_services
from .tables import UserTable


class _UserPages:
    def list_crumb(self) -> tuple[str, str]:
        return ("用户账户", try_reverse("accounts:user_list"))


class UserListView(ObjectListView):
    model = User
    title = "用户账户"
    table_class = UserTable
    filterset_class = UserFilterSet
    search_fields = ("username", "full_name")
    search_placeholder = "账户名或姓名"
    select_related = ("unit", "person")
    empty_message = "没有符合条件的账户"


def _locked(user: User) -> bool:
    return user.is_locked


class UserDetailView(_UserPages, ObjectDetailView):
    model = User
    info_template_name = "accounts/_user_info.html"
    select_related = ("unit", "person", "created_by")
    fields = (
        "username", "full_name", "unit", "person",
        Column("状态", accessor="is_active", render=lambda r, v: _state_text(r)),
        Column("动态口令", accessor="totp_confirmed_at",
               render=lambda r, v: f"已绑定（{timezone.localtime(v):%Y-%m-%d %H:%M}）" if v else "未绑定"),
        "must_change_password", "password_changed_at", "last_login", "failed_login_count", "locked_until",
        "date_joined", "created_by",
    )
    actions = (
        Action("重置密码", "accounts:user_reset_password", "reset_password", "bi-key", "btn-outline-secondary",
               method="post", confirm="将生成新的临时密码并结束该账户的所有会话，用户下次登录须修改密码。"),
        Action("解锁", "accounts:user_unlock", "unlock", "bi-unlock", "btn-outline-secondary", method="post",
               confirm="解除登录失败锁定。", condition=_locked),
        Action("重置动态口令", "accounts:user_reset_totp", "change", "bi-phone", "btn-outline-secondary",
               method="post", confirm="用户下次登录须重新绑定认证器。",
               condition=lambda u: bool(u.totp_confirmed_at or u.totp_secret)),
        Action("停用", "accounts:user_disable", "change", "bi-slash-circle", "btn-outline-danger", method="post",
               confirm="停用后该账户立即退出所有会话且不能登录。", condition=lambda u: u.is_active),
        Action("启用", "accounts:user_enable", "change", "bi-check-circle", "btn-outline-success", method="post",
               confirm="恢复该账户的登录。", condition=lambda u: not u.is_active),
    )

    def get_subtitle(self) -> str:
        return f"{self.object.unit.name}"

    def get_badges(self) -> list[tuple[str, str]]:
        text = _state_text(self.object)
        css = {"正常": "bg-green-lt", "已停用": "bg-secondary-lt", "已锁定": "bg-red-lt"}.get(text, "bg-yellow-lt")
        return [(text, css)]

    def get_info_context(self) -> dict[str, Any]:
        assignments = list(self.object.role_assignments.select_related("role", "unit").order_by("-is_primary", "id"))
        return {"user_roles": assignments}

    def get_extra_context(self) -> dict[str, Any]:
        return {}


def _state_text(user: User) -> str:
    if not user.is_active:
        return "已停用"
    if user.is_locked:
        return "已锁定"
    return "待改密" if user.must_change_password else "正常"


def _show_once(request: HttpRequest, user: User, password: str, *, created: bool) -> HttpResponse:
    """The temporary password appears in this one response only; it is stored nowhere in clear."""
    return render(request, "accounts/user_password_once.html", {
        "page_title": "账户已创建" if created else "密码已重置",
        "breadcrumbs": [("用户账户", "/accounts/users/"), (str(user), user.get_absolute_url()),
                        ("临时密码", "")],
        "target": user, "password": password, "created": created,
    })


class UserFormView(_UserPages, ObjectFormView):
    model = User
    form_class = UserForm
    select_related = ("unit", "person")
    form_script = "qinjian/accounts.js"

    def get_form(self, data: Any = None) -> forms.BaseForm:
        initial = {}
        if data is None:  # the unit select reloads the page with what was typed (see accounts.js)
            initial = {k: self.request.GET[k][:64] for k in ("username", "full_name", "unit") if self.request.GET.get(k)}
            if not str(initial.get("unit", "0")).isdigit():
                initial.pop("unit")
        return UserForm(data, user=self.request.user, instance=self.object, initial=initial)

    def get_title(self) -> str:
        return "新建账户" if self.is_create else f"编辑账户：{self.object}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_permission()
        self.object = self.get_object()
        form = self.get_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if self.is_create:
                    user, temporary = user_services.user_create(
                        by=request.user, username=data["username"], full_name=data["full_name"],  # type: ignore[arg-type]
                        unit=data["unit"], person=data.get("person"))
                    return _show_once(request, user, temporary, created=True)
                user_services.user_update(by=request.user, user=self.object, full_name=data["full_name"],  # type: ignore[arg-type]
                                          unit=data["unit"], person=data.get("person"))
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"账户“{self.object}”已保存。")
                return redirect(self.object.get_absolute_url())
        elif not form.non_field_errors():
            form.add_error(None, "填写内容有误，请检查标红的字段。")
        return self.render_form(form)


class _UserAction(_UserPages, ObjectActionView):
    model = User

    def get_object(self) -> Any:
        return super().get_object()


class UserDisableView(_UserAction):
    action = "change"
    verb = "停用"
    button_style = "btn-danger"
    confirm_message = "停用后“{obj}”立即退出所有会话且不能登录。"

    def perform(self, obj: User, form: Any) -> Any:
        ended = user_services.user_disable(by=self.request.user, user=obj)  # type: ignore[arg-type]
        self.success_message = f"账户已停用，结束会话 {ended} 个。"


class UserEnableView(_UserAction):
    action = "change"
    verb = "启用"
    confirm_message = "恢复“{obj}”的登录。"
    success_message = "账户已启用。"

    def perform(self, obj: User, form: Any) -> Any:
        user_services.user_enable(by=self.request.user, user=obj)  # type: ignore[arg-type]


class UserUnlockView(_UserAction):
    action = "unlock"
    verb = "解锁"
    confirm_message = "解除“{obj}”的登录失败锁定。"
    success_message = "账户已解锁。"

    def perform(self, obj: User, form: Any) -> Any:
        user_services.user_unlock(by=self.request.user, user=obj)  # type: ignore[arg-type]


class UserResetTotpView(_UserAction):
    action = "change"
    verb = "重置动态口令"
    button_style = "btn-danger"
    confirm_message = "重置后“{obj}”下次登录须重新绑定认证器。"
    success_message = "动态口令已重置。"

    def perform(self, obj: User, form: Any) -> Any:
        user_services.user_reset_totp(by=self.request.user, user=obj)  # type: ignore[arg-type]


class UserResetPasswordView(_UserAction):
    action = "reset_password"
    verb = "重置密码"
    button_style = "btn-danger"
    confirm_message = "将为“{obj}”生成新的临时密码并结束其所有会话，用户下次登录须修改密码。"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.action)
        self.object = self.get_object()
        try:
            temporary = user_services.user_reset_password(by=request.user, user=self.object)  # type: ignore[arg-type]
        except DomainError as exc:
            return self.render_page(None, error=exc.message)
        return _show_once(request, self.object, temporary, created=False)
