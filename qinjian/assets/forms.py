"""Forms of the card pages: they parse input and limit choices to the user's scope; the services validate."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from qinjian.core.ui.views import ServiceModelForm
from qinjian.org.forms import UnitChoiceField
from qinjian.org.models import Department, Person, Unit

from .choices import AssetStatus
from .models import Asset
from .selectors_cards import asset_units

BOOKED_LOCKED = {
    "unit": "已入账资产的所属单位通过“调拨”业务单变更。",
    "original_value": "已入账资产的原值通过“价值变动”业务单调整。",
    "value_fiscal": "已入账资产的资金来源通过“价值变动”业务单调整。",
    "value_nonfiscal": "已入账资产的资金来源通过“价值变动”业务单调整。",
    "quantity": "已入账资产的数量是账面数，不能直接修改。",
    "custodian": "使用人通过“领用”“交回”业务单变更。",
}


class AssetForm(ServiceModelForm):
    unit = UnitChoiceField(label="所属单位", queryset=Unit.objects.none(), empty_label="请选择单位")
    class_code = forms.CharField(
        label="资产分类代码", max_length=9, min_length=3,
        help_text="GB/T 14885-2022 分类代码，如 A02010105（台式计算机）。填写资产名称后会自动推荐。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "如 A02010105",
                                      "class": "font-monospace text-uppercase"}))
    original_value = forms.DecimalField(label="原值（元）", min_value=0, max_digits=16, decimal_places=2,
                                        widget=forms.NumberInput(attrs={"step": "0.01", "min": 0, "inputmode": "decimal"}))
    value_fiscal = forms.DecimalField(label="其中：财政拨款（元）", min_value=0, max_digits=16, decimal_places=2,
                                      required=False,
                                      widget=forms.NumberInput(attrs={"step": "0.01", "min": 0, "inputmode": "decimal"}))
    value_nonfiscal = forms.DecimalField(label="其中：非财政拨款（元）", min_value=0, max_digits=16, decimal_places=2,
                                         required=False,
                                         widget=forms.NumberInput(attrs={"step": "0.01", "min": 0, "inputmode": "decimal"}))

    fieldsets = (
        ("基本信息", ("unit", "name", "class_code", "spec_model", "brand", "serial_number", "quantity", "measure_unit")),
        ("价值与资金来源", ("value_type", "original_value", "value_fiscal", "value_nonfiscal")),
        ("取得信息", ("acquisition_method", "acquired_on", "supplier", "warranty_until", "purchase_project",
                      "invoice_no", "voucher_no")),
        ("使用信息", ("department", "custodian", "location")),
        ("其他", ("legacy_code", "notes")),
    )
    wide_fields = ("notes",)

    class Meta:
        model = Asset
        fields = ("unit", "name", "spec_model", "brand", "serial_number", "quantity", "measure_unit", "value_type",
                  "original_value", "value_fiscal", "value_nonfiscal", "acquisition_method", "acquired_on",
                  "supplier", "warranty_until", "purchase_project", "invoice_no", "voucher_no", "department",
                  "custodian", "location", "legacy_code", "notes")
        widgets = {
            "acquired_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "warranty_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "quantity": forms.NumberInput(attrs={"min": 1}),
        }
        help_texts = {
            "value_fiscal": "",
            "quantity": "同一批次、规格相同的低值资产可合并为一张卡片。",
            "legacy_code": "旧台账中的资产编号，便于对照查找。",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance: Asset = self.instance
        self.fields["value_fiscal"].help_text = "只填原值时视为全部由财政拨款形成；两项之和应等于原值。"
        self.fields["acquired_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if instance.pk:
            self.initial.setdefault("class_code", instance.class_code)
        units = asset_units(self.user, "add" if not instance.pk else "change").filter(is_active=True)
        if instance.pk and instance.unit_id:
            units = units | Unit.objects.filter(pk=instance.unit_id)
        self.fields["unit"].queryset = units.order_by("tree_path")  # type: ignore[attr-defined]
        unit = self.chosen_unit()
        dept, person = self.fields["department"], self.fields["custodian"]
        dept.queryset = (Department.objects.filter(unit=unit, is_active=True).order_by("sort_order", "id")  # type: ignore[attr-defined]
                         if unit else Department.objects.none())
        person.queryset = (Person.objects.filter(unit=unit, is_active=True).select_related("department")  # type: ignore[attr-defined]
                           .order_by("sort_order", "id") if unit else Person.objects.none())
        if instance.pk and instance.custodian_id:
            person.queryset = person.queryset | Person.objects.filter(pk=instance.custodian_id)  # type: ignore[attr-defined]
        person.label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p.name}（{p.department.name}）" if p.department_id else p.name)
        dept.empty_label = "（不指定）" if unit else "请先选择单位"  # type: ignore[attr-defined]
        person.empty_label = "（不指定）" if unit else "请先选择单位"  # type: ignore[attr-defined]
        dept.error_messages["invalid_choice"] = "所选部门不属于该单位，请重新选择。"
        person.error_messages["invalid_choice"] = "所选人员不是该单位的在岗人员，请重新选择。"
        self.locked: dict[str, str] = {}
        if instance.pk and instance.status != AssetStatus.DRAFT:
            for name, why in BOOKED_LOCKED.items():
                self.fields[name].disabled = True
                self.fields[name].help_text = why
                self.locked[name] = why
            self.initial["class_code"] = instance.class_code
            self.fields["class_code"].help_text = "已入账资产调整分类后，账面数额随之从原分类转入新分类。"

    def chosen_unit(self) -> Unit | None:
        if self.is_bound and not self.fields["unit"].disabled:
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

    def clean_class_code(self) -> str:
        return str(self.cleaned_data.get("class_code") or "").strip().upper()

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in self.locked:
            data.pop(name, None)
        return data


class AssetStatusForm(forms.Form):
    """标记闲置 / 恢复在用: the date (default today) and an optional reason."""

    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label="说明", max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "如：人员调整，暂无人使用"}))

    def __init__(self, *args: Any, user: Any = None, obj: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["on"].initial = today
        self.fields["on"].widget.attrs["max"] = today.isoformat()
        if obj is not None and obj.status_since:
            self.fields["on"].widget.attrs["min"] = obj.status_since.isoformat()

    def clean_on(self) -> datetime.date:
        return self.cleaned_data["on"]
