"""预警中心 pages: the alert inbox (list, detail, handle, close) and the rules (sysadmin). Thin views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from huey.contrib.djhuey import HUEY

from qinjian.core import background
from qinjian.core.errors import ValidationFailed
from qinjian.core.ui.tables import Column
from qinjian.core.ui.views import (
    Action,
    Button,
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)

from .choices import LIVE_STATUSES, SEVERITY_CSS, STATUS_CSS, AlertStatus, Severity
from .filtersets import LIVE, AlertFilterSet
from .forms import AlertCloseForm, AlertHandleForm, AlertRuleForm
from .jobs import SWEEP_JOB
from .models import Alert, AlertRule
from .registry import get_rule
from .services import alert_close, alert_handle, rule_update
from .tables import AlertRuleTable, AlertTable, object_url


class AlertListView(ObjectListView):
    model = Alert
    table_class = AlertTable
    filterset_class = AlertFilterSet
    select_related = ("rule", "unit", "content_type", "handled_by")
    search_fields = ("title", "object_repr", "message")
    search_placeholder = "标题、对象或预警内容"
    empty_message = "没有符合条件的预警"
    export_filename = "预警信息"
    buttons = (Button("预警规则", "alerts:alertrule_list", "alerts.view_alertrule", "bi-sliders",
                      "btn-outline-secondary"),)

    def get_filterset(self, queryset: QuerySet) -> Any:
        data = self.request.GET.copy()
        if "status" not in data:  # the inbox opens on what is still live
            data["status"] = LIVE
        return self.filterset_class(data, queryset=queryset, request=self.request)


class AlertDetailView(ObjectDetailView):
    model = Alert
    select_related = ("rule", "unit", "content_type", "handled_by", "closed_by")
    info_template_name = "alerts/alert_info.html"
    fields = (
        Column("级别", accessor="get_severity_display"),
        Column("状态", accessor="get_status_display"),
        Column("责任单位", accessor="unit", linkify=True),
        Column("预警规则", accessor="rule"),
        Column("发生时间", accessor="opened_at"),
        Column("最近变化", accessor="changed_at"),
    )

    def get_actions(self) -> list[Action]:
        return [
            Action("处理", "alerts:alert_handle", "change", "bi-check2-square", "btn-primary",
                   condition=lambda o: o.status == AlertStatus.OPEN),
            Action("关闭", "alerts:alert_close", "change", "bi-x-circle", "btn-outline-danger",
                   condition=lambda o: o.status != AlertStatus.CLOSED),
        ]

    def get_badges(self) -> list[tuple[str, str]]:
        alert = self.object
        return [(alert.get_severity_display(), SEVERITY_CSS[Severity(alert.severity)]),
                (alert.get_status_display(), STATUS_CSS[AlertStatus(alert.status)])]

    def get_subtitle(self) -> str:
        return f"{self.object.rule.name} · {self.object.unit.name}"

    def get_info_context(self) -> dict[str, Any]:
        return {"object_url": object_url(self.object), "figures": _figures(self.object)}


def _figures(alert: Alert) -> list[tuple[str, Any]]:
    """The rule's figures for people (``data["figures"]``: [[label, value], ...])."""
    figures = (alert.data or {}).get("figures")
    if not isinstance(figures, list):
        return []
    return [(str(f[0]), f[1]) for f in figures if isinstance(f, list | tuple) and len(f) == 2]


class AlertHandleView(ObjectActionView):
    model = Alert
    action = "change"
    form_class = AlertHandleForm
    verb = "标记为已处理"
    title_format = "处理预警：{obj}"
    confirm_message = "请说明已采取或计划采取的措施。标记为已处理后，条件消除时预警自动关闭。"
    success_message = "预警已标记为已处理。"

    def perform(self, obj: Alert, form: forms.BaseForm | None) -> Alert:
        assert form is not None
        return alert_handle(alert=obj, user=self.request.user, note=form.cleaned_data["note"])


