"""GB/T 14885-2022 asset classification and the mapping from older codes."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel

from ..choices import Confidence, LegacyScheme, MappingMatch
from .base import ReferenceManager


class AssetClass(BaseModel):
    """A class of GB/T 14885-2022 (= the goods codes of 财库〔2022〕31号): letter + 8 digits, 4 levels."""

    code = models.CharField("分类代码", max_length=9, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级")
    parent = models.ForeignKey("self", verbose_name="上级分类", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    path_names = models.CharField("完整路径", max_length=400, blank=True)
    is_manual = models.BooleanField("手工补充", default=False,
                                    help_text="目录未收录、按参考说明手工补充的分类")
    source = models.CharField("来源", max_length=200, blank=True)

    objects = ReferenceManager()  # type: ignore[assignment]
    scope_unit_field = None

    class Meta:
        verbose_name = "资产分类"
        verbose_name_plural = "资产分类（GB/T 14885-2022）"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("standards:assetclass_list") + f"?node={self.code}"


class LegacyClassMapping(BaseModel):
    """An older class code (GB/T 14885-2010 or the 2013 catalogue) and its 2022 class, if any."""

    scheme = models.CharField("旧分类体系", max_length=10, choices=LegacyScheme.choices)
    legacy_code = models.CharField("旧代码", max_length=12)
    legacy_name = models.CharField("旧名称", max_length=100)
    asset_class = models.ForeignKey(AssetClass, verbose_name="2022分类", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="legacy_mappings")
    match = models.CharField("对应关系", max_length=10, choices=MappingMatch.choices)
    confidence = models.CharField("可信度", max_length=2, choices=Confidence.choices)
    source = models.CharField("来源", max_length=300)
    note = models.CharField("备注", max_length=300, blank=True)

    objects = ReferenceManager()  # type: ignore[assignment]
    scope_unit_field = None

    class Meta:
        verbose_name = "旧分类代码对照"
        verbose_name_plural = "旧分类代码对照"
        ordering = ["scheme", "legacy_code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "legacy_code"], name="standards_legacy_unique")]

    def __str__(self) -> str:
        return f"{self.legacy_code} {self.legacy_name}"

    def get_absolute_url(self) -> str:
        return reverse("standards:legacyclassmapping_list") + f"?q={self.legacy_code}"

    @property
    def is_mapped(self) -> bool:
        return self.asset_class_id is not None
