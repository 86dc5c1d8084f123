from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The job worker's last sign of life, read by /healthz."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)
    pid = models.IntegerField(default=0)

    class Meta:
        verbose_name = "任务进程心跳"
        verbose_name_plural = "任务进程心跳"

    def __str__(self) -> str:
        return self.name
