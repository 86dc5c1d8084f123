from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.models import Permission

from qinjian.core.scope import DataScope
from qinjian.org.forms import UnitChoiceField
from qinjian.org.models import Person, Unit

from .models import Role, RoleKind, User


class LoginForm(forms.Form):
    username = forms.CharField(label="账户名", max_length=64,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label="密码", max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TotpForm(forms.Form):
    code = forms.CharField(label="动态口令", max_length=8, min_length=6,
                           widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", strip=False, max_length=128, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password", "autofocus": True}))
    new_password1 = forms.CharField(label="新密码", strip=False, max_length=128, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label="确认新密码", strip=False, max_length=128,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


# --- administration forms (parse input only; the services validate and save) -----------------------

class UserForm(forms.Form):
    username = forms.CharField(label="账户名", max_length=64,
                               help_text="3–64 位小写字母、数字或 . _ -；不区分大小写，创建后不能修改。")
    full_name = forms.CharField(label="姓名", max_length=50)
    unit = forms.ModelChoiceField(label="所属单位", queryset=Unit.objects.none())
    person = forms.ModelChoiceField(label="对应人员", queryset=Person.objects.none(), required=False,
                                    help_text="可选：先选所属单位，再从该单位的在册人员中选择。")

    def __init__(self, *args: Any, user: Any = None, instance: Any = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {}).update(
                {"username": instance.username, "full_name": instance.full_name, "unit": instance.unit_id,
                 "person": instance.person_id})
        super().__init__(*args, **kwargs)
        units = Unit.objects.scoped(user, "view").filter(is_active=True).order_by("tree_path")
        self.fields["unit"] = UnitChoiceField(label="所属单位", queryset=units, empty_label="请选择")
        unit_id = self.data.get("unit") or self.initial.get("unit") or (
            instance.unit_id if instance is not None else None)
        people = Person.objects.scoped(user, "view").filter(is_active=True)
        people = people.filter(unit_id=unit_id) if str(unit_id or "").isdigit() else people.none()
        person_field = cast(forms.ModelChoiceField, self.fields["person"])
        person_field.queryset = people.order_by("sort_order", "id")
        person_field.empty_label = "不关联"
        if instance is not None:
            self.fields["username"].disabled = True
            self.fields["username"].help_text = "账户名创建后不能修改。"


class RoleForm(forms.Form):
    code = forms.CharField(label="角色编码", max_length=64, help_text="小写字母、数字或下划线，创建后不能修改。")
    name = forms.CharField(label="角色名称", max_length=64)
    kind = forms.ChoiceField(label="类别")
    default_scope = forms.ChoiceField(label="默认数据范围")
    description = forms.CharField(label="说明", max_length=300, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    permissions = forms.ModelMultipleChoiceField(label="权限", queryset=Permission.objects.none(), required=False,
                                                 widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, role: Any = None, **kwargs: Any) -> None:
        from .services.roles import grantable_permissions

        self.role = role
        if role is not None:
            kwargs.setdefault("initial", {}).update(
                {"code": role.code, "name": role.name, "kind": role.kind, "default_scope": role.default_scope,
                 "description": role.description, "is_active": role.is_active,
                 "permissions": list(role.permissions.values_list("pk", flat=True))})
        super().__init__(*args, **kwargs)
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = [(k, v) for k, v in RoleKind.choices if k != RoleKind.ADMIN]
        cast(forms.ChoiceField, self.fields["default_scope"]).choices = DataScope.choices
        perms = grantable_permissions()
        if role is not None and role.admin_kind:
            perms = Permission.objects.filter(pk__in=role.permissions.values("pk")).select_related("content_type")
        cast(forms.ModelMultipleChoiceField, self.fields["permissions"]).queryset = perms
        if role is not None:
            self.fields["code"].disabled = True
            self.fields["kind"].disabled = True
            if role.admin_kind:
                kind.choices = RoleKind.choices
                self.fields["permissions"].disabled = True
                self.fields["is_active"].disabled = True


class AssignmentForm(forms.Form):
    user = forms.ModelChoiceField(label="账户", queryset=User.objects.none(), empty_label="请选择")
    role = forms.ModelChoiceField(label="角色", queryset=Role.objects.none(), empty_label="请选择")
    unit = forms.ModelChoiceField(label="数据范围单位", queryset=Unit.objects.none())
    scope = forms.ChoiceField(label="数据范围", required=False,
                              help_text="不选则使用角色的默认数据范围。")
    valid_until = forms.DateTimeField(label="有效期至", required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                 format="%Y-%m-%dT%H:%M"),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
                                      help_text="可选：到期后授权自动失效。")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = User.objects.filter(is_active=True).exclude(
            pk=getattr(user, "pk", None)).select_related("unit").order_by("username")
        cast(forms.ModelChoiceField, self.fields["role"]).queryset = Role.objects.filter(
            is_active=True).order_by("sort_order", "id")
        units = Unit.objects.scoped(user, "view").filter(is_active=True).order_by("tree_path")
        self.fields["unit"] = UnitChoiceField(label="数据范围单位", queryset=units, empty_label="请选择",
                                              help_text="数据范围以此单位为起点。")
        cast(forms.ChoiceField, self.fields["scope"]).choices = [("", "按角色默认"), *DataScope.choices]


class TokenForm(forms.Form):
    name = forms.CharField(label="令牌名称", max_length=64, help_text="说明用途，如“资产系统对接”。")
    assignment = forms.TypedChoiceField(label="使用角色", coerce=int, required=False, empty_value=None,
                                        help_text="令牌以所选角色的权限和数据范围访问 API。")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignment"]).choices = [
            (a.pk, f"{a.role.name}（{a.unit.name}）") for a in user.active_assignments()] if user else []
