from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """A message in a user's inbox (站内消息): security notices, and the alert center's alerts later."""

    class Level(models.TextChoices):
        INFO = "info", "提示"
        WARNING = "warning", "预警"
        DANGER = "danger", "严重"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    level = models.CharField("级别", max_length=16, choices=Level.choices, default=Level.INFO)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="core_notif_unread")]

    def __str__(self) -> str:
        return self.title