class AlertCloseView(ObjectActionView):
    model = Alert
    action = "change"
    form_class = AlertCloseForm
    verb = "关闭预警"
    title_format = "关闭预警：{obj}"
    button_style = "btn-danger"
    confirm_message = ("关闭表示该预警无需再跟踪。若预警条件仍然存在，下次检查时将重新产生一条预警；"
                       "正在整改的请用“处理”。")
    success_message = "预警已关闭。"

    def perform(self, obj: Alert, form: forms.BaseForm | None) -> Alert:
        assert form is not None
        return alert_close(alert=obj, user=self.request.user, note=form.cleaned_data["note"])


# --- rules (system administrator) -------------------------------------------------------------------


class AlertRuleListView(ObjectListView):
    model = AlertRule
    table_class = AlertRuleTable
    search_fields = ("name", "code", "module")
    search_placeholder = "规则名称、编码或模块"
    empty_message = "还没有注册预警规则"

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().annotate(
            live_count=Count("alerts", filter=Q(alerts__status__in=LIVE_STATUSES)))


class AlertRuleDetailView(ObjectDetailView):
    model = AlertRule
    select_related = ("content_type",)
    info_template_name = "alerts/alertrule_info.html"
    fields = ("name", "code", "module", "content_type", "severity", "frequency", "enabled",
              Column("说明", accessor="description", css="col-12"))

    def get_actions(self) -> list[Action]:
        return [
            Action("立即扫描", "alerts:alertrule_sweep", "change", "bi-arrow-repeat", "btn-outline-primary",
                   "post", "立即按当前参数检查全部对象，新增、更新或关闭预警。", condition=lambda o: o.enabled),
            Action("编辑参数", "alerts:alertrule_edit", "change", "bi-pencil", "btn-primary"),
        ]

    def get_info_context(self) -> dict[str, Any]:
        rule = self.object
        rule_cls = get_rule(rule.code)
        stored = rule.parameters or {}
        params = [(p.label, stored.get(p.name, p.default), p.help_text) for p in (rule_cls.parameters if rule_cls else ())]
        counts = dict(rule.alerts.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        return {"params": params, "registered": rule_cls is not None, "result": rule.last_sweep_result or {},
                "counts": [(label, counts.get(value, 0)) for value, label in AlertStatus.choices]}


class AlertRuleFormView(ObjectFormView):
    model = AlertRule
    form_class = AlertRuleForm
    success_message = "预警规则“{obj}”已保存。"

    def get_title(self) -> str:
        return f"编辑预警规则：{self.object}"

    def perform(self, form: forms.BaseForm) -> AlertRule:
        assert isinstance(form, AlertRuleForm)
        data = form.cleaned_data
        return rule_update(rule=self.object, enabled=data["enabled"], severity=int(data["severity"]),
                           frequency=data["frequency"], parameters=form.parameters())


class AlertRuleSweepView(ObjectActionView):
    model = AlertRule
    _job: Any = None

    def get_success_url(self, result: Any) -> str:
        return self._job.url if self._job is not None else super().get_success_url(result)

    action = "change"
    verb = "立即扫描"
    title_format = "立即扫描：{obj}"
    confirm_message = "立即按当前参数检查“{obj}”覆盖的全部对象，新增、更新或关闭预警。"

    def perform(self, obj: AlertRule, form: forms.BaseForm | None) -> AlertRule:
        from .jobs import sweep_rule_task

        if get_rule(obj.code) is None:
            raise ValidationFailed("该规则的程序已不存在，不能扫描。")
        if not obj.enabled:
            raise ValidationFailed("该规则已停用，请先启用再扫描。")
        runner = background.runner()
        if runner is not None:  # a tracked job with a progress page
            self._job = runner.start(kind=SWEEP_JOB, title=f"预警扫描：{obj.name}", user=self.request.user,
                                     params={"code": obj.code}, target=obj, next_url=obj.get_absolute_url())
            self.success_message = "已开始扫描，可在本页查看进度。"
            return obj
        result = sweep_rule_task(obj.code, self.request.user.pk)
        if HUEY.immediate:
            outcome = result.get() if result is not None else {}
            if "error" in outcome:
                raise ValidationFailed(f"扫描失败：{outcome['error']}")
            self.success_message = (f"扫描完成：新增 {outcome['opened']} 条，更新 {outcome['updated']} 条，"
                                    f"关闭 {outcome['closed']} 条，未关闭共 {outcome['live']} 条。")
        else:
            self.success_message = "已开始扫描，完成后刷新本页即可看到结果。"
        return obj
