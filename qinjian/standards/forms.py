from __future__ import annotations

from typing import Any

from django import forms

from .choices import Confidence, VersionStatus


class VersionForm(forms.Form):
    code = forms.CharField(label="版本号", max_length=40, help_text="如 2026 或 2026-陕西")
    doc_no = forms.CharField(label="文号", max_length=100, required=False)
    doc_title = forms.CharField(label="依据文件", max_length=200)
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    effective_to = forms.DateField(label="失效日期", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   help_text="最后一个有效日；留空表示长期有效")
    status = forms.ChoiceField(label="保存为", choices=[(VersionStatus.ACTIVE, "生效"), (VersionStatus.DRAFT, "草稿")],
                               initial=VersionStatus.ACTIVE)
    close_previous = forms.BooleanField(
        label="同时将所复制版本的失效日期设为新版本生效日期的前一天", required=False, initial=True)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    fieldsets = (("版本信息", ("code", "doc_no", "doc_title", "effective_from", "effective_to", "status",
                              "close_previous", "note")),)
    wide_fields = ("doc_title", "note", "close_previous")


class RetireForm(forms.Form):
    reason = forms.CharField(label="废止原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any = None, obj: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


CONFIDENCE_CHOICES = [(c.value, c.label) for c in Confidence]


def rows_from_post(data: Any, key_names: list[str], value_names: list[str]) -> list[dict[str, Any]]:
    """The rows grid of the version form (row-<i>-k-<name>, row-<i>-v-<name>, ...); blank rows dropped."""
    try:
        count = min(int(data.get("row_count", "0")), 2100)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        p = f"row-{i}-"
        if data.get(p + "delete"):
            continue
        key = {n: data.get(f"{p}k-{n}", "") for n in key_names}
        values = {n: data.get(f"{p}v-{n}", "") for n in value_names}
        note = data.get(p + "note", "")
        if not any(str(v).strip() for v in [*key.values(), *values.values(), note]):
            continue
        rows.append({"key": key, "values": values, "confidence": data.get(p + "confidence", ""), "note": note})
    return rows
