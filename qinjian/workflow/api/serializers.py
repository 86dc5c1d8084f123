"""Representations and request bodies of the approvals API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from qinjian.core.api.serializers import InputSerializer

from ..models import ApprovalAction, ApprovalRequest, ApprovalTask


class ApprovalUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ApprovalActionSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, label="操作名称")

    class Meta:
        model = ApprovalAction
        fields = ["id", "kind", "kind_display", "step_name", "actor_name", "comment", "created_at"]


class ApprovalTaskSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    request_number = serializers.CharField(source="request.number", read_only=True, label="审批编号")
    request_title = serializers.CharField(source="request.title", read_only=True, label="事项")
    assigned_unit = ApprovalUnitSerializer(read_only=True, allow_null=True)
    acted_by_name = serializers.SerializerMethodField(label="办理人")
    is_overdue = serializers.BooleanField(read_only=True, label="已超期")

    class Meta:
        model = ApprovalTask
        fields = ["id", "request", "request_number", "request_title", "round", "step_index", "step_name",
                  "role_code", "role_name", "assigned_unit", "status", "status_display", "acted_by_name",
                  "acted_at", "comment", "due_at", "is_overdue"]

    def get_acted_by_name(self, obj: ApprovalTask) -> str:
        return obj.acted_by.display_name if obj.acted_by is not None else ""


class ApprovalRequestSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    object_type = serializers.SerializerMethodField(label="对象类型")
    applicant_name = serializers.CharField(source="applicant.display_name", read_only=True, label="申请人")
    applicant_unit = ApprovalUnitSerializer(read_only=True)
    flow_name = serializers.SerializerMethodField(label="审批流程")

    class Meta:
        model = ApprovalRequest
        fields = ["id", "number", "title", "object_type", "object_id", "amount", "status", "status_display",
                  "applicant_name", "applicant_unit", "flow_name", "flow_version", "current_step", "round",
                  "submitted_at", "decided_at"]

    def get_object_type(self, obj: ApprovalRequest) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def get_flow_name(self, obj: ApprovalRequest) -> str:
        return obj.flow.name if obj.flow_id and obj.flow else ""


class ApprovalRequestDetailSerializer(ApprovalRequestSerializer):
    steps = serializers.JSONField(source="flow_snapshot", read_only=True, label="审批环节")
    tasks = serializers.SerializerMethodField(label="审批任务")
    trail = serializers.SerializerMethodField(label="审批记录")
    can_act = serializers.SerializerMethodField(label="当前用户可办理")

    class Meta(ApprovalRequestSerializer.Meta):
        fields = [*ApprovalRequestSerializer.Meta.fields, "steps", "tasks", "trail", "can_act"]

    def get_tasks(self, obj: ApprovalRequest) -> list[dict[str, Any]]:
        tasks = obj.tasks.select_related("request", "assigned_unit", "acted_by").order_by("round", "step_index", "id")
        return ApprovalTaskSerializer(tasks, many=True).data  # type: ignore[return-value]

    def get_trail(self, obj: ApprovalRequest) -> list[dict[str, Any]]:
        return ApprovalActionSerializer(obj.actions.order_by("created_at", "id"), many=True).data  # type: ignore[return-value]

    def get_can_act(self, obj: ApprovalRequest) -> bool:
        from ..selectors import can_act, current_task

        task = current_task(obj)
        request = self.context.get("request")
        return bool(task and request and can_act(request.user, task))


class ApprovalActionInput(InputSerializer):
    comment = serializers.CharField(label="意见", required=False, allow_blank=True, max_length=2000, default="")
    task = serializers.IntegerField(label="审批任务编号", required=False, allow_null=True, default=None,
                                    help_text="办理人看到的任务编号；任务已被办理时返回 409，防止重复办理。")


class ApprovalSubmitInput(InputSerializer):
    object_type = serializers.CharField(label="对象类型", max_length=100, help_text="如 org.staffingchangerequest")
    object_id = serializers.IntegerField(label="对象编号", min_value=1)
    comment = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=2000, default="")
