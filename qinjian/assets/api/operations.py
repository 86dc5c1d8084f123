"""资产业务单 endpoints under /api/assets/operations/ (submitting goes into the approvals engine)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from qinjian.core.api.fields import InScopeRelatedField, RelatedIdField
from qinjian.core.api.serializers import InputSerializer
from qinjian.core.api.viewsets import CreateMixin, ListRetrieveMixin, ScopedViewSet, UpdateMixin
from qinjian.org.models import Department, Person, Unit
from qinjian.workflow.api.serializers import ApprovalRequestDetailSerializer

from ..choices import DisposalMethod, OperationKind
from ..models import AssetOperation, AssetOperationLine
from ..services.operations import operation_create, operation_set_lines, operation_submit, operation_update


class OperationLineSerializer(serializers.ModelSerializer):
    asset_code = serializers.CharField(source="asset.code", read_only=True, label="资产编号")
    asset_name = serializers.CharField(source="asset.name", read_only=True, label="资产名称")
    asset_status = serializers.CharField(source="asset.status", read_only=True, label="资产当前使用状况")

    class Meta:
        model = AssetOperationLine
        fields = ["id", "asset", "asset_code", "asset_name", "asset_status", "original_value", "net_value",
                  "new_value", "note"]


class OperationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, label="业务类型名称")
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="申请单位名称")
    counterpart_unit_name = serializers.CharField(source="counterpart_unit.name", read_only=True, default=None,
                                                  label="调入单位名称")
    person_name = serializers.CharField(source="person.name", read_only=True, default=None, label="领用人姓名")
    lines = OperationLineSerializer(many=True, read_only=True, label="资产明细")

    class Meta:
        model = AssetOperation
        fields = ["id", "number", "kind", "kind_display", "unit", "unit_name", "counterpart_unit",
                  "counterpart_unit_name", "counterparty", "person", "person_name", "department", "location",
                  "occurred_on", "due_on", "disposal_method", "income", "cost", "reason", "total_value",
                  "line_count", "status", "status_display", "approval_number", "done_on", "lines", "created_at",
                  "updated_at"]


class LineInput(InputSerializer):
    asset = serializers.IntegerField(label="资产编号（id）", min_value=1)
    new_value = serializers.DecimalField(label="变动后原值（元，价值变动时必填）", max_digits=16, decimal_places=2,
                                         required=False, allow_null=True)
    note = serializers.CharField(label="说明", max_length=200, required=False, allow_blank=True, default="")


class _DocumentFields(InputSerializer):
    occurred_on = serializers.DateField(label="业务日期（验收入账为验收日期）")
    reason = serializers.CharField(label="事由", max_length=2000)
    counterpart_unit = RelatedIdField(label="调入单位（调拨）", queryset=Unit.objects.all(), required=False,
                                      allow_null=True)
    person = InScopeRelatedField(label="领用人（领用）", queryset=Person.objects.all(), required=False,
                                 allow_null=True)
    department = InScopeRelatedField(label="使用部门（领用）", queryset=Department.objects.all(), required=False,
                                     allow_null=True)
    counterparty = serializers.CharField(label="对方名称（承租借用方、维修单位、受让受赠方）", max_length=200,
                                         required=False, allow_blank=True)
    location = serializers.CharField(label="存放地点", max_length=200, required=False, allow_blank=True)
    due_on = serializers.DateField(label="约定归还日期（出租出借）", required=False, allow_null=True)
    disposal_method = serializers.ChoiceField(label="处置方式（处置）", choices=DisposalMethod.choices, required=False,
                                              allow_blank=True)
    income = serializers.DecimalField(label="处置收入（元）", max_digits=16, decimal_places=2, required=False,
                                      allow_null=True)
    cost = serializers.DecimalField(label="维修费用（元）", max_digits=16, decimal_places=2, required=False,
                                    allow_null=True)
    result = serializers.CharField(label="维修结果（维修）", max_length=200, required=False, allow_blank=True)


class OperationInput(_DocumentFields):
    kind = serializers.ChoiceField(label="业务类型", choices=OperationKind.choices)
    unit = InScopeRelatedField(label="申请单位", queryset=Unit.objects.filter(is_active=True))
    lines = LineInput(many=True, label="资产明细（每项一个资产 id）")


class OperationUpdateInput(_DocumentFields):
    lines = LineInput(many=True, label="资产明细（整体替换）", required=False)


class SubmitInput(InputSerializer):
    comment = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=2000, default="")


def _lines(data: Any) -> list[dict[str, Any]]:
    return [{"asset": line["asset"], "new_value": line.get("new_value"), "note": line.get("note") or ""}
            for line in data]


class OperationViewSet(ListRetrieveMixin, CreateMixin, UpdateMixin, ScopedViewSet):
    """资产业务单（验收入账、领用、交回、调拨、出租出借、出借收回、维修、处置、价值变动）。

    新建后为草稿；草稿、被退回或撤回的业务单可修改（与新增同一权限，只有申请单位可以修改）；提交后按该业务类型的审批流程
    办理，审批通过后资产的状态、履历和账务一并变动。干部职工只能为本人申请领用或交回。"""

    queryset = (AssetOperation.objects.select_related("unit", "counterpart_unit", "person")
                .prefetch_related("lines__asset"))
    serializer_class = OperationSerializer
    write_serializer_class = OperationInput
    update_serializer_class = OperationUpdateInput
    filterset_fields = {"kind": ["exact"], "status": ["exact"], "unit": ["exact"], "occurred_on": ["gte", "lte"]}
    search_fields = ["number", "reason", "counterparty"]
    ordering_fields = ["created_at", "number", "occurred_on", "total_value"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    schema_tags = ["资产管理"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method in ("PUT", "PATCH"):
            self.permission_action = "add"  # the applicant revises its own draft with the add permission
        super().initial(request, *args, **kwargs)

    def perform_create(self, data: dict[str, Any]) -> AssetOperation:
        lines = _lines(data.pop("lines"))
        kind, unit = data.pop("kind"), data.pop("unit")
        occurred_on, reason = data.pop("occurred_on"), data.pop("reason")
        return operation_create(kind=kind, unit=unit, actor=self.request.user, assets=lines,
                                occurred_on=occurred_on, reason=reason, **data)

    def perform_update(self, instance: AssetOperation, data: dict[str, Any]) -> AssetOperation:  # type: ignore[override]
        lines = data.pop("lines", None)
        if data:
            instance = operation_update(operation=instance, actor=self.request.user, **data)
        if lines is not None:
            instance = operation_set_lines(operation=instance, actor=self.request.user, assets=_lines(lines))
        return instance

    @extend_schema(request=SubmitInput, responses={201: ApprovalRequestDetailSerializer})
    @action(detail=True, methods=["post"], permission_action="add")
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """提交审批

        提交进该业务类型的审批流程（退回、撤回后再次提交也用此接口），返回审批申请及其环节。"""
        obj = self.get_object()
        data = self.validate_input(SubmitInput, request.data)
        approval = operation_submit(operation=obj, actor=request.user, comment=data.get("comment") or "")
        return Response(ApprovalRequestDetailSerializer(approval, context=self.get_serializer_context()).data,
                        status=201)


__all__ = ["OperationViewSet"]
