from __future__ import annotations

from typing import Any

from django import forms

from qinjian.core.ui.views import ServiceModelForm

from .models import AlertRule
from .registry import get_rule
from .services.actions import NOTE_MAX


class AlertNoteForm(forms.Form):
    """The note of 处理 / 关闭 (the action views pass user= and obj=)."""

    note = forms.CharField(label="说明", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": "请填写说明。",
                                           "max_length": f"说明不能超过 {NOTE_MAX} 个字。"})

    label_text = "说明"
    placeholder = ""

    def __init__(self, *args: Any, user: Any = None, obj: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].label = self.label_text
        self.fields["note"].widget.attrs["placeholder"] = self.placeholder


class AlertHandleForm(AlertNoteForm):
    label_text = "处理说明"
    placeholder = "如：已提出核增编制申请；已安排人员调整，预计下月完成"


class AlertCloseForm(AlertNoteForm):
    label_text = "关闭说明"
    placeholder = "如：经核实为数据录入错误，已更正"


class AlertRuleForm(ServiceModelForm):
    """Switch, level, frequency and one field per parameter the rule declares."""

    class Meta:
        model = AlertRule
        fields = ("enabled", "severity", "frequency")
        labels = {"severity": "默认级别", "enabled": "启用该规则"}
        help_texts = {"severity": "发现问题时的级别；规则可按参数把更突出的情况升为“严重”。",
                      "enabled": "停用后不再检查，未关闭的预警将全部关闭。"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule_cls = get_rule(self.instance.code) if self.instance and self.instance.pk else None
        stored = (self.instance.parameters or {}) if self.instance else {}
        self.param_names: list[str] = []
        for spec in (rule_cls.parameters if rule_cls else ()):
            name = f"param_{spec.name}"
            self.param_names.append(spec.name)
            initial = stored.get(spec.name, spec.default)
            if spec.kind == "text":
                field: forms.Field = forms.CharField(label=spec.label, max_length=200)
            else:
                field = forms.CharField(label=spec.label, max_length=30,
                                        widget=forms.TextInput(attrs={"inputmode": "decimal"}))
            field.help_text = spec.help_text
            field.initial = initial
            field.error_messages["required"] = "请填写。"
            self.fields[name] = field
        params = tuple(f"param_{n}" for n in self.param_names)
        self.fieldsets = (("规则", ("enabled", "severity", "frequency")),
                          *((("参数", params),) if params else ()))

    def parameters(self) -> dict[str, Any]:
        return {n: self.cleaned_data.get(f"param_{n}") for n in self.param_names}
