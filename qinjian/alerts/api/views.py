"""Alert-center endpoints under /api/alerts/: alerts (scoped; handle, close) and rules (read)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qinjian.core.api.viewsets import ListRetrieveMixin, ScopedViewSet

from ..choices import LIVE_STATUSES
from ..models import Alert, AlertRule
from ..services import alert_close, alert_handle
from . import serializers as s
from .filters import AlertFilter

TAGS = ["预警中心"]


class AlertViewSet(ListRetrieveMixin, ScopedViewSet):
    """预警信息：只返回数据范围内单位的预警。`status=live` 取未关闭（待处理和已处理）的预警。"""

    queryset = Alert.objects.select_related("rule", "unit", "content_type", "handled_by", "closed_by")
    serializer_class = s.AlertSerializer
    filterset_class = AlertFilter
    search_fields = ["title", "object_repr", "message"]
    ordering_fields = ["opened_at", "severity", "changed_at", "closed_at", "status"]
    ordering = ["-severity", "-opened_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    schema_tags = TAGS

    @extend_schema(request=s.AlertNoteInput, responses=s.AlertSerializer)
    @action(detail=True, methods=["post"], permission_action="change")
    def handle(self, request: Request, pk: str | None = None) -> Response:
        """标记为已处理

        待处理的预警标记为已处理，须填写处理说明（note）。条件消除后预警自动关闭。"""
        alert = self.get_object()
        data = self.validate_input(s.AlertNoteInput, request.data)
        return Response(self.represent(alert_handle(alert=alert, user=request.user, note=data["note"])))

    @extend_schema(request=s.AlertNoteInput, responses=s.AlertSerializer)
    @action(detail=True, methods=["post"], permission_action="change")
    def close(self, request: Request, pk: str | None = None) -> Response:
        """关闭预警

        关闭待处理或已处理的预警，须填写关闭说明（note）。若条件仍然存在，下次检查时将产生新的预警。"""
        alert = self.get_object()
        data = self.validate_input(s.AlertNoteInput, request.data)
        return Response(self.represent(alert_close(alert=alert, user=request.user, note=data["note"])))


class AlertRuleViewSet(ListRetrieveMixin, ScopedViewSet):
    """预警规则（只读）：启用状态、扫描频率、参数与最近一次扫描结果。修改参数请在系统页面中进行。"""

    queryset = AlertRule.objects.annotate(live_count=Count("alerts", filter=Q(alerts__status__in=LIVE_STATUSES)))
    serializer_class = s.AlertRuleSerializer
    search_fields = ["name", "code", "module"]
    ordering_fields = ["code", "name", "module", "last_sweep_at"]
    ordering = ["module", "code"]
    http_method_names = ["get", "head", "options"]
    schema_tags = TAGS

    def get_object_for_answer(self, instance: Any) -> Any:
        return self.get_queryset().get(pk=instance.pk)
