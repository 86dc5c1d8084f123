from __future__ import annotations

from django.db import models


class NumberSequence(models.Model):
    """The last number handed out per object type (prefix) and year."""

    prefix = models.CharField("前缀", max_length=16)
    year = models.PositiveIntegerField("年度")
    last_value = models.PositiveBigIntegerField("已用到", default=0)

    class Meta:
        verbose_name = "编号序列"
        verbose_name_plural = "编号序列"
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="core_numbersequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_value}"
