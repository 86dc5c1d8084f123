"""Versioned reference tables: a table defines its key and value columns, versions carry the rows."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.urls import reverse

from qinjian.core.models import BaseModel

from ..choices import ColumnType, Confidence, VersionStatus
from .base import ReferenceManager


class StandardTable(BaseModel):
    """One kind of standard, e.g. ``office_area`` (办公室使用面积标准)."""

    name = models.SlugField("标识", max_length=60, unique=True,
                            help_text="程序查询时使用的英文标识，如 office_area")
    title = models.CharField("名称", max_length=100)
    category = models.CharField("类别", max_length=30)
    description = models.TextField("说明", blank=True)
    key_columns = models.JSONField("查询条件列", default=list)
    value_columns = models.JSONField("数值列", default=list)
    data_file = models.CharField("数据文件", max_length=100, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = ReferenceManager()  # type: ignore[assignment]
    scope_unit_field = None

    class Meta:
        verbose_name = "标准"
        verbose_name_plural = "标准库"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("standards:standardtable_detail", args=[self.pk])

    @property
    def key_names(self) -> list[str]:
        return [c["name"] for c in self.key_columns]

    @property
    def value_names(self) -> list[str]:
        return [c["name"] for c in self.value_columns]

    def key_label(self, name: str, value: str) -> str:
        """The display label of a key value (``city`` → 市级机关) where the table names choices."""
        for col in self.key_columns:
            if col["name"] == name:
                return str(col.get("choices", {}).get(value, value))
        return value


class StandardVersion(BaseModel):
    """One edition of a table with its source document and the dates it is in force (both inclusive)."""

    table = models.ForeignKey(StandardTable, verbose_name="标准", on_delete=models.PROTECT, related_name="versions")
    code = models.CharField("版本号", max_length=40)
    doc_no = models.CharField("文号", max_length=100, blank=True)
    doc_title = models.CharField("依据文件", max_length=200)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True, help_text="最后一个有效日；留空表示长期有效")
    status = models.CharField("状态", max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    note = models.TextField("说明", blank=True)
    based_on = models.ForeignKey("self", verbose_name="复制自", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    source_hash = models.CharField("数据文件摘要", max_length=64, blank=True, editable=False,
                                   help_text="由数据文件载入时，该版本内容的 SHA-256；界面新建的版本为空")

    objects = ReferenceManager()  # type: ignore[assignment]
    scope_unit_field = None

    class Meta:
        verbose_name = "标准版本"
        verbose_name_plural = "标准版本"
        ordering = ["table", "-effective_from", "-id"]
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="standards_version_code_unique")]
        indexes = [models.Index(fields=["table", "status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.table.title}（{self.code}）"

    def get_absolute_url(self) -> str:
        return reverse("standards:standardversion_detail", args=[self.pk])

    @property
    def source(self) -> str:
        return f"{self.doc_title}（{self.doc_no}）" if self.doc_no else self.doc_title

    @property
    def period(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "长期"
        return f"{self.effective_from.isoformat()} 至 {end}"

    def in_force_on(self, day: datetime.date) -> bool:
        return (self.status == VersionStatus.ACTIVE and self.effective_from <= day
                and (self.effective_to is None or day <= self.effective_to))


class StandardRow(BaseModel):
    """One row of a version: key columns identify it, values are typed by the table's value columns."""

    version = models.ForeignKey(StandardVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="rows")
    key = models.JSONField("查询条件", default=dict)
    key_text = models.CharField("条件文本", max_length=300, editable=False)
    values = models.JSONField("数值", default=dict)
    confidence = models.CharField("可信度", max_length=2, choices=Confidence.choices, default=Confidence.SECONDARY)
    note = models.TextField("备注", blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = ReferenceManager()  # type: ignore[assignment]
    scope_unit_field = None

    class Meta:
        verbose_name = "标准数据行"
        verbose_name_plural = "标准数据行"
        ordering = ["version", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key_text"], name="standards_row_key_unique")]

    def __str__(self) -> str:
        return self.key_text

    def get_absolute_url(self) -> str:
        return self.version.get_absolute_url()


def key_text(key: dict[str, Any], names: list[str]) -> str:
    """The canonical text of a row key in the table's column order (what lookups match on)."""
    return "|".join(f"{n}={str(key.get(n, '') or '').strip()}" for n in names)


def parse_value(raw: Any, col_type: str) -> Decimal | int | str | None:
    """A stored (string) value as its column type; '' and None are unknown (None)."""
    if raw is None or raw == "":
        return None
    if col_type == ColumnType.DECIMAL:
        return Decimal(str(raw))
    if col_type == ColumnType.INTEGER:
        return int(str(raw))
    return str(raw)


def clean_value(raw: Any, col_type: str) -> str:
    """User or file input as the stored text of a value; raises ValueError with a Chinese message."""
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("，", "")
    if text == "":
        return ""
    if col_type == ColumnType.DECIMAL:
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"“{text[:20]}”不是有效的数值") from exc
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise ValueError(f"“{text[:20]}”不是有效的数值")
        return format(number.normalize(), "f") if number == number.to_integral() else format(number, "f")
    if col_type == ColumnType.INTEGER:
        if not text.lstrip("-").isdigit() or len(text) > 12:
            raise ValueError(f"“{text[:20]}”不是整数")
        return str(int(text))
    return text[:500]
