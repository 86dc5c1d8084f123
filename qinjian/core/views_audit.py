"""审计管理员 pages (read-only): change records and the security-event log with its integrity check.

Audit rows belong to no unit: the permission alone (held by the audit administrator) opens them.
Viewing a list writes an ``audit_viewed`` event once per visit (not per HTMX refresh or page turn).
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from . import security_log
from .crypto import HASH_NAME
from .models import ObjectChange, SecurityEvent, SecurityEventType
from .ui.history import _display, _fields_by_attname
from .ui.tables import Column, Table
from .ui.views import ObjectListView

# --- filters ------------------------------------------------------------------------------------

class _DateInput(forms.DateInput):
    input_type = "date"


def _day_start(value: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


class _TimeRangeFilterSet(django_filters.FilterSet):
    date_from = django_filters.DateFilter(label="起始日期", method="filter_from", widget=_DateInput)
    date_to = django_filters.DateFilter(label="截止日期", method="filter_to", widget=_DateInput)

    def filter_from(self, qs: models.QuerySet, name: str, value: Any) -> models.QuerySet:
        return qs.filter(time__gte=_day_start(value)) if value else qs

    def filter_to(self, qs: models.QuerySet, name: str, value: Any) -> models.QuerySet:
        return qs.filter(time__lt=_day_start(value) + datetime.timedelta(days=1)) if value else qs


def _content_types(request: Any) -> models.QuerySet[ContentType]:
    used = ObjectChange.objects.values("content_type").distinct()
    return ContentType.objects.filter(pk__in=used).order_by("app_label", "model")


class _ContentTypeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        model = obj.model_class()
        return str(model._meta.verbose_name) if model else obj.model


class _ContentTypeFilter(django_filters.ModelChoiceFilter):
    field_class = _ContentTypeChoice


class ChangeFilterSet(_TimeRangeFilterSet):
    user_name = django_filters.CharFilter(label="操作人", lookup_expr="icontains")
    content_type = _ContentTypeFilter(label="对象类型", queryset=_content_types, empty_label="全部")
    action = django_filters.ChoiceFilter(label="操作", choices=ObjectChange.Action.choices, empty_label="全部")

    class Meta:
        model = ObjectChange
        fields = ("date_from", "date_to", "user_name", "content_type", "action")


class SecurityEventFilterSet(_TimeRangeFilterSet):
    event_type = django_filters.ChoiceFilter(label="事件类型", choices=SecurityEventType.choices, empty_label="全部")
    username = django_filters.CharFilter(label="账户", lookup_expr="iexact")
    success = django_filters.BooleanFilter(label="结果", widget=forms.Select(
        choices=[("", "全部"), ("true", "成功"), ("false", "失败")]))
    ip = django_filters.CharFilter(label="IP 地址", lookup_expr="startswith")

    class Meta:
        model = SecurityEvent
        fields = ("date_from", "date_to", "event_type", "username", "success", "ip")


# --- tables -------------------------------------------------------------------------------------

def _model_name(record: ObjectChange) -> str:
    model = record.content_type.model_class()
    return str(model._meta.verbose_name) if model else record.content_type.model


class ChangeTable(Table):
    model = ObjectChange
    default_order = ("-time", "-id")

    time = Column(linkify=lambda r: reverse("core:change_detail", args=[r.pk]), required=True, order_by=("time", "id"))
    user_name = Column()
    action = Column(render=lambda r, v: format_html('<span class="badge {}">{}</span>', {
        "create": "bg-green-lt", "update": "bg-blue-lt", "delete": "bg-red-lt"}.get(r.action, ""), v))
    content_type = Column("对象类型", accessor="pk", order_by="content_type__model",
                          render=lambda r, v: _model_name(r), export=_model_name)
    object_repr = Column(linkify=lambda r: reverse("core:change_detail", args=[r.pk]))
    changed_fields = Column("变更字段数", order_by=None, render=lambda r, v: len(v or []) or "—",
                            export=lambda r: len(r.changed_fields or []))
    ip = Column()
    source = Column(visible=False)
    request_id = Column(visible=False, render=lambda r, v: format_html("<code>{}</code>", v) if v else "—")


def _result(record: SecurityEvent, value: Any) -> Any:
    return format_html('<span class="badge {}">{}</span>', "bg-green-lt" if value else "bg-red-lt",
                       "成功" if value else "失败")


DETAIL_KEYS = {
    "reason": "原因", "target": "对象账户", "role": "角色", "unit": "单位", "scope": "数据范围", "minutes": "锁定分钟",
    "sessions_ended": "结束会话数", "change": "变更", "added": "新增权限", "removed": "移除权限", "name": "名称",
    "path": "地址", "method": "方法", "log": "日志", "filters": "筛选", "obj_count": "条数", "model": "数据",
    "checked": "校验条数", "broken_at": "断裂于", "action": "动作", "was_locked": "原为锁定", "changes": "变更内容",
    "prefix": "前缀", "valid_until": "有效期至", "active": "启用", "step": "步骤",
}
DETAIL_VALUES = {
    "bad_password": "密码错误", "unknown_user": "账户不存在", "locked": "账户锁定中", "locked_now": "失败次数达上限被锁定",
    "disabled": "账户已停用", "ip_blocked": "来源 IP 受限", "wrong_old_password": "原密码错误",
    "absolute_timeout": "超过会话最长时限", "idle_timeout": "空闲超时", "totp_reset": "重置动态口令", "created": "新建", "updated": "修改",
    "verify": "完整性校验", "securityevent": "安全事件", "objectchange": "变更记录",
}


def _detail_text(record: SecurityEvent) -> str:
    parts = []
    for key, value in (record.detail or {}).items():
        if value in (None, "", [], {}):
            continue
        shown = DETAIL_VALUES.get(value, value) if isinstance(value, str) else value
        if isinstance(shown, list):
            shown = "、".join(str(v) for v in shown)
        parts.append(f"{DETAIL_KEYS.get(key, key)}：{shown}")
    return "；".join(parts)


def _detail_cell(record: SecurityEvent, value: Any) -> Any:
    text = _detail_text(record)
    if not text:
        return "—"
    short = text if len(text) <= 40 else text[:40] + "…"
    return format_html('<span title="{}">{}</span>', text, short)


def _object_label(record: SecurityEvent) -> str:
    if not record.object_type:
        return ""
    try:
        from django.apps import apps

        name = str(apps.get_model(record.object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        name = record.object_type
    return f"{name} #{record.object_id}"


class SecurityEventTable(Table):
    model = SecurityEvent
    default_order = ("-id",)

    time = Column(required=True, order_by=("time", "id"))
    event_type = Column()
    username = Column()
    success = Column(render=_result, export=lambda r: "成功" if r.success else "失败")
    ip = Column()
    role_code = Column(visible=False)
    object_type = Column("对象", order_by=None, render=lambda r, v: _object_label(r) or "—", export=_object_label)
    detail = Column(order_by=None, render=_detail_cell, export=_detail_text)
    request_id = Column(visible=False)
    user_agent = Column(visible=False, order_by=None)
    hash = Column(visible=False, order_by=None, render=lambda r, v: format_html("<code>{}…</code>", v[:16]))


# --- views --------------------------------------------------------------------------------------

class _AuditListView(ObjectListView):
    """Audit lists: permission only (no unit scope); one ``audit_viewed`` event per visit."""

    def get_queryset(self) -> models.QuerySet:
        qs = self.model._default_manager.all()
        return qs.select_related(*self.select_related) if self.select_related else qs

    def get_buttons(self) -> list[dict[str, str]]:
        return []

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().get(request, *args, **kwargs)
        is_partial = bool(request.headers.get("HX-Request"))
        if response.status_code == 200 and not is_partial and request.GET.get("export") != "xlsx" \
                and not request.GET.get("page"):
            filters = {k: v for k, v in request.GET.items() if k not in {"page"}}
            security_log.record("audit_viewed", log=self.opts.model_name, filters=filters)
        return response


class ChangeListView(_AuditListView):
    model = ObjectChange
    title = "变更记录"
    table_class = ChangeTable
    filterset_class = ChangeFilterSet
    select_related = ("content_type",)
    search_placeholder = "对象名称或请求编号"
    empty_message = "没有符合条件的变更记录"

    def get_search_q(self, term: str) -> models.Q:
        return models.Q(object_repr__icontains=term) | models.Q(request_id=term) | models.Q(object_id=term)


class SecurityEventListView(_AuditListView):
    model = SecurityEvent
    title = "安全事件"
    table_class = SecurityEventTable
    filterset_class = SecurityEventFilterSet
    template_name = "core/audit/security_event_list.html"
    search_placeholder = "账户、请求编号或对象编号"
    empty_message = "没有符合条件的安全事件"
    export_filename = "安全事件"

    def get_search_q(self, term: str) -> models.Q:
        return models.Q(username__icontains=term) | models.Q(request_id=term) | models.Q(object_id=term)


@login_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("core.view_objectchange"):
        raise PermissionDenied
    change = get_object_or_404(ObjectChange.objects.select_related("content_type"), pk=pk)
    model = change.content_type.model_class()
    fields = _fields_by_attname(model) if model else {}
    before, after = change.before or {}, change.after or {}
    rows = []
    for key in list(dict.fromkeys([*before.keys(), *after.keys()])):
        field = fields.get(key)
        label = str(field.verbose_name) if field is not None else key
        rows.append({
            "label": label, "name": key, "changed": key in (change.changed_fields or []),
            "before": _display(field, before.get(key), {}) if change.before is not None else "",
            "after": _display(field, after.get(key), {}) if change.after is not None else "",
        })
    if change.action == ObjectChange.Action.UPDATE:
        rows.sort(key=lambda r: not r["changed"])
    security_log.record("audit_viewed", log="objectchange", object_type="core.objectchange", object_id=str(pk))
    return render(request, "core/audit/change_detail.html", {
        "page_title": f"变更记录 #{change.pk}",
        "breadcrumbs": [("变更记录", reverse("core:change_list")), (f"#{change.pk}", "")],
        "change": change, "model_name": _model_name(change), "rows": rows,
    })


@login_required
@require_POST
def security_event_verify(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.view_securityevent"):
        raise PermissionDenied
    started = timezone.now()
    report = security_log.verify_chain()
    seconds = (timezone.now() - started).total_seconds()
    security_log.record("audit_viewed", success=report.ok, log="securityevent", action="verify",
                        checked=report.checked, broken_at=report.broken_at)
    return render(request, "core/audit/verify.html", {
        "page_title": "安全事件完整性校验",
        "breadcrumbs": [("安全事件", reverse("core:security_event_list")), ("完整性校验", "")],
        "report": report, "seconds": seconds, "algorithm": HASH_NAME, "verified_at": timezone.now(),
    })
