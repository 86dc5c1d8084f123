"""编制调整申请 endpoints under /api/org/staffing-requests/ (submitting goes into the approvals engine)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qinjian.core.api.fields import InScopeRelatedField
from qinjian.core.api.serializers import InputSerializer
from qinjian.core.api.viewsets import CreateMixin, ListRetrieveMixin, ScopedViewSet
from qinjian.workflow.api.serializers import ApprovalRequestDetailSerializer

from ..models import StaffingChangeRequest, Unit
from ..services.staffing import staffing_request_create, staffing_request_submit, staffing_request_update


class StaffingRequestSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="申请单位名称")
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    total_change = serializers.IntegerField(read_only=True, label="编制变动数")

    class Meta:
        model = StaffingChangeRequest
        fields = ["id", "number", "unit", "unit_name", "old_quota_admin", "old_quota_institution", "old_quota_worker",
                  "new_quota_admin", "new_quota_institution", "new_quota_worker", "total_change", "reason",
                  "status", "status_display", "approval_number", "created_at", "updated_at"]


class StaffingRequestInput(InputSerializer):
    unit = InScopeRelatedField(label="申请单位", queryset=Unit.objects.filter(is_active=True))
    new_quota_admin = serializers.IntegerField(label="拟调整行政编制数", min_value=0, max_value=100000)
    new_quota_institution = serializers.IntegerField(label="拟调整事业编制数", min_value=0, max_value=100000)
    new_quota_worker = serializers.IntegerField(label="拟调整工勤编制数", min_value=0, max_value=100000)
    reason = serializers.CharField(label="调整理由", max_length=2000)


class StaffingRequestUpdateInput(InputSerializer):
    new_quota_admin = serializers.IntegerField(label="拟调整行政编制数", min_value=0, max_value=100000)
    new_quota_institution = serializers.IntegerField(label="拟调整事业编制数", min_value=0, max_value=100000)
    new_quota_worker = serializers.IntegerField(label="拟调整工勤编制数", min_value=0, max_value=100000)
    reason = serializers.CharField(label="调整理由", max_length=2000)


class StaffingSubmitInput(InputSerializer):
    comment = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=2000, default="")


class StaffingRequestViewSet(ListRetrieveMixin, CreateMixin, ScopedViewSet):
    """编制调整申请。草稿、被退回或撤回的申请可用 revise 接口修改（与新增同一权限）；提交后按审批流程办理，
    审批通过后单位的编制数随之调整。"""

    queryset = StaffingChangeRequest.objects.select_related("unit")
    serializer_class = StaffingRequestSerializer
    write_serializer_class = StaffingRequestInput
    search_fields = ["number", "unit__name"]
    ordering_fields = ["created_at", "number"]
    http_method_names = ["get", "post", "head", "options"]
    schema_tags = ["组织机构"]

    def perform_create(self, data: dict[str, Any]) -> StaffingChangeRequest:
        return staffing_request_create(**data)

    @extend_schema(request=StaffingRequestUpdateInput, responses=StaffingRequestSerializer)
    @action(detail=True, methods=["post"], permission_action="add")
    def revise(self, request: Request, pk: str | None = None) -> Response:
        """修改申请

        草稿、被退回或撤回的申请可修改编制数和理由（申请单位不能改）；审批中或已办结的申请不能修改。"""
        obj = self.get_object()
        data = self.validate_input(StaffingRequestUpdateInput, request.data)
        return Response(self.represent(staffing_request_update(request=obj, **data)))

    @extend_schema(request=StaffingSubmitInput, responses={201: ApprovalRequestDetailSerializer})
    @action(detail=True, methods=["post"], permission_action="add")
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """提交审批

        提交进“编制调整审批”流程（退回、撤回后再次提交也用此接口），返回审批申请及其环节。"""
        obj = self.get_object()
        data = self.validate_input(StaffingSubmitInput, request.data)
        approval = staffing_request_submit(request=obj, actor=request.user, comment=data.get("comment") or "")
        return Response(ApprovalRequestDetailSerializer(approval, context=self.get_serializer_context()).data, status=201)
