"""Forms of the 盘点 pages: the campaign (create/edit) and the resolution of a discrepancy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from qinjian.core.ui.views import ServiceModelForm
from qinjian.org.forms import UnitChoiceField
from qinjian.org.models import Unit
from qinjian.org.selectors import units_for_choice

from .choices import CampaignStatus, DiscrepancyKind
from .models import StocktakeCampaign, StocktakeItem
from .services.stocktake import RESOLUTION_HELP, resolutions_for

DATE = {"type": "date"}


class UnitMultipleField(forms.ModelMultipleChoiceField):
    default_error_messages = {"invalid_choice": "所选单位不在您的管理范围内或已停用，请重新选择。",
                              "invalid_pk_value": "单位选择无效。"}

    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * max(0, getattr(obj, "qj_rel_depth", 0)) + obj.name


class CounterField(forms.ModelMultipleChoiceField):
    default_error_messages = {"invalid_choice": "所选盘点人不在您的管理范围内，请重新选择。",
                              "invalid_pk_value": "盘点人选择无效。"}

    def label_from_instance(self, obj: Any) -> str:
        unit = getattr(obj, "unit", None)
        where = f"（{unit.short_name or unit.name}）" if unit is not None else ""
        return f"{obj.display_name}{where}"


def counters_for_choice(user: Any) -> Any:
    from .services.stocktake import may_count

    reach = Unit.objects.scoped(user, "view")
    return (may_count(get_user_model().objects.filter(is_active=True, unit__in=reach)).select_related("unit")
            .order_by("unit__tree_path", "username"))


class StocktakeCampaignForm(ServiceModelForm):
    unit = UnitChoiceField(label="组织单位", queryset=Unit.objects.none(),
                           help_text="发起本次盘点的单位；盘点单位只能是它本身或它的下级单位。")
    units = UnitMultipleField(label="盘点单位", queryset=Unit.objects.none(),
                              help_text="按住 Ctrl（手机上直接点选）可选择多个单位。")
    counters = CounterField(label="盘点人", queryset=get_user_model().objects.none(), required=False,
                            help_text="被指定的人员可以在手机上打开本任务扫码盘点；资产管理员本人也可以盘点。只列出有盘点权限的人员（如干部职工、资产管理员）。")

    fieldsets = (
        ("盘点任务", ("name", "unit", "planned_start", "planned_end")),
        ("盘点范围", ("units", "location_prefix", "class_prefixes")),
        ("盘点人员", ("counters",)),
        ("说明", ("notes",)),
    )
    wide_fields = ("notes",)

    class Meta:
        model = StocktakeCampaign
        fields = ("name", "unit", "planned_start", "planned_end", "units", "location_prefix", "class_prefixes",
                  "counters", "notes")
        widgets = {
            "planned_start": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "planned_end": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "name": forms.TextInput(attrs={"placeholder": "如：2026年度资产清查盘点"}),
            "location_prefix": forms.TextInput(attrs={"placeholder": "如：办公楼3层（留空则不限）"}),
            "class_prefixes": forms.TextInput(attrs={"placeholder": "如：A0201, A0203（留空则不限）"}),
            "notes": forms.Textarea(attrs={"rows": 3, "placeholder": "盘点要求、注意事项等"}),
        }
        help_texts = {
            "location_prefix": "只盘存放地点以此开头的资产。",
            "class_prefixes": "只盘分类代码以这些代码开头的资产，多个用逗号分隔。",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = units_for_choice(self.user, "view")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["units"].queryset = units  # type: ignore[attr-defined]
        counters = counters_for_choice(self.user)
        self.fields["counters"].queryset = counters  # type: ignore[attr-defined]
        for name, count in (("units", units.count()), ("counters", counters.count())):
            self.fields[name].widget.attrs.update({"size": max(3, min(8, count)), "class": "form-select"})
        instance = self.instance if self.instance is not None and self.instance.pk else None
        if instance is not None:
            self.fields["unit"].disabled = True
            if instance.status != CampaignStatus.DRAFT:
                for name in ("units", "location_prefix", "class_prefixes"):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "盘点已开始，盘点范围不能再修改。"


class ItemResolveForm(forms.Form):
    """处理差异: the resolution; booking a 盘盈 find also needs the card's class and value."""

    action = forms.ChoiceField(label="处理方式", widget=forms.RadioSelect)
    note = forms.CharField(label="处理说明", required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control",
                                                        "placeholder": "调查情况、核实依据、批准文号等"}))
    name = forms.CharField(label="资产名称", required=False, max_length=200,
                           widget=forms.TextInput(attrs={"class": "form-control"}))
    class_code = forms.CharField(label="资产分类代码", required=False, max_length=9,
                                 widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "如 A02010105"}),
                                 help_text="GB/T 14885-2022 分类代码。")
    original_value = forms.DecimalField(label="入账价值（元）", required=False, min_value=0, max_digits=16,
                                        decimal_places=2,
                                        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
                                        help_text="无原始凭据时按重置价或评估价入账。")
    value_fiscal = forms.DecimalField(label="其中：财政拨款（元）", required=False, min_value=0, max_digits=16,
                                      decimal_places=2,
                                      widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
                                      help_text="留空则全部按财政拨款入账。")

    surplus_fields = ("name", "class_code", "original_value", "value_fiscal")

    def __init__(self, data: Any = None, *, user: Any = None, obj: StocktakeItem | None = None) -> None:
        super().__init__(data)
        self.user, self.obj = user, obj
        choices = resolutions_for(obj) if obj is not None else []
        self.fields["action"].choices = choices  # type: ignore[attr-defined]
        self.helps = {key: RESOLUTION_HELP.get(key, "") for key, _label in choices}
        if choices:
            self.fields["action"].initial = choices[0][0]
        if obj is None or obj.discrepancy != DiscrepancyKind.SURPLUS:
            for name in self.surplus_fields:
                del self.fields[name]
        else:
            self.fields["name"].initial = obj.surplus_name
            self.fields["name"].help_text = "以下各项在选择“补录入账”时填写。"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = (data.get("class_code") or "").strip().upper()
        if "class_code" in self.fields and data.get("action") == "book":
            from qinjian.standards.models import AssetClass

            klass = AssetClass.objects.filter(code=code).first() if code else None
            if klass is None:
                self.add_error("class_code", "请填写有效的资产分类代码。" if code else "请填写资产分类代码。")
            data["asset_class"] = klass
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {"action": data["action"], "note": data.get("note", "")}
        if data["action"] == "book":
            out.update(asset_class=data.get("asset_class"), original_value=data.get("original_value"),
                       value_fiscal=data.get("value_fiscal"), name=data.get("name", ""))
        return out
