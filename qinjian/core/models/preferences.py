from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class UserPreference(models.Model):
    """A per-user UI setting (list columns, page size …), keyed by a dotted name."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="preferences")
    key = models.CharField("名称", max_length=100)
    value = models.JSONField("设置", default=dict, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "个人设置"
        verbose_name_plural = "个人设置"
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_userpreference_user_key")]

    def __str__(self) -> str:
        return self.key

    @classmethod
    def get_value(cls, user: Any, key: str, default: Any = None) -> Any:
        if not getattr(user, "is_authenticated", False):
            return default
        row = cls.objects.filter(user=user, key=key).values_list("value", flat=True).first()
        return default if row is None else row

    @classmethod
    def set_value(cls, user: Any, key: str, value: Any) -> None:
        cls.objects.update_or_create(user=user, key=key, defaults={"value": value})
