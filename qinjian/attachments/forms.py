from __future__ import annotations

from typing import Any

from django import forms

from .labels import DEFAULT_LAYOUT, LAYOUTS
from .models import Attachment
from .sniffing import ACCEPT_ATTR


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class UploadForm(forms.Form):
    """The field is named "files" (also the camera input's and the API's name); it is added in
    __init__ because a class attribute of that name would shadow ``Form.files``."""

    kind = forms.ChoiceField(label="类别", required=False,
                             choices=[("", "自动识别"), *Attachment.Kind.choices],
                             widget=forms.Select(attrs={"class": "form-select"}))
    description = forms.CharField(label="说明", required=False, max_length=200,
                                  widget=forms.TextInput(attrs={"class": "form-control",
                                                                "placeholder": "可选，如“2026年5月巡查照片”"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"] = MultipleFileField(
            label="选择文件", required=False,
            widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTR, "class": "form-control", "id": "qj-att-files"}))
        self.order_fields(["files", "kind", "description"])


class LabelOptionsForm(forms.Form):
    model = forms.ChoiceField(label="标签类型", widget=forms.Select(attrs={"class": "form-select"}))
    layout = forms.ChoiceField(label="标签纸规格", choices=[(k, v.label) for k, v in LAYOUTS.items()],
                               initial=DEFAULT_LAYOUT, widget=forms.RadioSelect)
    start = forms.IntegerField(label="从第几张开始", min_value=1, max_value=40, initial=1,
                               help_text="整张纸的前几张已经用过时，填写第一张空白标签的位置（从左到右、从上到下数）。",
                               widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}))
    title = forms.CharField(label="标签抬头", required=False, max_length=40,
                            widget=forms.TextInput(attrs={"class": "form-control"}))
    outline = forms.BooleanField(label="打印裁切边框（用普通 A4 纸打印时勾选）", required=False)

    def __init__(self, *args: Any, model_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = model_choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        layout = LAYOUTS.get(data.get("layout") or DEFAULT_LAYOUT)
        start = data.get("start")
        if layout and start and start > layout.per_page:
            self.add_error("start", f"该规格每页只有 {layout.per_page} 张，请填写 1 到 {layout.per_page}。")
        return data
