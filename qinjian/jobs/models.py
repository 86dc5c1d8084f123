"""A background job run: who started it, what it did, how far it got, and what came out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from qinjian.core.models import BaseModel


def result_upload_to(instance: JobRun, filename: str) -> str:
    # Never a user-supplied name in the path; the download name is kept apart (result_name).
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return timezone.localdate().strftime("jobs/%Y/%m/") + f"job-{instance.pk}-{instance.task_id or 'x'}.{suffix}"


class JobRun(BaseModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "运行中"
        SUCCEEDED = "succeeded", "成功"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField("任务类型", max_length=64, db_index=True)
    title = models.CharField("任务名称", max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT,
                             related_name="job_runs")
    unit = models.ForeignKey("org.Unit", verbose_name="发起单位", on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey("accounts.RoleAssignment", verbose_name="发起时的角色", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress_done = models.PositiveIntegerField("已完成", default=0)
    progress_total = models.PositiveIntegerField("总量", default=0)
    progress_message = models.CharField("进度说明", max_length=200, blank=True)
    message = models.CharField("结果说明", max_length=500, blank=True)
    counts = models.JSONField("统计", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    result_file = models.FileField("结果文件", upload_to=result_upload_to, max_length=255, blank=True)
    result_name = models.CharField("下载文件名", max_length=200, blank=True)
    next_url = models.CharField("完成后前往", max_length=500, blank=True)
    target_type = models.ForeignKey(ContentType, verbose_name="处理对象类型", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    target_id = models.CharField("处理对象", max_length=64, blank=True)
    cancel_requested = models.BooleanField("已请求取消", default=False)
    task_id = models.CharField("队列任务编号", max_length=64, blank=True, db_index=True)
    request_id = models.CharField("请求编号", max_length=32, blank=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    scope_unit_field = "unit"
    # Progress and outcome are written with QuerySet.update (the row is itself the record of the run);
    # result_file also because core.audit's snapshot trips over an empty FieldFile.
    audit_excluded_fields = frozenset({"progress_done", "progress_total", "progress_message", "result_file"})

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["target_type", "target_id"], name="jobs_jobrun_target")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("jobs:jobrun_detail", args=[self.pk])

    @classmethod
    def own_records_q(cls, user: Any) -> models.Q:
        return models.Q(user=user)

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return max(0, min(100, int(self.progress_done * 100 / self.progress_total)))

    @property
    def duration(self) -> str:
        if self.started_at is None:
            return ""
        seconds = int(((self.finished_at or timezone.now()) - self.started_at).total_seconds())
        if seconds < 60:
            return f"{seconds} 秒"
        if seconds < 3600:
            return f"{seconds // 60} 分 {seconds % 60} 秒"
        return f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分"
