"""Approval flows (definitions and steps) and their running instances (requests, tasks, the action log)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse

from qinjian.core.models import BaseModel
from qinjian.core.scope import ScopedManager

from .choices import ActionKind, DeadlineUnit, RequestStatus, TaskStatus, UnitRule


class FlowDefinition(BaseModel):
    """Which steps a request for one object type goes through; the highest-priority matching flow wins."""

    name = models.CharField("流程名称", max_length=100)
    content_type = models.ForeignKey(ContentType, verbose_name="审批事项", on_delete=models.PROTECT, related_name="+")
    variant = models.CharField("业务类型", max_length=32, blank=True, default="",
                               help_text="同一审批事项下的业务类型（如资产调拨、资产处置）；留空表示适用于全部类型。")
    priority = models.IntegerField("优先级", default=0, help_text="多个流程都适用时，优先级数值大的生效。")
    amount_min = models.DecimalField("金额（数量）不低于", null=True, blank=True, max_digits=16, decimal_places=2,
                                     help_text="留空表示不限。")
    amount_max = models.DecimalField("金额（数量）低于", null=True, blank=True, max_digits=16, decimal_places=2, help_text="留空表示不限。")
    is_active = models.BooleanField("启用", default=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    description = models.TextField("说明", blank=True)

    scope_unit_field = None  # configuration: visible to roles whose data scope is 全部数据

    class Meta:
        verbose_name = "审批流程"
        verbose_name_plural = "审批流程"
        ordering = ["content_type_id", "-priority", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workflow:flowdefinition_detail", args=[self.pk])

    def matches(self, amount: Any) -> bool:
        if self.amount_min is not None and (amount is None or amount < self.amount_min):
            return False
        return not (self.amount_max is not None and amount is not None and amount >= self.amount_max)


class FlowStep(BaseModel):
    flow = models.ForeignKey(FlowDefinition, verbose_name="审批流程", on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("环节名称", max_length=100)
    role_code = models.CharField("审批角色", max_length=64)
    unit_rule = models.CharField("审批人所在单位", max_length=20, choices=UnitRule.choices,
                                 default=UnitRule.SCOPE_ALL)
    fixed_unit = models.ForeignKey("org.Unit", verbose_name="指定单位", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    min_amount = models.DecimalField("仅当金额（数量）不低于", null=True, blank=True, max_digits=16, decimal_places=2,
                                     help_text="留空表示每次都经过此环节。")
    deadline_value = models.PositiveSmallIntegerField("办理时限", default=3)
    deadline_unit = models.CharField("时限单位", max_length=10, choices=DeadlineUnit.choices,
                                     default=DeadlineUnit.WORKDAYS)

    scope_unit_field = None

    class Meta:
        verbose_name = "审批环节"
        verbose_name_plural = "审批环节"
        ordering = ["flow", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["flow", "order"], name="workflow_step_flow_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def get_absolute_url(self) -> str:
        return self.flow.get_absolute_url()


class ApprovalRequest(BaseModel):
    """One object going through a flow: the snapshot of its steps, status and outcome."""

    number = models.CharField("审批编号", max_length=32, unique=True)
    content_type = models.ForeignKey(ContentType, verbose_name="审批事项", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField("对象编号")
    target = GenericForeignKey("content_type", "object_id")
    title = models.CharField("标题", max_length=200)
    amount = models.DecimalField("金额（数量）", null=True, blank=True, max_digits=16, decimal_places=2)
    flow = models.ForeignKey(FlowDefinition, verbose_name="审批流程", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="requests")
    flow_version = models.PositiveIntegerField("流程版本", default=1)
    flow_snapshot = models.JSONField("流程环节", default=list, blank=True)
    status = models.CharField("状态", max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT,
                              db_index=True)
    current_step = models.SmallIntegerField("当前环节", default=0)
    round = models.PositiveSmallIntegerField("提交轮次", default=1)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                  related_name="approval_requests")
    applicant_unit = models.ForeignKey("org.Unit", verbose_name="申请单位", on_delete=models.PROTECT,
                                       related_name="approval_requests")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)

    scope_unit_field = "applicant_unit"

    class Meta:
        verbose_name = "审批申请"
        verbose_name_plural = "审批申请"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="workflow_request_object")]
        constraints = [
            # at most one open request per object: a double submit cannot start two
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="workflow_request_one_open",
                condition=Q(status__in=["draft", "pending", "returned", "withdrawn"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("workflow:approvalrequest_detail", args=[self.pk])

    @classmethod
    def own_records_q(cls, user: Any) -> Q:
        return Q(applicant=user)

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.PENDING

    @property
    def current_step_spec(self) -> dict[str, Any] | None:
        steps = self.flow_snapshot or []
        return steps[self.current_step] if 0 <= self.current_step < len(steps) else None


class ApprovalTask(BaseModel):
    """One step of one request waiting for (or done by) whoever holds the role within the unit rule."""

    request = models.ForeignKey(ApprovalRequest, verbose_name="审批申请", on_delete=models.CASCADE,
                                related_name="tasks")
    round = models.PositiveSmallIntegerField("提交轮次", default=1)
    step_index = models.PositiveSmallIntegerField("环节序号")
    step_name = models.CharField("审批环节", max_length=100)
    role_code = models.CharField("审批角色", max_length=64, db_index=True)
    role_name = models.CharField("审批角色名称", max_length=64, blank=True)
    unit_rule = models.CharField("审批人所在单位", max_length=20, choices=UnitRule.choices)
    assigned_unit = models.ForeignKey("org.Unit", verbose_name="审批单位", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+",
                                      help_text="为空表示任意单位中数据范围为全部的该角色人员。")
    status = models.CharField("状态", max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING,
                              db_index=True)
    acted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    acted_at = models.DateTimeField("办理时间", null=True, blank=True)
    comment = models.TextField("审批意见", blank=True)
    due_at = models.DateTimeField("办理期限", null=True, blank=True)
    overdue_at = models.DateTimeField("超期提醒时间", null=True, blank=True)

    scope_unit_field = "request__applicant_unit"

    class Meta:
        verbose_name = "审批任务"
        verbose_name_plural = "审批任务"
        ordering = ["request", "round", "step_index", "id"]

    def __str__(self) -> str:
        return f"{self.request.number} · {self.step_name}"

    def get_absolute_url(self) -> str:
        return reverse("workflow:approvalrequest_detail", args=[self.request_id])

    @classmethod
    def own_records_q(cls, user: Any) -> Q:
        return Q(request__applicant=user) | Q(acted_by=user)

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status == TaskStatus.PENDING and self.due_at is not None and self.due_at < timezone.now()


class ApprovalAction(models.Model):
    """The trail: every submit/approve/reject/return/withdraw/comment with who, when and from where."""

    request = models.ForeignKey(ApprovalRequest, verbose_name="审批申请", on_delete=models.CASCADE,
                                related_name="actions")
    task = models.ForeignKey(ApprovalTask, verbose_name="审批任务", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="actions")
    kind = models.CharField("操作", max_length=16, choices=ActionKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    step_name = models.CharField("环节", max_length=100, blank=True)
    comment = models.TextField("意见", blank=True)
    ip = models.CharField("IP 地址", max_length=64, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    scope_unit_field = "request__applicant_unit"
    objects = ScopedManager()

    class Meta:
        verbose_name = "审批记录"
        verbose_name_plural = "审批记录"
        ordering = ["created_at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.actor_name}"
