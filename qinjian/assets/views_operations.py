"""资产业务单 pages: list, choose the kind, create/edit with the asset picker, detail, submit, delete."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from qinjian.core.search import contains_q
from qinjian.core.ui.views import (
    Action,
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    try_reverse,
)
from qinjian.org.models import Unit
from qinjian.workflow.choices import RequestStatus
from qinjian.workflow.selectors import current_task, requests_for_object

from .choices import AssetStatus, OperationKind, OperationStatus
from .forms_operations import KIND_HELP, KIND_ICONS, OperationFilterSet, OperationForm, applicant_units
from .models import Asset, AssetOperation, AssetOperationLine
from .services.operations import (
    OPEN_STATUSES,
    STAFF_KINDS,
    TRANSITIONS,
    actor_reaches,
    is_staff_actor,
    operation_create,
    operation_delete,
    operation_set_lines,
    operation_submit,
    operation_update,
)
from .tables_operations import STATUS_BADGES, LineTable, OperationTable, yuan

PICKER_LIMIT = 20
ADD = "assets.add_assetoperation"

LINE_COLUMNS: dict[str, tuple[str, ...]] = {
    OperationKind.REVALUATION: ("code", "name", "spec_model", "status", "original_value", "new_value"),
    OperationKind.REPAIR: ("code", "name", "spec_model", "status", "original_value", "note"),
}
DEFAULT_LINE_COLUMNS = ("code", "name", "spec_model", "status", "custodian", "original_value", "net_value")


def allowed_kinds(user: Any) -> list[tuple[str, str]]:
    kinds = STAFF_KINDS if is_staff_actor(user) else OperationKind.values
    return [(k, OperationKind(k).label) for k in kinds]


def _applicant_operations(user: Any, action: str) -> QuerySet[AssetOperation]:
    """Documents the user may change as the applicant (not the receiving unit of a transfer)."""
    qs = AssetOperation.objects.scoped(user, action)
    if is_staff_actor(user):
        return qs.filter(Q(created_by=user) | Q(person_id=getattr(user, "person_id", None) or 0))
    units = applicant_units(user)
    return qs.filter(unit__in=Unit.objects.filter(pk__in=units.values("pk")))


# --------------------------------------------------------------------------------------------------
# list and detail
# --------------------------------------------------------------------------------------------------


class OperationListView(ObjectListView):
    model = AssetOperation
    table_class = OperationTable
    filterset_class = OperationFilterSet
    select_related = ("unit", "counterpart_unit")
    search_fields = ("number", "reason", "counterparty", "lines__asset__code", "lines__asset__name")
    search_placeholder = "业务单号、资产编号或名称、事由"
    empty_message = "还没有资产业务单"

    def get_search_q(self, term: str) -> Q:
        lines = AssetOperationLine.objects.filter(contains_q("asset__code", term) | contains_q("asset__name", term))
        return (contains_q("number", term) | contains_q("reason", term) | contains_q("counterparty", term)
                | Q(pk__in=lines.values("operation_id")))


class OperationDetailView(ObjectDetailView):
    model = AssetOperation
    select_related = ("unit", "counterpart_unit", "person", "department", "created_by")
    info_template_name = "assets/operation_info.html"

    def get_fields(self) -> list[tuple[Any, Any]]:
        from qinjian.core.ui.tables import Column

        obj = self.object
        specs: list[Any] = ["number", "kind", Column("申请单位", accessor="unit", linkify=True)]
        if obj.counterpart_unit_id:
            specs.append(Column("调入单位", accessor="counterpart_unit", linkify=True))
        if obj.person_id:
            specs.append(Column("领用人", accessor="person.name"))
        if obj.department_id:
            specs.append(Column("使用部门", accessor="department.name"))
        if obj.counterparty:
            from .forms_operations import COUNTERPARTY_LABELS

            specs.append(Column(COUNTERPARTY_LABELS.get(obj.kind, ("对方名称", ""))[0], accessor="counterparty"))
        if obj.disposal_method:
            specs.append("disposal_method")
        if obj.income is not None:
            specs.append(Column("处置收入（元）", accessor="income", render=lambda r, v: yuan(v)))
        if obj.cost is not None:
            specs.append(Column("维修费用（元）", accessor="cost", render=lambda r, v: yuan(v)))
        if obj.due_on:
            specs.append("due_on")
        if obj.location:
            specs.append("location")
        specs += [Column("验收日期" if obj.kind == OperationKind.ACCEPTANCE else "业务日期", accessor="occurred_on"),
                  Column("资产数", accessor="line_count"),
                  Column("资产原值合计（元）", accessor="total_value", render=lambda r, v: yuan(v)),
                  "status", "approval_number"]
        if obj.done_on:
            specs.append("done_on")
        specs += [Column("申请人", accessor="created_by.display_name"), Column("申请时间", accessor="created_at"),
                  Column("事由", accessor="reason", css="col-12")]
        self.fields = specs
        return super().get_fields()

    def get_actions(self) -> list[Action]:
        obj = self.object
        mine = _applicant_operations(self.request.user, "add").filter(pk=obj.pk).exists()
        actions = []
        if mine:
            actions += [
                Action("提交审批", "assets:assetoperation_submit", "add", "bi-send", "btn-primary", "post",
                       "提交后按审批流程办理，审批中不能修改。确定提交吗？", condition=lambda o: o.is_editable),
                Action("编辑", "assets:assetoperation_edit", "add", "bi-pencil", "btn-outline-primary",
                       condition=lambda o: o.is_editable),
                Action("删除", "assets:assetoperation_delete", "add", "bi-trash3", "btn-outline-danger", "post",
                       "删除后不可恢复，所选资产可重新办理其他业务。确定删除该草稿吗？",
                       condition=lambda o: o.status == OperationStatus.DRAFT and not o.approval_number),
            ]
        if obj.approval_number:
            approval = requests_for_object(self.request.user, obj).order_by("-id").first()
            if approval is not None:
                actions.append(Action("查看审批", "", "view", "bi-diagram-3", "btn-outline-secondary",
                                      url=lambda o, a=approval: reverse("workflow:approvalrequest_detail",
                                                                        args=[a.pk]),
                                      permission="workflow.view_approvalrequest"))
        return actions

    def get_badges(self) -> list[tuple[str, str]]:
        return [(self.object.get_status_display(), STATUS_BADGES.get(self.object.status, "bg-secondary-lt"))]

    def get_subtitle(self) -> str:
        obj = self.object
        return f"{obj.get_kind_display()} · {obj.unit.name} · {obj.line_count} 项资产，原值合计 {yuan(obj.total_value)} 元"

    def get_info_context(self) -> dict[str, Any]:
        obj = self.object
        lines = list(obj.lines.select_related("asset", "asset__custodian").order_by("id"))
        table = LineTable(lines, visible=LINE_COLUMNS.get(obj.kind, DEFAULT_LINE_COLUMNS))
        approval = requests_for_object(self.request.user, obj).order_by("-id").first() if obj.approval_number else None
        returned = None
        task = None
        if approval is not None and approval.status == RequestStatus.RETURNED:
            returned = approval.actions.filter(kind="return").order_by("-id").first()
        if approval is not None and approval.status == RequestStatus.PENDING:
            task = current_task(approval)
        return {"lines_table": table, "returned": returned, "current": task, "approval": approval,
                "effect": _effect_text(obj)}


def _effect_text(obj: AssetOperation) -> str:
    texts: dict[str, str] = {
        OperationKind.ACCEPTANCE: "审批通过后资产按验收日期入账，状态变为“在用”。",
        OperationKind.ISSUE: "审批通过后资产交领用人使用，状态为“在用”。",
        OperationKind.RETURN: "审批通过后清除使用人，资产状态变为“闲置”。",
        OperationKind.TRANSFER: "审批通过后资产及其账务同时转入调入单位（调出单位减少、调入单位增加）。",
        OperationKind.LOAN: "审批通过后资产状态变为“出租出借”，收回时请办理“出借收回”。",
        OperationKind.LOAN_RETURN: "审批通过后资产恢复出借前的使用状况。",
        OperationKind.REPAIR: "审批通过后在每项资产的履历中记录维修单位、费用和结果。",
        OperationKind.DISPOSAL: "审批期间资产为“待处置”；审批通过后资产核销，状态变为“已处置”；退回、撤回或驳回时恢复原状态。",
        OperationKind.REVALUATION: "审批通过后资产原值调整为变动后原值，差额记入资产账。",
    }
    return texts.get(obj.kind, "")


# --------------------------------------------------------------------------------------------------
# create / edit with the asset picker
# --------------------------------------------------------------------------------------------------


def _int(raw: Any) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 18 else None


class OperationFormView(ObjectFormView):
    model = AssetOperation
    permission_required = ADD  # the applicant's own draft: the add permission, not change/delete
    form_class = OperationForm
    template_name = "assets/operation_form.html"
    select_related = ("unit", "counterpart_unit", "person", "department")
    form_script = "assets/operations.js"
    success_message = "资产业务单“{obj}”已保存，确认无误后请提交审批。"
    kind = ""
    unit: Unit | None = None

    def check_permission(self) -> None:
        self.require("add")  # the applicant revises its own draft with the add permission

    def get_object(self) -> Any:
        if self.is_create:
            return None
        obj = get_object_or_404(_applicant_operations(self.request.user, "add").select_related(*self.select_related),
                                pk=self.kwargs["pk"])
        if not obj.is_editable:
            raise Http404
        return obj

    def _setup(self) -> None:
        if self.object is not None:
            self.kind, self.unit = self.object.kind, self.object.unit
            return
        kind = self.request.GET.get("kind", "")
        self.kind = kind if kind in dict(allowed_kinds(self.request.user)) else ""
        units = applicant_units(self.request.user)
        raw = self.request.POST.get("unit") or self.request.GET.get("unit") or ""
        unit = units.filter(pk=_int(raw)).first() if _int(raw) else None
        if unit is None:
            first = list(units[:2])
            unit = first[0] if len(first) == 1 else None
        if unit is None and self.request.GET.get("assets"):
            ids = [i for i in (_int(x) for x in self.request.GET["assets"].split(",")) if i]
            unit = units.filter(assets__pk__in=ids[:1]).first()
        self.unit = unit

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_permission()
        self.object = self.get_object()
        self._setup()
        if not self.kind:
            return render(request, "assets/operation_kind.html", {
                "page_title": "新建资产业务单", "breadcrumbs": [self.list_crumb(), ("新建", "")],
                "kinds": [{"code": k, "label": label, "help": KIND_HELP[k], "icon": KIND_ICONS[k],
                           "url": reverse("assets:assetoperation_create") + f"?kind={k}"
                           + (f"&assets={request.GET['assets']}" if request.GET.get("assets") else "")}
                          for k, label in allowed_kinds(request.user)],
                "cancel_url": self.list_url(),
            })
        return self.render_form(self.get_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_permission()
        self.object = self.get_object()
        self._setup()
        if not self.kind:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_form(self, data: Any = None) -> forms.BaseForm:
        initial = self.get_initial()
        return OperationForm(data, initial=initial, instance=self.object, user=self.request.user, kind=self.kind,
                             unit=self.unit)

    def get_initial(self) -> dict[str, Any]:
        from django.utils import timezone

        if self.object is not None:
            first = self.object.lines.order_by("id").first()
            return {"result": first.note if first and self.kind == OperationKind.REPAIR else ""}
        return {"unit": self.unit.pk if self.unit else None, "occurred_on": timezone.localdate()}

    def get_title(self) -> str:
        label = OperationKind(self.kind).label if self.kind else ""
        return f"新建{label}单" if self.is_create else f"编辑{label}单：{self.object.number}"

    def _selected(self) -> list[dict[str, Any]]:
        """The picked cards with their current values (from the post, the document or ?assets=)."""
        req = self.request
        if req.method == "POST":
            ids = [i for i in (_int(x) for x in req.POST.getlist("assets")) if i]
            values = {i: req.POST.get(f"new_value_{i}", "") for i in ids}
        elif self.object is not None:
            lines = list(self.object.lines.order_by("id"))
            ids = [line.asset_id for line in lines]
            values = {line.asset_id: "" if line.new_value is None else str(line.new_value) for line in lines}
        else:
            ids = [i for i in (_int(x) for x in req.GET.get("assets", "").split(",")) if i][:200]
            values = {}
        cards = {a.pk: a for a in _visible_cards(req.user, self.unit, self.kind).filter(pk__in=ids)
                 .select_related("custodian")}
        return [{"asset": cards[i], "new_value": values.get(i, "")} for i in ids if i in cards]

    def render_form(self, form: forms.BaseForm, status: int = 200) -> HttpResponse:
        context = {
            "view": self, "form": form, "object": self.object, "page_title": self.get_title(),
            "breadcrumbs": self.get_breadcrumbs(), "cancel_url": self.get_cancel_url(), "submit_label": "保存",
            **self.get_context_extra(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get_context_extra(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "kind_label": OperationKind(self.kind).label, "kind_help": KIND_HELP[self.kind],
            "selected": self._selected(), "unit": self.unit,
            "picker_url": reverse("assets:assetoperation_picker"),
            "revaluation": self.kind == OperationKind.REVALUATION,
            "allowed_statuses": "、".join(AssetStatus(s).label for s in TRANSITIONS[self.kind].allowed),
            "change_kind_url": reverse("assets:assetoperation_create") if self.is_create else "",
        }

    def perform(self, form: forms.BaseForm) -> AssetOperation:
        data = dict(form.cleaned_data)
        req = self.request
        ids = [i for i in (_int(x) for x in req.POST.getlist("assets")) if i]
        assets = [{"asset": i, "new_value": req.POST.get(f"new_value_{i}", "").strip() or None} for i in ids]
        unit: Any = data.pop("unit", None) or self.unit
        occurred_on, reason = data.pop("occurred_on", None), data.pop("reason", "")
        if self.object is None:
            return operation_create(kind=self.kind, unit=unit, actor=req.user, assets=assets,
                                    occurred_on=occurred_on, reason=reason, **data)
        obj = operation_update(operation=self.object, actor=req.user, occurred_on=occurred_on, reason=reason, **data)
        return operation_set_lines(operation=obj, actor=req.user, assets=assets)


def _visible_cards(user: Any, unit: Unit | None, kind: str) -> QuerySet[Asset]:
    """Cards the picker may offer: the applicant unit's, within the user's reach.

    干部职工 see the free cards of their own unit (to ask for one) and the cards in their own use."""
    if unit is None or not kind or not actor_reaches(user, unit):
        return Asset.objects.none()
    if is_staff_actor(user):
        person_id = getattr(user, "person_id", None) or 0
        if kind == OperationKind.ISSUE:
            return Asset.objects.filter(unit=unit, custodian__isnull=True)
        return Asset.objects.filter(unit=unit, custodian_id=person_id)
    return Asset.objects.scoped(user, "view").filter(unit=unit)


class AssetPickerView(LoginRequiredMixin, View):
    """HTMX: candidate cards for a document (eligible status, not in another open document), with checkboxes."""

    permission_required = ADD

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(ADD):
            raise PermissionDenied
        kind = request.GET.get("kind", "")
        kind = kind if kind in dict(allowed_kinds(request.user)) else ""
        units = applicant_units(request.user)
        unit = units.filter(pk=_int(request.GET.get("unit", ""))).first() if _int(request.GET.get("unit", "")) else None
        term = request.GET.get("q", "").replace("\x00", "").strip()[:100]
        rows: list[Asset] = []
        more = False
        if kind and unit is not None:
            rule = TRANSITIONS[kind]
            qs = _visible_cards(request.user, unit, kind).filter(status__in=rule.allowed)
            if kind == OperationKind.ISSUE:
                qs = qs.filter(custodian__isnull=True)
            if kind == OperationKind.RETURN:
                qs = qs.filter(custodian__isnull=False)
            busy = AssetOperationLine.objects.filter(operation__status__in=OPEN_STATUSES)
            current = _int(request.GET.get("operation", ""))
            if current:
                busy = busy.exclude(operation_id=current)
            qs = qs.exclude(pk__in=busy.values("asset_id"))
            skip = [i for i in (_int(x) for x in request.GET.getlist("assets")) if i]
            if skip:
                qs = qs.exclude(pk__in=skip)
            if term:
                qs = qs.filter(contains_q("code", term) | contains_q("name", term) | contains_q("spec_model", term)
                               | contains_q("location", term) | contains_q("custodian__name", term))
            rows = list(qs.select_related("custodian").order_by("code")[:PICKER_LIMIT + 1])
            more = len(rows) > PICKER_LIMIT
            rows = rows[:PICKER_LIMIT]
        return render(request, "assets/operation_picker_rows.html", {
            "rows": rows, "more": more, "term": term, "kind": kind, "unit": unit,
            "revaluation": kind == OperationKind.REVALUATION, "limit": PICKER_LIMIT})


# --------------------------------------------------------------------------------------------------
# actions
# --------------------------------------------------------------------------------------------------


class OperationSubmitView(ObjectActionView):
    model = AssetOperation
    permission_required = ADD  # the applicant's own draft: the add permission, not change/delete
    action = "add"
    verb = "提交审批"
    confirm_message = "提交后将按审批流程办理，审批中不能修改。确定提交“{obj}”吗？"
    success_message = "已提交审批。"

    def get_object(self) -> Any:
        return get_object_or_404(_applicant_operations(self.request.user, "add"), pk=self.kwargs["pk"])

    def perform(self, obj: AssetOperation, form: forms.BaseForm | None) -> Any:
        operation_submit(operation=obj, actor=self.request.user)
        return obj


class OperationDeleteView(ObjectActionView):
    model = AssetOperation
    permission_required = ADD  # the applicant's own draft: the add permission, not change/delete
    action = "add"
    verb = "删除"
    button_style = "btn-danger"
    confirm_message = "删除后不可恢复。确定删除草稿“{obj}”吗？"
    success_message = "已删除草稿“{obj}”。"

    def get_object(self) -> Any:
        return get_object_or_404(_applicant_operations(self.request.user, "add"), pk=self.kwargs["pk"])

    def perform(self, obj: AssetOperation, form: forms.BaseForm | None) -> Any:
        number = obj.number
        operation_delete(operation=obj, actor=self.request.user)
        return number

    def get_success_url(self, result: Any) -> str:
        return try_reverse("assets:assetoperation_list") or "/"


__all__ = ["AssetPickerView", "OperationDeleteView", "OperationDetailView", "OperationFormView",
           "OperationListView", "OperationSubmitView", "allowed_kinds", "yuan"]
