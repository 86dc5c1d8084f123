"""Forms of the approval pages: parse input, offer only sensible choices; services validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType

from qinjian.accounts.models import Role
from qinjian.core.ui.views import ServiceModelForm
from qinjian.org.models import Unit

from .choices import DeadlineUnit, UnitRule
from .models import FlowDefinition
from .registry import approvables


class CommentForm(forms.Form):
    comment = forms.CharField(label="审批意见", required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3, "placeholder": "填写审批意见（驳回、退回时必填）"}))
    task = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ContentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        model = obj.model_class()
        return str(model._meta.verbose_name) if model else obj.model


class FlowForm(ServiceModelForm):
    content_type = ContentTypeChoiceField(label="审批事项", queryset=ContentType.objects.none(), empty_label="请选择")

    variant = forms.ChoiceField(label="业务类型", required=False,
                                help_text="仅对有多种业务类型的事项（如资产业务单）有意义；留空表示适用于该事项的全部类型。")

    fieldsets = (("流程", ("name", "content_type", "variant", "priority", "is_active")),
                 ("适用条件", ("amount_min", "amount_max")), ("说明", ("description",)))

    class Meta:
        model = FlowDefinition
        fields = ("name", "content_type", "variant", "priority", "amount_min", "amount_max", "is_active", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [ContentType.objects.get_for_model(a.model).pk for a in approvables()]
        self.fields["content_type"].queryset = ContentType.objects.filter(pk__in=ids)  # type: ignore[attr-defined]
        variants = [("", "全部类型")]
        for a in approvables():
            variants += [(code, f"{a.verbose_name}：{label}") for code, label in a.variants]
        self.fields["variant"].choices = variants  # type: ignore[attr-defined]
        labels = "；".join(f"{a.verbose_name}：{a.amount_label}" for a in approvables())
        self.fields["amount_min"].help_text = f"按各事项声明的金额（数量）判断。{labels}。留空表示不限。"


def _role_choices() -> list[tuple[str, str]]:
    roles = Role.objects.filter(is_active=True, permissions__codename="view_approvaltask",
                                permissions__content_type__app_label="workflow").order_by("sort_order", "id")
    return [("", "请选择"), *[(r.code, r.name) for r in roles]]


class StepForm(forms.Form):
    name = forms.CharField(label="环节名称", max_length=100, required=False)
    role_code = forms.ChoiceField(label="审批角色", required=False)
    unit_rule = forms.ChoiceField(label="审批人所在单位", choices=UnitRule.choices, initial=UnitRule.SCOPE_ALL)
    fixed_unit = forms.ModelChoiceField(label="指定单位", queryset=Unit.objects.none(), required=False,
                                        empty_label="（仅“指定单位”时选择）")
    min_amount = forms.DecimalField(label="仅当金额（数量）不低于", max_digits=16, decimal_places=2, required=False,
                                    min_value=0)
    deadline_value = forms.IntegerField(label="办理时限", min_value=1, max_value=365, initial=3, required=False)
    deadline_unit = forms.ChoiceField(label="时限单位", choices=DeadlineUnit.choices, initial=DeadlineUnit.WORKDAYS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role_code"].choices = _role_choices()  # type: ignore[attr-defined]
        self.fields["fixed_unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            is_active=True, depth__lte=3).only("id", "name", "depth", "tree_path")

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not data.get("name") and not data.get("role_code")


class BaseStepFormSet(forms.BaseFormSet):
    def steps(self) -> list[dict[str, Any]]:
        out = []
        self.step_forms: list[forms.Form] = []  # the form behind each step, to put service errors back
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE") or form.is_blank():
                continue
            out.append({k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
            self.step_forms.append(form)
        return out


StepFormSet = forms.formset_factory(StepForm, formset=BaseStepFormSet, extra=2, can_delete=True, max_num=20,
                                    absolute_max=40)
