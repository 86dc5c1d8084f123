from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse

from qinjian.core import crypto
from qinjian.core.fields import EncryptedCharField
from qinjian.core.models import BaseModel

from ..choices import Gender, PersonStatus, StaffingType
from .ranks import Rank
from .units import Department, Unit


class Person(BaseModel):
    """A person (人员) working in a unit."""

    code = models.CharField("人员编号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    unit = models.ForeignKey(Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="people")
    department = models.ForeignKey(Department, verbose_name="所在部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="people")
    rank = models.ForeignKey(Rank, verbose_name="职级", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="people")
    post = models.CharField("职务", max_length=100, blank=True)
    staffing_type = models.CharField("编制类型", max_length=16, choices=StaffingType.choices,
                                     default=StaffingType.ADMIN)
    status = models.CharField("状态", max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE,
                              db_index=True)
    phone = EncryptedCharField("手机号码", plain_max_length=20)
    phone_index = models.CharField("手机号索引", max_length=32, blank=True, db_index=True, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True, db_index=True)

    scope_unit_field = "unit"
    audit_masked_fields = frozenset({"phone"})
    audit_excluded_fields = frozenset({"phone_index"})

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["unit__tree_path", "sort_order", "id"]
        permissions = [("export_person", "导出人员"), ("import_person", "导入人员"),
                       ("view_person_phone", "查看完整手机号码")]
        indexes = [models.Index(fields=["unit", "sort_order", "id"], name="org_person_unit_sort")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:person_detail", args=[self.pk])

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone) if self.phone else ""

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_index = crypto.blind_index(self.phone)
        super().save(*args, **kwargs)

    @classmethod
    def own_records_q(cls, user: Any) -> models.Q:
        return models.Q(pk=getattr(user, "person_id", None) or 0)
