"""Monthly depreciation runs (按月计提): one run per month, its totals by unit and class."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel
from qinjian.core.scope import ScopedManager

from ..choices import RunStatus


class DepreciationRun(BaseModel):
    month = models.DateField("计提月份", unique=True, help_text="该月第一天。")
    status = models.CharField("状态", max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    asset_count = models.PositiveIntegerField("计提资产数", default=0)
    total_amount = models.DecimalField("本月折旧合计（元）", max_digits=16, decimal_places=2, default=Decimal("0"))
    message = models.CharField("说明", max_length=500, blank=True)

    scope_unit_field = None  # a city-wide run: the center's asset department (scope 全部数据)

    class Meta:
        verbose_name = "折旧计提"
        verbose_name_plural = "折旧计提"
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}折旧"

    def get_absolute_url(self) -> str:
        return reverse("assets:depreciationrun_detail", args=[self.pk])


class DepreciationRunLine(models.Model):
    run = models.ForeignKey(DepreciationRun, verbose_name="折旧计提", on_delete=models.CASCADE, related_name="lines")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    class_code = models.CharField("分类代码", max_length=9)
    asset_count = models.PositiveIntegerField("资产数", default=0)
    amount = models.DecimalField("折旧额（元）", max_digits=16, decimal_places=2, default=Decimal("0"))

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = "折旧计提明细"
        verbose_name_plural = "折旧计提明细"
        ordering = ["run", "unit", "class_code"]
        constraints = [models.UniqueConstraint(fields=["run", "unit", "class_code"], name="assets_deprline_unique")]

    def __str__(self) -> str:
        return f"{self.class_code} {self.amount}"
