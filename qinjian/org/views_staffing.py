"""编制调整申请 pages: list, create/edit (while not under approval), detail, submit into the approval flow."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from qinjian.core.ui.tables import Column, Table
from qinjian.core.ui.views import (
    Action,
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ServiceModelForm,
)
from qinjian.workflow.choices import RequestStatus
from qinjian.workflow.selectors import requests_for_object
from qinjian.workflow.tables import REQUEST_BADGES, request_badge

from .forms import UnitChoiceField
from .models import StaffingChangeRequest, Unit
from .selectors import units_for_choice
from .services.staffing import staffing_request_create, staffing_request_submit, staffing_request_update


def _changes(record: StaffingChangeRequest, value: Any = None) -> SafeString:
    rows = record.changes()
    if not rows:
        return format_html("{}", "无变化")
    return format_html_join("；", "{} {} → {}", rows)


def _changes_text(record: StaffingChangeRequest) -> str:
    return "；".join(f"{label} {old} → {new}" for label, old, new in record.changes()) or "无变化"


class StaffingRequestTable(Table):
    model = StaffingChangeRequest
    default_order = ("-created_at", "-id")

    number = Column(linkify=True, required=True)
    unit = Column(linkify=True, order_by="unit__tree_path")
    changes = Column("调整内容", accessor="pk", order_by=None, render=_changes, export=_changes_text)
    total_change = Column("编制变动数", accessor="total_change", order_by=None, align="end")
    status = Column(render=lambda r, v: request_badge(r), export=lambda r: r.get_status_display())
    approval_number = Column(visible=False)
    created_at = Column("申请时间")


QUOTA_FIELDS = ("quota_admin", "quota_institution", "quota_worker")


class UnitQuotaSelect(forms.Select):
    """The unit select; each unit's current quotas ride on its option (``data-quota-admin`` …) so that
    ``org/staffing_form.js`` fills the three quota fields when the unit is changed."""

    def create_option(self, name: str, value: Any, label: Any, selected: Any, index: int,
                      subindex: int | None = None, attrs: dict[str, Any] | None = None) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        unit = getattr(value, "instance", None)
        if isinstance(unit, Unit):
            for field in QUOTA_FIELDS:
                option["attrs"][f"data-{field.replace('_', '-')}"] = getattr(unit, field)
        return option


class StaffingRequestForm(ServiceModelForm):
    unit = UnitChoiceField(label="申请单位", queryset=Unit.objects.none(),
                           widget=UnitQuotaSelect(attrs={"data-qj-quota-source": ""}))

    fieldsets = (("申请单位", ("unit",)),
                 ("拟调整后的编制数", ("new_quota_admin", "new_quota_institution", "new_quota_worker")),
                 ("调整理由", ("reason",)))
    wide_fields = ("reason",)

    class Meta:
        model = StaffingChangeRequest
        fields = ("unit", "new_quota_admin", "new_quota_institution", "new_quota_worker", "reason")
        widgets = {"reason": forms.Textarea(attrs={"rows": 4, "placeholder": "说明调整的依据（如机构编制部门批复文号）和原因"})}
        labels = {"new_quota_admin": "行政编制数", "new_quota_institution": "事业编制数", "new_quota_worker": "工勤编制数"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = units_for_choice(self.user, "view")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if self.instance is not None and self.instance.pk:
            self.fields["unit"].disabled = True
        for name in ("new_quota_admin", "new_quota_institution", "new_quota_worker"):
            self.fields[name].widget.attrs.update({"min": 0, "max": 100000})
            self.fields[name].help_text = "填写调整后的总数（不是增减数）；选择单位时自动填入其现有编制数。"
            self.fields[name].widget.attrs["data-qj-quota"] = name.removeprefix("new_")


class StaffingRequestListView(ObjectListView):
    model = StaffingChangeRequest
    table_class = StaffingRequestTable
    select_related = ("unit",)
    search_fields = ("number", "unit__name", "reason")
    search_placeholder = "申请编号、单位名称或理由"
    empty_message = "还没有编制调整申请"


class StaffingRequestDetailView(ObjectDetailView):
    model = StaffingChangeRequest
    select_related = ("unit", "created_by")
    info_template_name = "org/staffing_info.html"
    fields = ("number", Column("申请单位", accessor="unit", linkify=True), "status", "approval_number",
              Column("申请人", accessor="created_by.display_name"), Column("申请时间", accessor="created_at"),
              Column("调整理由", accessor="reason", css="col-12"))

    def get_actions(self) -> list[Action]:
        return [
            Action("提交审批", "org:staffingchangerequest_submit", "add", "bi-send", "btn-primary", "post",
                   "提交后将按“编制调整审批”流程办理，审批中不能修改。确定提交吗？",
                   condition=lambda o: o.is_editable),
            Action("编辑", "org:staffingchangerequest_edit", "add", "bi-pencil", "btn-outline-primary",
                   condition=lambda o: o.is_editable),
        ]

    def get_badges(self) -> list[tuple[str, str]]:
        return [(self.object.get_status_display(), REQUEST_BADGES.get(self.object.status, "bg-secondary-lt"))]

    def get_subtitle(self) -> str:
        return f"{self.object.unit.name} · 编制变动数 {self.object.total_change}"

    def get_info_context(self) -> dict[str, Any]:
        obj = self.object
        unit = obj.unit
        rows = []
        for field, label in (("quota_admin", "行政编制"), ("quota_institution", "事业编制"), ("quota_worker", "工勤编制")):
            old, new = getattr(obj, f"old_{field}"), getattr(obj, f"new_{field}")
            rows.append({"label": label, "old": old, "new": new, "delta": new - old, "now": getattr(unit, field)})
        returned = None
        if obj.status == RequestStatus.RETURNED:
            approval = requests_for_object(self.request.user, obj).order_by("-id").first()
            returned = approval.actions.filter(kind="return").order_by("-id").first() if approval else None
        return {"quota_rows": rows, "returned": returned}


class StaffingRequestFormView(ObjectFormView):
    model = StaffingChangeRequest
    form_class = StaffingRequestForm
    select_related = ("unit",)
    success_message = "编制调整申请“{obj}”已保存，确认无误后请提交审批。"
    permission_required = "org.add_staffingchangerequest"  # the applicant revises its draft: no change_ needed
    form_script = "org/staffing_form.js"  # changing the unit refills the quota fields

    def check_permission(self) -> None:
        self.require("add")  # the applicant unit edits its own draft with the add permission

    def get_object(self) -> Any:
        if self.is_create:
            return None
        qs = StaffingChangeRequest.objects.scoped(self.request.user, "add").select_related("unit")
        obj = get_object_or_404(qs, pk=self.kwargs["pk"])
        if not obj.is_editable:
            raise Http404
        return obj

    def get_initial(self) -> dict[str, Any]:
        if self.object is not None:
            return {}
        raw = self.request.GET.get("unit", "")
        units = units_for_choice(self.request.user, "view")
        unit = units.filter(pk=raw).first() if raw.isdigit() else None
        if unit is None:
            only = list(units[:2])
            unit = only[0] if len(only) == 1 else None
        if unit is None:
            return {}
        return {"unit": unit.pk, "new_quota_admin": unit.quota_admin, "new_quota_institution": unit.quota_institution,
                "new_quota_worker": unit.quota_worker}

    def perform(self, form: forms.BaseForm) -> StaffingChangeRequest:
        data = dict(form.cleaned_data)
        if self.object is None:
            return staffing_request_create(**data)
        data.pop("unit", None)
        return staffing_request_update(request=self.object, **data)


class StaffingRequestSubmitView(ObjectActionView):
    model = StaffingChangeRequest
    action = "add"
    verb = "提交审批"
    confirm_message = "提交后将按审批流程办理，审批中不能修改。确定提交“{obj}”吗？"
    success_message = "已提交审批。"
    permission_required = "org.add_staffingchangerequest"

    def perform(self, obj: StaffingChangeRequest, form: forms.BaseForm | None) -> Any:
        staffing_request_submit(request=obj, actor=self.request.user)
        return obj
