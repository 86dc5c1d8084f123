"""Approval pages: the three inboxes, the request with its whole trail and the actions, and the flow
editor of the system administrator. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from qinjian.core.errors import DomainError
from qinjian.core.ui.tables import Column
from qinjian.core.ui.views import (
    Action,
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    apply_domain_error,
)

from . import selectors
from .choices import RequestStatus, TaskStatus
from .forms import CommentForm, FlowForm, StepFormSet
from .models import ApprovalRequest, ApprovalTask, FlowDefinition
from .registry import approvable_for
from .services import (
    approval_approve,
    approval_comment,
    approval_reject,
    approval_return,
    approval_withdraw,
    flow_create,
    flow_set_active,
    flow_update,
)
from .services.flows import steps_of
from .services.requests import may_comment
from .tables import DoneTable, FlowTable, RequestTable, TodoTable, request_badge, task_badge

INBOX_TABS = (("todo", "我的待办", "workflow:todo"), ("done", "我的已办", "workflow:done"),
              ("mine", "我发起的", "workflow:mine"))


# --------------------------------------------------------------------------------------------------
# Inboxes
# --------------------------------------------------------------------------------------------------


class _InboxMixin:
    box = ""
    template_name = "workflow/inbox.html"
    request: HttpRequest

    @property
    def pref_key(self) -> str:
        return f"list:workflow.{self.box}"

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        return [("审批", ""), (dict((k, t) for k, t, _u in INBOX_TABS)[self.box], "")]

    def inbox_tabs(self) -> list[dict[str, Any]]:
        todo = selectors.todo_count(self.request.user)
        return [{"key": key, "title": title, "url": reverse(url), "active": key == self.box,
                 "count": todo if key == "todo" else None} for key, title, url in INBOX_TABS]


class TodoView(_InboxMixin, ObjectListView):
    model = ApprovalTask
    table_class = TodoTable
    box = "todo"
    title = "我的待办"
    search_fields = ("request__number", "request__title", "request__applicant_unit__name")
    search_placeholder = "审批编号、事项或申请单位"
    empty_message = "没有待您办理的审批"

    def get_queryset(self) -> QuerySet:
        return selectors.todo_tasks(self.request.user).select_related(
            "request", "request__applicant", "request__applicant_unit")

    def get_buttons(self) -> list[dict[str, str]]:
        return []


class DoneView(_InboxMixin, ObjectListView):
    model = ApprovalTask
    table_class = DoneTable
    box = "done"
    title = "我的已办"
    search_fields = ("request__number", "request__title", "request__applicant_unit__name")
    search_placeholder = "审批编号、事项或申请单位"
    empty_message = "您还没有办理过审批"

    def get_queryset(self) -> QuerySet:
        return selectors.done_tasks(self.request.user).select_related("request", "request__applicant_unit")

    def get_buttons(self) -> list[dict[str, str]]:
        return []


class MineView(_InboxMixin, ObjectListView):
    model = ApprovalRequest
    table_class = RequestTable
    box = "mine"
    title = "我发起的"
    search_fields = ("number", "title")
    search_placeholder = "审批编号或事项"
    empty_message = "您还没有发起过审批"

    def get_queryset(self) -> QuerySet:
        return selectors.my_requests(self.request.user).select_related("applicant_unit")

    def get_buttons(self) -> list[dict[str, str]]:
        return []


# --------------------------------------------------------------------------------------------------
# Request detail and actions
# --------------------------------------------------------------------------------------------------


def _visible(request: HttpRequest, pk: Any) -> ApprovalRequest:
    if not request.user.has_perm(selectors.VIEW_REQUEST):
        raise PermissionDenied
    qs = selectors.visible_requests(request.user).select_related(
        "applicant", "applicant_unit", "content_type", "flow")
    return get_object_or_404(qs, pk=pk)


def step_rows(approval: ApprovalRequest) -> list[dict[str, Any]]:
    """The steps of the current round with how each went (for the progress bar)."""
    tasks = {t.step_index: t for t in approval.tasks.filter(round=approval.round).select_related("acted_by")}
    rows = []
    for index, step in enumerate(approval.flow_snapshot or []):
        task = tasks.get(index)
        if task is None:
            state = "todo"
        elif task.status == TaskStatus.PENDING:
            state = "current"
        else:
            state = task.status
        where = step.get("assigned_unit_name") or ""
        rows.append({"index": index + 1, "name": step.get("name"), "role": step.get("role_name") or step.get("role_code"),
                     "where": where, "task": task, "state": state})
    return rows


def detail_context(request: HttpRequest, approval: ApprovalRequest, form: CommentForm | None = None,
                   error: str = "") -> dict[str, Any]:
    user = request.user
    current = selectors.current_task(approval)
    model_class = approval.content_type.model_class()
    spec = approvable_for(model_class) if model_class is not None else None
    target = approval.target
    target_url = ""
    if target is not None and hasattr(target, "get_absolute_url"):
        model = type(target)
        if model._default_manager.scoped(user, "view").filter(pk=target.pk).exists():  # type: ignore[attr-defined]
            target_url = target.get_absolute_url()
    can_act = current is not None and selectors.can_act(user, current)
    if form is None:
        form = CommentForm(initial={"task": current.pk if current else None})
    return {
        "page_title": f"{approval.number}",
        "breadcrumbs": [("审批", reverse("workflow:todo")), (approval.number, "")],
        "approval": approval,
        "status_badge": request_badge(approval),
        "target": target,
        "target_url": target_url,
        "amount_label": spec.amount_label if spec else "金额（数量）",
        "subject": spec.verbose_name if spec else "",
        "details": spec.details(target) if spec is not None and target is not None else [],
        "steps": step_rows(approval),
        "trail": selectors.trail(approval),
        "history_tasks": approval.tasks.select_related("acted_by", "assigned_unit").order_by("round", "step_index"),
        "current": current,
        "current_badge": task_badge(current) if current else "",
        "can_act": can_act,
        "is_applicant": approval.applicant_id == user.pk,
        "can_withdraw": approval.status == RequestStatus.PENDING and approval.applicant_id == user.pk,
        "can_comment": may_comment(approval, user),
        "form": form,
        "error": error,
    }


class RequestDetailView(LoginRequiredMixin, View):
    template_name = "workflow/request_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        approval = _visible(request, pk)
        return render(request, self.template_name, detail_context(request, approval))


class _RequestActionView(LoginRequiredMixin, View):
    """POST an action on a request; errors come back on the detail page with the comment kept."""

    verb = ""

    def perform(self, approval: ApprovalRequest, comment: str, task: ApprovalTask | None) -> Any:
        raise NotImplementedError

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return redirect("workflow:approvalrequest_detail", pk=_visible(request, pk).pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        approval = _visible(request, pk)
        form = CommentForm(request.POST)
        if not form.is_valid():
            return render(request, RequestDetailView.template_name,
                          detail_context(request, approval, form, "提交的内容有误。"))
        task = None
        task_id = form.cleaned_data.get("task")
        if task_id:
            task = approval.tasks.filter(pk=task_id).first()
        try:
            self.perform(approval, form.cleaned_data.get("comment") or "", task)
        except DomainError as exc:
            apply_domain_error(form, exc)
            approval.refresh_from_db()
            return render(request, RequestDetailView.template_name,
                          detail_context(request, approval, form, exc.message), status=exc.status)
        messages.success(request, f"已{self.verb}。")
        return redirect("workflow:approvalrequest_detail", pk=approval.pk)


class ApproveView(_RequestActionView):
    verb = "同意"

    def perform(self, approval: ApprovalRequest, comment: str, task: ApprovalTask | None) -> Any:
        return approval_approve(approval=approval, actor=self.request.user, comment=comment, task=task)


class RejectView(_RequestActionView):
    verb = "驳回"

    def perform(self, approval: ApprovalRequest, comment: str, task: ApprovalTask | None) -> Any:
        return approval_reject(approval=approval, actor=self.request.user, comment=comment, task=task)


class ReturnView(_RequestActionView):
    verb = "退回修改"

    def perform(self, approval: ApprovalRequest, comment: str, task: ApprovalTask | None) -> Any:
        return approval_return(approval=approval, actor=self.request.user, comment=comment, task=task)


class WithdrawView(_RequestActionView):
    verb = "撤回"

    def perform(self, approval: ApprovalRequest, comment: str, task: ApprovalTask | None) -> Any:
        return approval_withdraw(approval=approval, actor=self.request.user, comment=comment)


class CommentView(_RequestActionView):
    verb = "发表评论"

    def perform(self, approval: ApprovalRequest, comment: str, task: ApprovalTask | None) -> Any:
        return approval_comment(approval=approval, actor=self.request.user, comment=comment)


# --------------------------------------------------------------------------------------------------
# Flow definitions (system administrator)
# --------------------------------------------------------------------------------------------------


def _subject(flow: FlowDefinition) -> str:
    model = flow.content_type.model_class()
    return str(model._meta.verbose_name) if model else flow.content_type.model


def _condition(flow: FlowDefinition) -> str:
    parts = []
    if flow.amount_min is not None:
        parts.append(f"≥ {flow.amount_min.normalize():f}")
    if flow.amount_max is not None:
        parts.append(f"< {flow.amount_max.normalize():f}")
    return "金额（数量）" + " 且 ".join(parts) if parts else "全部"


class FlowListView(ObjectListView):
    model = FlowDefinition
    table_class = FlowTable
    select_related = ("content_type",)
    search_fields = ("name",)
    search_placeholder = "流程名称"
    empty_message = "还没有审批流程"

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().annotate(step_count=Count("steps"))

    def prepare_rows(self, rows: list[Any], sort: str) -> list[Any]:
        for flow in rows:
            flow.qj_subject, flow.qj_condition = _subject(flow), _condition(flow)
        return rows


class FlowDetailView(ObjectDetailView):
    model = FlowDefinition
    select_related = ("content_type",)
    info_template_name = "workflow/flow_info.html"
    fields = ("name", Column("审批事项", accessor="pk", render=lambda r, v: _subject(r)),
              Column("适用条件", accessor="pk", render=lambda r, v: _condition(r)),
              "priority", "version", "is_active", Column("说明", accessor="description", css="col-12"))

    def get_actions(self) -> list[Action]:
        return [
            Action("停用", "workflow:flowdefinition_deactivate", "change", "bi-slash-circle", "btn-outline-danger",
                   "post", "停用后新提交的申请不再使用此流程，审批中的申请不受影响。确定停用吗？",
                   condition=lambda o: o.is_active),
            Action("启用", "workflow:flowdefinition_activate", "change", "bi-check-circle", "btn-outline-success",
                   "post", "确定启用此流程吗？", condition=lambda o: not o.is_active),
            Action("编辑", "workflow:flowdefinition_edit", "change", "bi-pencil", "btn-primary"),
        ]

    def get_subtitle(self) -> str:
        return f"{_subject(self.object)} · 第 {self.object.version} 版"

    def get_info_context(self) -> dict[str, Any]:
        model_class = self.object.content_type.model_class()
        spec = approvable_for(model_class) if model_class is not None else None
        roles = selectors.role_names()
        steps = list(self.object.steps.select_related("fixed_unit").order_by("order"))
        for step in steps:
            step.qj_role = roles.get(step.role_code, step.role_code)
        return {"steps": steps, "amount_label": spec.amount_label if spec else "金额（数量）"}


class FlowFormView(ObjectFormView):
    model = FlowDefinition
    form_class = FlowForm
    template_name = "workflow/flow_form.html"
    success_message = "审批流程“{obj}”已保存。"

    def formset(self, data: Any = None) -> Any:
        initial = steps_of(self.object) if self.object is not None and data is None else None
        if initial is not None:
            initial = [{**s, "fixed_unit": s["fixed_unit"].pk if s["fixed_unit"] else None} for s in initial]
        return StepFormSet(data, prefix="steps", initial=initial)

    def render_form(self, form: forms.BaseForm, status: int = 200, steps: Any = None) -> HttpResponse:
        context = {
            "view": self, "form": form, "steps": steps if steps is not None else self.formset(),
            "object": self.object, "page_title": self.get_title(), "breadcrumbs": self.get_breadcrumbs(),
            "cancel_url": self.get_cancel_url(), "submit_label": "保存",
        }
        return render(self.request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_permission()
        self.object = self.get_object()
        form = self.get_form(request.POST)
        steps = self.formset(request.POST)
        form_ok, steps_ok = form.is_valid(), steps.is_valid()
        if form_ok and steps_ok:
            data = dict(form.cleaned_data)
            try:
                if self.object is None:
                    flow = flow_create(steps=steps.steps(), **data)
                else:
                    flow = flow_update(flow=self.object, steps=steps.steps(), **data)
            except DomainError as exc:
                _apply_step_errors(steps, exc)
                apply_domain_error(form, exc)
            else:
                messages.success(request, self.success_message.format(obj=flow))
                return redirect(flow.get_absolute_url())
        elif not form.non_field_errors():
            form.add_error(None, "填写内容有误，请检查标红的字段。")
        return self.render_form(form, steps=steps)


def _apply_step_errors(steps: Any, exc: DomainError) -> None:
    """Put the service's ``steps.<i>.<field>`` messages next to the step's fields."""
    step_forms = getattr(steps, "step_forms", [])
    rest = {}
    for key, msgs in (exc.fields or {}).items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "steps" and parts[1].isdigit() and int(parts[1]) < len(step_forms):
            target = step_forms[int(parts[1])]
            for msg in msgs:
                target.add_error(parts[2] if parts[2] in target.fields else None, msg)
        else:
            rest[key] = msgs
    exc.fields = rest


class FlowDeactivateView(ObjectActionView):
    model = FlowDefinition
    verb = "停用"
    button_style = "btn-danger"
    confirm_message = "停用“{obj}”后，新提交的申请不再使用此流程，审批中的申请不受影响。"
    success_message = "已停用“{obj}”。"

    def perform(self, obj: FlowDefinition, form: forms.BaseForm | None) -> FlowDefinition:
        return flow_set_active(flow=obj, active=False)


class FlowActivateView(ObjectActionView):
    model = FlowDefinition
    verb = "启用"
    confirm_message = "确定启用“{obj}”吗？"
    success_message = "已启用“{obj}”。"

    def perform(self, obj: FlowDefinition, form: forms.BaseForm | None) -> FlowDefinition:
        return flow_set_active(flow=obj, active=True)
