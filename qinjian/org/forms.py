"""Forms of the org pages: they parse input and limit choices to the user's scope; services validate."""

from __future__ import annotations

from typing import Any

from django import forms

from qinjian.core.scope import DataScope, active_assignment
from qinjian.core.ui.views import ServiceModelForm

from .choices import PersonStatus
from .models import Department, Person, Rank, Unit
from .selectors import departments_of, ranks_for_unit, units_for_choice


class UnitChoiceField(forms.ModelChoiceField):
    """Units indented by their depth in the tree."""

    default_error_messages = {"invalid_choice": "所选单位不在您的管理范围内或已停用，请重新选择。"}

    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * max(0, getattr(obj, "qj_rel_depth", obj.depth)) + obj.name


def _relative_depths(queryset: Any) -> Any:
    """Indent relative to the shallowest unit offered (a scoped user's tree starts at their unit)."""
    rows = list(queryset)
    top = min((u.depth for u in rows), default=0)
    for unit in rows:
        unit.qj_rel_depth = unit.depth - top
    return rows


class _UnitIterator(forms.models.ModelChoiceIterator):
    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in _relative_depths(self.queryset):
            yield self.choice(obj)


UnitChoiceField.iterator = _UnitIterator


def _may_create_top_level(user: Any) -> bool:
    assignment = active_assignment(user)
    return assignment is not None and assignment.scope == DataScope.ALL


class UnitForm(ServiceModelForm):
    parent = UnitChoiceField(label="上级单位", queryset=Unit.objects.none(), required=False,
                             empty_label="（无，作为顶级单位）")

    fieldsets = (
        ("基本信息", ("parent", "name", "short_name", "code", "credit_code", "unit_type", "level", "region",
                      "sort_order")),
        ("联系方式", ("address", "contact_phone")),
        ("编制", ("quota_admin", "quota_institution", "quota_worker")),
        ("备注", ("remark",)),
    )

    class Meta:
        model = Unit
        fields = ("name", "short_name", "code", "credit_code", "unit_type", "level", "region", "sort_order",
                  "address", "contact_phone", "quota_admin", "quota_institution", "quota_worker", "remark")
        widgets = {"remark": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"credit_code": "18 位，由登记管理部门赋予；没有可留空。",
                      "sort_order": "数字越小越靠前。"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["parent"]  # the parent changes through 调整上级单位 only
        else:
            field = self.fields["parent"]
            field.queryset = units_for_choice(self.user, "add")  # type: ignore[attr-defined]
            if not _may_create_top_level(self.user):
                field.required = True
                field.empty_label = "请选择上级单位"  # type: ignore[attr-defined]
        self.fields["credit_code"].required = False
        for name in ("quota_admin", "quota_institution", "quota_worker"):
            self.fields[name].widget.attrs.update({"min": 0, "max": 100000})


class UnitMoveForm(forms.Form):
    parent = UnitChoiceField(label="新的上级单位", queryset=Unit.objects.none(), required=False,
                             empty_label="（无，作为顶级单位）")

    def __init__(self, *args: Any, user: Any = None, obj: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        field.queryset = units_for_choice(user, "change")  # type: ignore[attr-defined]
        if obj is not None and obj.parent_id:
            field.initial = obj.parent_id
        if not _may_create_top_level(user):
            field.required = True
            field.empty_label = "请选择新的上级单位"  # type: ignore[attr-defined]
        field.help_text = "本单位的下级单位将随之移动。"


class DepartmentForm(ServiceModelForm):
    unit = UnitChoiceField(label="所属单位", queryset=Unit.objects.none(), empty_label="请选择单位")

    class Meta:
        model = Department
        fields = ("unit", "name", "code", "sort_order")
        help_texts = {"code": "在本单位内唯一，如 BGS（办公室）。", "sort_order": "数字越小越靠前。"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["unit"]  # a department stays in its unit
        else:
            self.fields["unit"].queryset = units_for_choice(self.user, "change")  # type: ignore[attr-defined]


class PersonForm(ServiceModelForm):
    unit = UnitChoiceField(label="所在单位", queryset=Unit.objects.none(), empty_label="请选择单位")
    phone = forms.CharField(label="手机号码", max_length=20, required=False)

    fieldsets = (
        ("基本信息", ("name", "code", "gender", "phone", "sort_order")),
        ("任职信息", ("unit", "department", "rank", "post", "staffing_type", "status")),
    )

    class Meta:
        model = Person
        fields = ("name", "code", "gender", "unit", "department", "rank", "post", "staffing_type", "status",
                  "sort_order")
        help_texts = {"sort_order": "数字越小越靠前。"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_choice(self.user, "change")  # type: ignore[attr-defined]
        unit = self._chosen_unit()
        self.fields["department"].queryset = (  # type: ignore[attr-defined]
            departments_of(self.user, unit.pk) if unit else Department.objects.none())
        self.fields["department"].empty_label = "（不指定部门）" if unit else "请先选择单位"  # type: ignore[attr-defined]
        self.fields["rank"].queryset = ranks_for_unit(unit) if unit else Rank.objects.none()  # type: ignore[attr-defined]
        self.fields["rank"].empty_label = "（无）" if unit else "请先选择单位"  # type: ignore[attr-defined]
        self.fields["department"].error_messages["invalid_choice"] = "所选部门不属于该单位，请重新选择。"
        self.fields["rank"].error_messages["invalid_choice"] = "所选职级不适用于该单位的行政层级，请重新选择。"
        self.can_see_phone = bool(self.user and self.user.has_perm("org.view_person_phone"))
        if self.instance.pk:
            if self.can_see_phone:
                self.initial["phone"] = self.instance.phone
            else:
                self.initial["phone"] = ""
                if self.instance.phone:
                    self.fields["phone"].help_text = f"当前号码 {self.instance.phone_masked}；留空表示不修改。"
        self.fields["phone"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def _chosen_unit(self) -> Unit | None:
        if self.is_bound:
            raw = self.data.get("unit")
        else:
            raw = self.initial.get("unit") or (self.instance.unit_id if self.instance.pk else None)
        if isinstance(raw, Unit):
            return raw
        try:
            pk = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        return self.fields["unit"].queryset.filter(pk=pk).first()  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.instance.pk and not self.can_see_phone and not data.get("phone"):
            data.pop("phone")  # keep the number the user cannot see
        return data


class PersonDeactivateForm(forms.Form):
    status = forms.ChoiceField(label="离岗原因", choices=[(PersonStatus.TRANSFERRED, "调离"),
                                                      (PersonStatus.RETIRED, "退休")])

    def __init__(self, *args: Any, user: Any = None, obj: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
