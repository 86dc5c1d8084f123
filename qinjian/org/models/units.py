from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel

from ..choices import AdminLevel, UnitType


class Region(BaseModel):
    """An administrative division (行政区划): province, city, district/county, township."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=AdminLevel.choices)
    parent = models.ForeignKey("self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")

    scope_unit_field = None  # regions are shared reference data, read through view permission only

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Unit(BaseModel):
    """A government unit (单位) in the tree that data scope follows."""

    code = models.CharField("单位编码", max_length=32, unique=True)
    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True)
    unit_type = models.CharField("单位类型", max_length=32, choices=UnitType.choices)
    level = models.CharField("行政层级", max_length=16, choices=AdminLevel.choices)
    region = models.ForeignKey(Region, verbose_name="所在区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="units")
    parent = models.ForeignKey("self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    tree_path = models.CharField("树路径", max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("层级深度", default=0, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    address = models.CharField("地址", max_length=200, blank=True)
    contact_phone = models.CharField("办公电话", max_length=32, blank=True)
    quota_admin = models.PositiveIntegerField("行政编制数", default=0)
    quota_institution = models.PositiveIntegerField("事业编制数", default=0)
    quota_worker = models.PositiveIntegerField("工勤编制数", default=0)
    is_active = models.BooleanField("启用", default=True, db_index=True)
    remark = models.TextField("备注", blank=True)

    scope_unit_field = "self"

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["tree_path"]
        permissions = [("export_unit", "导出单位"), ("import_unit", "导入单位"), ("move_unit", "调整上级单位")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:unit_detail", args=[self.pk])

    @property
    def staffing_quota(self) -> int:
        return self.quota_admin + self.quota_institution + self.quota_worker

    def is_descendant_of(self, other: Unit) -> bool:
        return bool(other.tree_path) and self.tree_path.startswith(other.tree_path)

    def ancestors(self) -> models.QuerySet[Unit]:
        ids = [int(part, 36) for part in self.tree_path.strip("/").split("/") if part]
        return Unit.objects.filter(pk__in=ids[:-1]).order_by("depth")

    def descendants(self, include_self: bool = False) -> models.QuerySet[Unit]:
        qs = Unit.objects.filter(tree_path__startswith=self.tree_path)
        return qs if include_self else qs.exclude(pk=self.pk)

    @staticmethod
    def path_segment(pk: Any) -> str:
        # base36, fixed width so that ordering by path keeps siblings in id order
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        n, out = int(pk), ""
        while n:
            n, r = divmod(n, 36)
            out = digits[r] + out
        return (out or "0").rjust(6, "0")


class Department(BaseModel):
    """An internal department (内设机构) of a unit."""

    unit = models.ForeignKey(Unit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="departments")
    code = models.CharField("部门编码", max_length=32)
    name = models.CharField("部门名称", max_length=100)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    scope_unit_field = "unit"

    class Meta:
        verbose_name = "内设机构"
        verbose_name_plural = "内设机构"
        ordering = ["unit__tree_path", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="org_department_unit_code")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:department_detail", args=[self.pk])
