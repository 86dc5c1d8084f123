from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ObjectChange(models.Model):
    """One change to one business row: who, when, from where, before -> after."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False,
    )
    user_name = models.CharField("操作人", max_length=150, blank=True)
    ip = models.CharField("IP 地址", max_length=64, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True, db_index=True)
    source = models.CharField("来源", max_length=16, blank=True)
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    # Found through the (content type, object, time) index below, so no index of their own; and, like
    # ``user``, no database constraint: this table takes a row on every change (an index entry and a check each)
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+",
                                     db_index=False, db_constraint=False)
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    changed_fields = models.JSONField("变更字段", default=list, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        ordering = ["-time", "-id"]
        default_permissions = ("view",)
        permissions = [("export_objectchange", "导出变更记录")]
        indexes = [models.Index(fields=["content_type", "object_id", "-time"], name="core_change_object")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"
