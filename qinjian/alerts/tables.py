from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from qinjian.core.ui.tables import EMPTY, Column, Table

from .choices import SEVERITY_CSS, STATUS_CSS, AlertStatus, Severity
from .models import Alert, AlertRule


def severity_badge(value: Any) -> SafeString:
    if value in (None, ""):
        return EMPTY
    level = Severity(value)
    return format_html('<span class="badge {}">{}</span>', SEVERITY_CSS[level], level.label)


def status_badge(value: Any) -> SafeString:
    if not value:
        return EMPTY
    status = AlertStatus(value)
    return format_html('<span class="badge {}">{}</span>', STATUS_CSS[status], status.label)


def object_url(alert: Alert) -> str:
    """The linked object's page without loading it (its model's get_absolute_url by pk)."""
    model = alert.content_type.model_class()
    getter = getattr(model, "get_absolute_url", None)
    if model is None or getter is None:
        return ""
    try:
        return str(getter(model(pk=alert.object_id)))
    except Exception:  # a model whose URL needs more than the pk: no link
        return ""


def _object_cell(record: Alert, value: Any) -> SafeString:
    url = object_url(record)
    if not url:
        return format_html("{}", value)
    return format_html('<a href="{}">{}</a>', url, value)


class AlertTable(Table):
    model = Alert
    default_order = ("-severity", "-opened_at", "-id")

    severity = Column(render=lambda rec, val: severity_badge(rec.severity), export=lambda rec: rec.get_severity_display(),
                      order_by=("severity", "opened_at"))
    title = Column(linkify=True, required=True)
    unit = Column(linkify="value", order_by="unit__tree_path")
    object_repr = Column(render=_object_cell, order_by=None, visible=False)  # the title names it already
    rule = Column(order_by="rule__name")
    status = Column(render=lambda rec, val: status_badge(rec.status), export=lambda rec: rec.get_status_display())
    opened_at = Column()
    changed_at = Column(visible=False)
    handled_by = Column(visible=False, order_by=None)
    handled_at = Column(visible=False)
    closed_at = Column(visible=False)
    message = Column(visible=False, order_by=None)


class AlertRuleTable(Table):
    model = AlertRule
    default_order = ("module", "code")

    name = Column(linkify=True, required=True)
    module = Column()
    code = Column()
    severity = Column(render=lambda rec, val: severity_badge(rec.severity), export=lambda rec: rec.get_severity_display())
    frequency = Column()
    enabled = Column()
    live_count = Column("未关闭预警", align="end", order_by="live_count")
    last_sweep_at = Column()


