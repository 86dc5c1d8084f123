"""What the alert center adds to other pages: the 预警 tab on objects' detail pages and the top-bar count."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from qinjian.core.badges import Badge, register_badge
from qinjian.core.ui.extensions import DetailTab, register_detail_tab

from .choices import LIVE_STATUSES, AlertStatus
from .models import Alert
from .registry import rule_models

TAB_ROWS = 20


def alerts_of(user: Any, obj: models.Model) -> models.QuerySet[Alert]:
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return Alert.objects.scoped(user, "view").filter(content_type=content_type, object_id=str(obj.pk))


def _render(request: HttpRequest, obj: models.Model) -> str:
    from .tables import AlertTable

    rows = list(alerts_of(request.user, obj)
                .select_related("rule", "unit", "content_type", "handled_by")
                .annotate(qj_live=Case(When(status__in=LIVE_STATUSES, then=Value(0)), default=Value(1),
                                       output_field=IntegerField()))
                .order_by("qj_live", "-severity", "-opened_at", "-id")[:TAB_ROWS + 1])
    table = AlertTable(rows[:TAB_ROWS], visible=("severity", "title", "rule", "status", "opened_at", "closed_at"))
    return render_to_string("alerts/_object_tab.html", {
        "rows": rows[:TAB_ROWS], "more": len(rows) > TAB_ROWS, "table": table,
        "list_url": reverse("alerts:alert_list") + "?status=",
    }, request=request)


def _count(request: HttpRequest, obj: models.Model) -> int | None:
    return alerts_of(request.user, obj).filter(status__in=LIVE_STATUSES).count() or None


register_detail_tab(DetailTab(
    key="alerts", title="预警", order=40, applies=lambda model: model in rule_models(),
    render=_render, permission="alerts.view_alert", count=_count,
))


def _badge(request: HttpRequest) -> Badge | None:
    user = request.user
    if not user.has_perm("alerts.view_alert"):
        return None
    count = Alert.objects.scoped(user, "view").filter(status=AlertStatus.OPEN).count()
    return Badge(count=count, url=reverse("alerts:alert_list") + f"?status={AlertStatus.OPEN}",
                 label="待处理预警", icon="bi-exclamation-triangle")


register_badge("alerts", _badge, order=10)
