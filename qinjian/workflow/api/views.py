"""Approvals endpoints under /api/approvals/: my tasks, requests with their trail, and the actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from qinjian.core.api.pagination import StandardPagination
from qinjian.core.api.schema import AutoSchema
from qinjian.core.errors import ValidationFailed

from .. import selectors
from ..models import ApprovalRequest, ApprovalTask
from ..registry import approvables
from ..services import (
    approval_approve,
    approval_comment,
    approval_reject,
    approval_return,
    approval_submit,
    approval_withdraw,
)
from . import serializers as s

TAGS = ["审批"]


class HoldsPermission(BasePermission):
    """Signed in and holding the view permission of the endpoint's model (who may act is the service's)."""

    message = "没有权限执行此操作。"

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(view.required_permission))


class _Base(GenericViewSet):
    permission_classes = [HoldsPermission]
    parser_classes = [JSONParser]
    pagination_class = StandardPagination
    schema = AutoSchema()
    schema_tags = TAGS
    lookup_value_regex = r"[0-9]{1,18}"
    required_permission = ""

    def get_model(self) -> Any:
        return self.queryset.model  # type: ignore[union-attr]


class TaskViewSet(mixins.ListModelMixin, _Base):
    """审批任务。默认列出“我的待办”；`box=done` 列出“我的已办”。"""

    queryset = ApprovalTask.objects.all()
    serializer_class = s.ApprovalTaskSerializer
    required_permission = selectors.VIEW_TASK

    @extend_schema(parameters=[OpenApiParameter("box", str, enum=["todo", "done"], description="todo 待办（默认），done 已办")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return ApprovalTask.objects.none()
        user = self.request.user
        box = self.request.query_params.get("box", "todo")
        if box == "done":
            qs = selectors.done_tasks(user).order_by("-acted_at", "-id")
        else:
            qs = selectors.todo_tasks(user).order_by("due_at", "id")
        return qs.select_related("request", "assigned_unit", "acted_by")


class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """审批申请。列表为您可见的申请（`box=mine` 只列您发起的）；详情含审批环节、任务和完整审批记录。"""

    queryset = ApprovalRequest.objects.all()
    serializer_class = s.ApprovalRequestSerializer
    required_permission = selectors.VIEW_REQUEST

    def get_serializer_class(self) -> Any:
        return s.ApprovalRequestDetailSerializer if self.action != "list" else s.ApprovalRequestSerializer

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return ApprovalRequest.objects.none()
        user = self.request.user
        qs = selectors.visible_requests(user)
        if self.request.query_params.get("box") == "mine":
            qs = qs.filter(applicant=user)
        return qs.select_related("applicant", "applicant_unit", "content_type", "flow").order_by("-submitted_at", "-id")

    def _act(self, request: Request, service: Any, *, with_task: bool = True) -> Response:
        approval = self.get_object()
        body = s.ApprovalActionInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        kwargs: dict[str, Any] = {"approval": approval, "actor": request.user, "comment": data.get("comment") or ""}
        if with_task and data.get("task"):
            task = approval.tasks.filter(pk=data["task"]).first()
            if task is None:
                raise ValidationFailed("审批任务不属于该申请。", fields={"task": ["审批任务不属于该申请。"]})
            kwargs["task"] = task
        service(**kwargs)
        approval = self.get_queryset().get(pk=approval.pk)
        return Response(s.ApprovalRequestDetailSerializer(approval, context=self.get_serializer_context()).data)

    @extend_schema(request=s.ApprovalActionInput, responses=s.ApprovalRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """同意

        只有当前环节的审批人（持有该角色、在规定单位、数据范围覆盖申请单位）可以办理；最后一个环节同意后申请通过。"""
        return self._act(request, approval_approve)

    @extend_schema(request=s.ApprovalActionInput, responses=s.ApprovalRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """驳回（须填写理由，申请办结）"""
        return self._act(request, approval_reject)

    @extend_schema(request=s.ApprovalActionInput, responses=s.ApprovalRequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        """退回修改（须填写意见；申请人修改后可重新提交）"""
        return self._act(request, approval_return)

    @extend_schema(request=s.ApprovalActionInput, responses=s.ApprovalRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """撤回（仅申请人，审批中可撤回）"""
        return self._act(request, approval_withdraw, with_task=False)

    @extend_schema(request=s.ApprovalActionInput, responses=s.ApprovalRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, pk: str | None = None) -> Response:
        """评论（申请人和审批人）"""
        return self._act(request, approval_comment, with_task=False)

    @extend_schema(request=s.ApprovalSubmitInput, responses={201: s.ApprovalRequestDetailSerializer})
    @action(detail=False, methods=["post"])
    def submit(self, request: Request) -> Response:
        """提交审批

        把一个已接入审批的对象（如编制调整申请 org.staffingchangerequest）提交进审批流程；
        退回或撤回后再次提交也用此接口。对象须在您的数据范围内。"""
        body = s.ApprovalSubmitInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        specs = {spec.label: spec for spec in approvables()}
        spec = specs.get(str(data["object_type"]).lower())
        if spec is None:
            raise ValidationFailed("该类对象未接入审批。", fields={"object_type": ["未接入审批的对象类型。"]})
        obj = spec.model._default_manager.scoped(  # type: ignore[attr-defined]
            request.user, spec.submit_action).filter(pk=data["object_id"]).first()
        if obj is None:
            raise Http404
        if spec.submit is not None:
            approval = spec.submit(obj=obj, actor=request.user, comment=data.get("comment") or "")
        else:
            approval = approval_submit(obj=obj, actor=request.user, comment=data.get("comment") or "")
        approval = ApprovalRequest.objects.select_related("applicant", "applicant_unit", "content_type", "flow").get(
            pk=approval.pk)
        return Response(s.ApprovalRequestDetailSerializer(approval, context=self.get_serializer_context()).data, status=201)
