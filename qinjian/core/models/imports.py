from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


def import_upload_to(instance: ImportBatch, filename: str) -> str:
    # Never trust the uploaded name for the path; keep only a safe suffix.
    suffix = ".xlsx" if instance.file_format == "xlsx" else ".csv"
    return timezone.localdate().strftime("imports/%Y/%m/") + f"{instance.token}{suffix}"


class ImportBatch(models.Model):
    """One uploaded import file between preview and commit, and the record of what it did."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        VALIDATING = "validating", "校验中"
        REJECTED = "rejected", "文件无法导入"
        INVALID = "invalid", "校验未通过"
        VALIDATED = "validated", "待确认"
        COMMITTING = "committing", "导入中"
        COMMITTED = "committed", "已导入"
        FAILED = "failed", "导入失败"
        EXPIRED = "expired", "已过期"

    token = models.CharField("批次号", max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                             related_name="import_batches")
    kind = models.CharField("导入类型", max_length=64, db_index=True)
    original_name = models.CharField("原文件名", max_length=255)
    file = models.FileField("文件", upload_to=import_upload_to, max_length=255, blank=True)
    file_format = models.CharField("文件格式", max_length=8)
    file_size = models.BigIntegerField("文件大小", default=0)
    sha256 = models.CharField("文件摘要", max_length=64, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.UPLOADED,
                              db_index=True)
    message = models.CharField("说明", max_length=500, blank=True)
    sheet = models.CharField("工作表", max_length=100, blank=True)
    header_row = models.PositiveIntegerField("表头行", default=0)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    counts = models.JSONField("统计", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    preview = models.JSONField("预览", default=dict, blank=True)
    progress_done = models.PositiveIntegerField("进度", default=0)
    progress_total = models.PositiveIntegerField("总量", default=0)
    created_at = models.DateTimeField("上传时间", auto_now_add=True, db_index=True)
    validated_at = models.DateTimeField("校验时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @staticmethod
    def ttl() -> datetime.timedelta:
        return datetime.timedelta(hours=int(getattr(settings, "QINJIAN_IMPORT_TTL_HOURS", 24)))

    @property
    def expires_at(self) -> datetime.datetime:
        return self.created_at + self.ttl()

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.status in (self.Status.VALIDATED, self.Status.INVALID, self.Status.UPLOADED)
            and timezone.now() > self.expires_at
        )

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.VALIDATED and not self.is_expired
