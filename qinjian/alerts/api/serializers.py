"""Representations and request bodies of the alert-center API."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from qinjian.core.api.serializers import InputSerializer

from ..models import Alert, AlertRule
from ..services.actions import NOTE_MAX
from ..tables import object_url


class AlertRuleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertRule
        fields = ["id", "code", "name"]


class AlertSerializer(serializers.ModelSerializer):
    rule = AlertRuleRefSerializer(read_only=True, label="预警规则")
    severity_display = serializers.CharField(source="get_severity_display", read_only=True, label="级别名称")
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="责任单位名称")
    object_type = serializers.SerializerMethodField(label="对象类型")
    object_url = serializers.SerializerMethodField(label="对象页面")
    handled_by_name = serializers.SerializerMethodField(label="处理人姓名")
    closed_by_name = serializers.SerializerMethodField(label="关闭人姓名")
    close_reason_display = serializers.CharField(source="get_close_reason_display", read_only=True,
                                                 label="关闭原因名称")

    class Meta:
        model = Alert
        fields = ["id", "rule", "key", "severity", "severity_display", "status", "status_display", "unit",
                  "unit_name", "object_type", "object_id", "object_repr", "object_url", "title", "message", "data",
                  "opened_at", "changed_at", "handled_at", "handled_by", "handled_by_name", "handle_note",
                  "closed_at", "closed_by", "closed_by_name", "close_reason", "close_reason_display", "close_note"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_object_type(self, obj: Alert) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    @extend_schema_field(OpenApiTypes.STR)
    def get_object_url(self, obj: Alert) -> str:
        return object_url(obj)

    @extend_schema_field(OpenApiTypes.STR)
    def get_handled_by_name(self, obj: Alert) -> str:
        return obj.handled_by.display_name if obj.handled_by_id else ""  # type: ignore[union-attr]

    @extend_schema_field(OpenApiTypes.STR)
    def get_closed_by_name(self, obj: Alert) -> str:
        return obj.closed_by.display_name if obj.closed_by_id else ""  # type: ignore[union-attr]


class AlertRuleSerializer(serializers.ModelSerializer):
    severity_display = serializers.CharField(source="get_severity_display", read_only=True, label="级别名称")
    frequency_display = serializers.CharField(source="get_frequency_display", read_only=True,
                                              label="扫描频率名称")
    live_count = serializers.IntegerField(read_only=True, label="未关闭预警数")

    class Meta:
        model = AlertRule
        fields = ["id", "code", "name", "module", "description", "severity", "severity_display", "enabled",
                  "frequency", "frequency_display", "parameters", "live_count", "last_sweep_at",
                  "last_sweep_result"]


class AlertNoteInput(InputSerializer):
    note = serializers.CharField(label="说明", max_length=NOTE_MAX, allow_blank=True, trim_whitespace=True)
