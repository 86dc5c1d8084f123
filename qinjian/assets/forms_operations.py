"""Forms of the 资产业务单 pages: the document form (fields depend on the kind), the list filters."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from qinjian.core.scope import DataScope, active_assignment
from qinjian.core.ui.views import ServiceModelForm
from qinjian.org.forms import UnitChoiceField
from qinjian.org.models import Department, Person, Unit

from .choices import DisposalMethod, OperationKind, OperationStatus
from .models import AssetOperation
from .services.operations import TRANSITIONS, actor_person, is_staff_actor

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

KIND_HELP: dict[str, str] = {
    OperationKind.ACCEPTANCE: "新购置或新取得的资产验收合格后入账（只能选择“待入账”的资产卡片）。",
    OperationKind.ISSUE: "将在用或闲置、尚无使用人的资产交给职工使用。",
    OperationKind.RETURN: "使用人交回资产，交回后资产为“闲置”。",
    OperationKind.TRANSFER: "资产无偿调拨给本市其他单位：调出、调入单位资产管理员分别签认，资产和账务同时转移。",
    OperationKind.LOAN: "资产出租或出借给其他单位使用，收回时另办“出借收回”。",
    OperationKind.LOAN_RETURN: "收回出租出借的资产，恢复出借前的使用状况。",
    OperationKind.REPAIR: "记录资产的维修单位、费用和结果。",
    OperationKind.DISPOSAL: "报废、报损、出售、对外捐赠、无偿划转等：审批期间资产为“待处置”，审批通过后核销。",
    OperationKind.REVALUATION: "追加投入、改扩建、评估等引起的原值变动，逐项填写变动后原值。",
}
KIND_ICONS: dict[str, str] = {
    OperationKind.ACCEPTANCE: "bi-box-arrow-in-down", OperationKind.ISSUE: "bi-person-check",
    OperationKind.RETURN: "bi-arrow-return-left", OperationKind.TRANSFER: "bi-arrow-left-right",
    OperationKind.LOAN: "bi-box-arrow-up-right", OperationKind.LOAN_RETURN: "bi-box-arrow-in-left",
    OperationKind.REPAIR: "bi-tools", OperationKind.DISPOSAL: "bi-trash3", OperationKind.REVALUATION: "bi-currency-yen",
}
COUNTERPARTY_LABELS: dict[str, tuple[str, str]] = {
    OperationKind.LOAN: ("承租（借用）方", "单位或个人名称"),
    OperationKind.REPAIR: ("维修单位", "如：示范市联想服务站"),
    OperationKind.DISPOSAL: ("受让（受赠）方", "出售、转让、捐赠、划转的对方名称；报废可不填"),
}


def applicant_units(user: Any) -> QuerySet[Unit]:
    """Active units the user may apply for (their own person's unit for 干部职工)."""
    if is_staff_actor(user):
        person = actor_person(user)
        assignment = active_assignment(user)
        unit_id = person.unit_id if person else getattr(assignment, "unit_id", None)
        return Unit.objects.filter(pk=unit_id or 0, is_active=True)
    return Unit.objects.scoped(user, "view").filter(is_active=True).only("id", "name", "depth", "tree_path", "level")


def city_units(user: Any) -> QuerySet[Unit]:
    """Units a transfer may go to: the active units of the user's own unit tree (the city)."""
    assignment = active_assignment(user)
    unit = getattr(assignment, "unit", None)
    qs = Unit.objects.filter(is_active=True).only("id", "name", "depth", "tree_path", "level")
    if assignment is not None and assignment.scope == DataScope.ALL and unit is None:
        return qs
    root = (unit.tree_path.strip("/").split("/")[0] if unit is not None and unit.tree_path else "")
    return qs.filter(tree_path__startswith=f"/{root}/") if root else qs.none()


class OperationForm(ServiceModelForm):
    """The fields of one kind of document; the assets are picked on the page (not a form field)."""

    unit = UnitChoiceField(label="申请单位", queryset=Unit.objects.none())
    counterpart_unit = UnitChoiceField(label="调入单位", queryset=Unit.objects.none())
    result = forms.CharField(label="维修结果", max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "如：更换硬盘，已修复"}))

    class Meta:
        model = AssetOperation
        fields = ("unit", "occurred_on", "counterpart_unit", "person", "department", "counterparty", "location",
                  "due_on", "disposal_method", "income", "cost", "reason")
        widgets = {"occurred_on": DATE, "due_on": DATE,
                   "reason": forms.Textarea(attrs={"rows": 3, "placeholder": "说明办理的原因和依据"})}

    def __init__(self, *args: Any, kind: str, unit: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        rule = TRANSITIONS[kind]
        wanted = {"unit", "occurred_on", "reason", *rule.fields}
        if kind == OperationKind.REPAIR:
            wanted.add("result")
        staff = is_staff_actor(self.user)
        if staff:
            wanted -= {"person", "department"}
        editing = self.instance is not None and self.instance.pk
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        units = applicant_units(self.user)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if editing or staff:
            self.fields["unit"].disabled = True
            self.fields["unit"].required = False
        self.fields["occurred_on"].label = "验收日期" if kind == OperationKind.ACCEPTANCE else "业务日期"
        self.fields["occurred_on"].help_text = "不能晚于今天。" + (
            "" if kind == OperationKind.ACCEPTANCE else "审批通过之日资产状态和账务随之变动。")
        self.fields["reason"].label = "事由"
        if "counterpart_unit" in self.fields:
            self.fields["counterpart_unit"].queryset = city_units(self.user)  # type: ignore[attr-defined]
            self.fields["counterpart_unit"].help_text = "只能调拨给本市在用的其他单位。"
        if "person" in self.fields:
            self.fields["person"].required = True
            self.fields["person"].queryset = (Person.objects.filter(unit=unit, is_active=True).order_by(  # type: ignore[attr-defined]
                "department__sort_order", "sort_order", "name") if unit is not None else Person.objects.none())
            self.fields["person"].help_text = "申请单位的在职人员。"
        if "department" in self.fields:
            self.fields["department"].queryset = (Department.objects.filter(  # type: ignore[attr-defined]
                unit=unit, is_active=True) if unit is not None else Department.objects.none())
            self.fields["department"].help_text = "不填则为领用人所在部门。"
        if "counterparty" in self.fields:
            label, placeholder = COUNTERPARTY_LABELS.get(kind, ("对方名称", ""))
            self.fields["counterparty"].label = label
            self.fields["counterparty"].widget.attrs["placeholder"] = placeholder
            self.fields["counterparty"].required = kind in (OperationKind.LOAN, OperationKind.REPAIR)
        if "disposal_method" in self.fields:
            self.fields["disposal_method"].required = True
            method: Any = self.fields["disposal_method"]
            method.choices = [("", "请选择"), *DisposalMethod.choices]
        if "income" in self.fields:
            self.fields["income"].help_text = "出售、出让、转让、置换的收入（元），按规定上缴国库；报废残值收入也在此填写。"
        if "location" in self.fields:
            self.fields["location"].label = "使用地点" if kind == OperationKind.ISSUE else "存放地点"
            self.fields["location"].help_text = "不填则不改变资产的存放地点。"
        for name in ("income", "cost"):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"min": 0, "step": "0.01"})
        self.fields["reason"].required = True

    fieldsets = (("业务信息", ("unit", "occurred_on", "counterpart_unit", "person", "department", "counterparty",
                               "disposal_method", "income", "cost", "result", "due_on", "location")),
                 ("事由", ("reason",)))
    wide_fields = ("reason",)


class OperationFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="业务类型", choices=OperationKind.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=OperationStatus.choices, empty_label="全部")
    unit = django_filters.ModelChoiceFilter(
        label="单位", field_name="unit", empty_label="全部", method="filter_unit",
        queryset=lambda request: (Unit.objects.scoped(request.user, "view").only("id", "name", "depth", "tree_path")
                                  if request is not None else Unit.objects.none()))
    occurred_after = django_filters.DateFilter(label="业务日期自", field_name="occurred_on", lookup_expr="gte",
                                               widget=DATE)
    occurred_before = django_filters.DateFilter(label="业务日期至", field_name="occurred_on", lookup_expr="lte",
                                                widget=DATE)

    class Meta:
        model = AssetOperation
        fields = ("kind", "status", "unit", "occurred_after", "occurred_before")

    def filter_unit(self, queryset: QuerySet, name: str, value: Unit | None) -> QuerySet:
        """Either side: the applicant unit or the receiving unit of a transfer."""
        if value is None:
            return queryset
        from django.db.models import Q

        return queryset.filter(Q(unit=value) | Q(counterpart_unit=value))
