"""盘点: a campaign over a scope of cards, scans from phones (idempotent, queued offline), discrepancies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel

from ..choices import AssetStatus, CampaignStatus, DiscrepancyKind, Resolution, StocktakeResult
from .asset import Asset


class StocktakeCampaign(BaseModel):
    number = models.CharField("盘点单号", max_length=32, unique=True)
    name = models.CharField("盘点名称", max_length=200)
    unit = models.ForeignKey("org.Unit", verbose_name="组织单位", on_delete=models.PROTECT,
                             related_name="stocktake_campaigns")
    units = models.ManyToManyField("org.Unit", verbose_name="盘点单位", related_name="+",
                                   help_text="参与盘点的单位（组织单位及其下级单位中选择）。")
    location_prefix = models.CharField("存放地点（开头匹配）", max_length=200, blank=True)
    class_prefixes = models.CharField("资产分类代码（开头匹配，逗号分隔）", max_length=500, blank=True)
    counters = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="盘点人", related_name="+", blank=True)
    status = models.CharField("状态", max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT,
                              db_index=True)
    planned_start = models.DateField("计划开始日期")
    planned_end = models.DateField("计划结束日期")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    item_count = models.PositiveIntegerField("应盘资产数", default=0)
    notes = models.TextField("说明", blank=True)

    scope_unit_field = "unit"

    class Meta:
        verbose_name = "盘点任务"
        verbose_name_plural = "盘点任务"
        ordering = ["-created_at", "-id"]
        permissions = [("count_stocktakecampaign", "参与盘点扫码")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:stocktakecampaign_detail", args=[self.pk])

    @classmethod
    def own_records_q(cls, user: Any) -> models.Q:
        """A counter sees the campaigns they count in."""
        return models.Q(counters=user)


class StocktakeItem(BaseModel):
    """One card in a campaign (or a 盘盈 find with no card), its expected and found state and the outcome."""

    campaign = models.ForeignKey(StocktakeCampaign, verbose_name="盘点任务", on_delete=models.CASCADE,
                                 related_name="items")
    asset = models.ForeignKey(Asset, verbose_name="资产", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="stocktake_items")
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    expected_location = models.CharField("账面存放地点", max_length=200, blank=True)
    expected_status = models.CharField("账面使用状况", max_length=20, choices=AssetStatus.choices, blank=True)
    result = models.CharField("盘点结果", max_length=16, choices=StocktakeResult.choices,
                              default=StocktakeResult.PENDING, db_index=True)
    found_location = models.CharField("实际存放地点", max_length=200, blank=True)
    found_status = models.CharField("实际使用状况", max_length=20, choices=AssetStatus.choices, blank=True)
    surplus_code = models.CharField("盘盈标签编号", max_length=64, blank=True)
    surplus_name = models.CharField("盘盈资产名称", max_length=200, blank=True)
    scanned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="盘点人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    scanned_at = models.DateTimeField("盘点时间", null=True, blank=True)
    scan_count = models.PositiveIntegerField("扫码次数", default=0)
    discrepancy = models.CharField("差异", max_length=16, choices=DiscrepancyKind.choices, blank=True, default="",
                                   db_index=True)
    resolution = models.CharField("处理结果", max_length=16, choices=Resolution.choices, blank=True, default="")
    resolution_note = models.CharField("处理说明", max_length=500, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.CharField("盘点备注", max_length=500, blank=True)

    scope_unit_field = "unit"

    class Meta:
        verbose_name = "盘点明细"
        verbose_name_plural = "盘点明细"
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "asset"], name="assets_stocktake_item_unique",
                                               condition=models.Q(asset__isnull=False))]
        indexes = [models.Index(fields=["campaign", "result"], name="assets_stock_item_result")]

    def __str__(self) -> str:
        return str(self.asset) if self.asset_id else f"盘盈：{self.surplus_name or self.surplus_code}"

    def get_absolute_url(self) -> str:
        return reverse("assets:stocktakeitem_detail", args=[self.pk])


class StocktakeScan(models.Model):
    """Every scan as received (the phone's ``client_id`` makes a resend harmless)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "已记录"
        DUPLICATE = "duplicate", "重复提交（已忽略）"
        REJECTED = "rejected", "已拒绝"

    campaign = models.ForeignKey(StocktakeCampaign, verbose_name="盘点任务", on_delete=models.CASCADE,
                                 related_name="scans")
    item = models.ForeignKey(StocktakeItem, verbose_name="盘点明细", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="scans")
    client_id = models.CharField("客户端编号", max_length=64)
    code = models.CharField("扫描内容", max_length=300)
    location = models.CharField("实际存放地点", max_length=200, blank=True)
    status = models.CharField("实际使用状况", max_length=20, choices=AssetStatus.choices, blank=True)
    note = models.CharField("备注", max_length=500, blank=True)
    scanned_at = models.DateTimeField("扫码时间")
    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="盘点人", on_delete=models.PROTECT,
                             related_name="+")
    outcome = models.CharField("处理结果", max_length=16, choices=Outcome.choices)
    message = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "盘点扫码记录"
        verbose_name_plural = "盘点扫码记录"
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "client_id"], name="assets_scan_client_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.get_outcome_display()}"
