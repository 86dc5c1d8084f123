"""资产业务单: one document per lifecycle action on one or more cards, decided through the approvals engine.

The kind (验收入账, 领用, 交回, 调拨, 出租出借, 出借收回, 维修, 处置, 价值变动) is the approval flow's
variant, so each kind has its own flow and the amount (the lines' original value) picks the level.
Nothing happens to the cards until the final approval; then the service applies the document to
every line in one transaction (cards, events and the ledger journal move together).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel

from ..choices import EDITABLE_OPERATION_STATUSES, DisposalMethod, OperationKind, OperationStatus
from .asset import Asset


class AssetOperation(BaseModel):
    number = models.CharField("业务单号", max_length=32, unique=True)
    kind = models.CharField("业务类型", max_length=16, choices=OperationKind.choices, db_index=True)
    unit = models.ForeignKey("org.Unit", verbose_name="申请单位", on_delete=models.PROTECT,
                             related_name="asset_operations")
    counterpart_unit = models.ForeignKey("org.Unit", verbose_name="调入单位", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="asset_operations_in",
                                         help_text="调拨的调入单位；出租出借给市内单位时为借用单位。")
    counterparty = models.CharField("对方名称", max_length=200, blank=True,
                                    help_text="承租/借用方、维修单位、受让方或受赠方等。")
    person = models.ForeignKey("org.Person", verbose_name="领用人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="asset_operations")
    department = models.ForeignKey("org.Department", verbose_name="使用部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="asset_operations")
    location = models.CharField("存放地点", max_length=200, blank=True)
    occurred_on = models.DateField("业务日期")
    due_on = models.DateField("约定归还日期", null=True, blank=True)
    disposal_method = models.CharField("处置方式", max_length=16, choices=DisposalMethod.choices, blank=True)
    income = models.DecimalField("处置收入（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    cost = models.DecimalField("费用（元）", max_digits=16, decimal_places=2, null=True, blank=True, help_text="维修费用等。")
    reason = models.TextField("事由")
    total_value = models.DecimalField("涉及资产原值合计（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    line_count = models.PositiveIntegerField("资产数", default=0)
    status = models.CharField("状态", max_length=16, choices=OperationStatus.choices, default=OperationStatus.DRAFT,
                              db_index=True)
    approval_number = models.CharField("审批编号", max_length=32, blank=True)
    done_on = models.DateField("办结日期", null=True, blank=True)

    # both sides of a transfer see the document (the receiving unit signs it)
    scope_unit_field = ("unit", "counterpart_unit")

    class Meta:
        verbose_name = "资产业务单"
        verbose_name_plural = "资产业务单"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "kind", "status"], name="assets_op_unit_kind_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("assets:assetoperation_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_OPERATION_STATUSES

    @classmethod
    def own_records_q(cls, user: Any) -> models.Q:
        """干部职工: their own 领用/交回 requests."""
        return models.Q(created_by=user) | models.Q(person_id=getattr(user, "person_id", None) or 0)


class AssetOperationLine(models.Model):
    operation = models.ForeignKey(AssetOperation, verbose_name="业务单", on_delete=models.CASCADE,
                                  related_name="lines")
    asset = models.ForeignKey(Asset, verbose_name="资产", on_delete=models.PROTECT, related_name="operation_lines")
    original_value = models.DecimalField("原值（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    net_value = models.DecimalField("净值（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    new_value = models.DecimalField("变动后原值（元）", max_digits=16, decimal_places=2, null=True, blank=True,
                                    help_text="价值变动时填写。")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "业务单明细"
        verbose_name_plural = "业务单明细"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["operation", "asset"], name="assets_opline_unique")]

    def __str__(self) -> str:
        return str(self.asset_id)
