"""Attachments: photos and documents on any business object.

An attachment has no scope of its own: it is visible exactly when the object it hangs on is
(``type(obj).objects.scoped(user, "view")``), and only to roles holding ``attachments.<action>_attachment``.
Files live in the default storage under random names and are served only through the app.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, Subquery
from django.utils import timezone

from qinjian.core.models import BaseModel
from qinjian.core.scope import ScopedQuerySet, permission_name


def _storage_name(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}{instance.storage_ext}"


def _thumb_name(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    return f"attachments/thumbs/{now:%Y/%m}/{uuid.uuid4().hex}.jpg"


class AttachmentQuerySet(ScopedQuerySet):
    def alive(self) -> AttachmentQuerySet:
        return self.filter(deleted_at__isnull=True)

    def for_object(self, obj: models.Model) -> AttachmentQuerySet:
        ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
        return self.filter(content_type=ct, object_id=obj.pk)

    def scoped(self, user: Any, action: str = "view") -> AttachmentQuerySet:  # type: ignore[override]
        """Live attachments whose object the user may view, with ``attachments.<action>_attachment``."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if not user.has_perm(permission_name(self.model, action)):
            return self.none()
        q = Q(pk__in=[])
        ct_ids = self.model._base_manager.order_by().values_list("content_type_id", flat=True).distinct()
        for ct_id in ct_ids:
            model = ContentType.objects.get_for_id(ct_id).model_class()
            manager = getattr(model, "objects", None) if model is not None else None
            if manager is None or not hasattr(manager, "scoped"):
                continue  # an object type without a data scope: nothing is reachable
            visible = manager.scoped(user, "view").order_by().values("pk")
            q |= Q(content_type_id=ct_id, object_id__in=Subquery(visible))
        return self.filter(q, deleted_at__isnull=True)


AttachmentManager = models.Manager.from_queryset(AttachmentQuerySet)


class Attachment(BaseModel):
    class Kind(models.TextChoices):
        PHOTO = "photo", "照片"
        FILE = "file", "文件"

    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField("对象编号")
    content_object = GenericForeignKey("content_type", "object_id")
    kind = models.CharField("类别", max_length=8, choices=Kind.choices, default=Kind.FILE)
    file = models.FileField("文件", upload_to=_storage_name, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    file_type = models.CharField("文件类型", max_length=16)
    mime_type = models.CharField("MIME 类型", max_length=120)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    width = models.PositiveIntegerField("宽度", null=True, blank=True)
    height = models.PositiveIntegerField("高度", null=True, blank=True)
    thumbnail = models.FileField("缩略图", upload_to=_thumb_name, max_length=200, blank=True)
    description = models.CharField("说明", max_length=200, blank=True)
    deleted_at = models.DateTimeField("删除时间", null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="删除人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = AttachmentManager()

    # core.audit's FieldFile check trips over an empty file field (non-images have no thumbnail)
    audit_excluded_fields = frozenset({"thumbnail"})
    scope_unit_field = None  # no unit of its own: scoped() follows the object (see AttachmentQuerySet)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_object")]

    def __str__(self) -> str:
        return self.original_name

    storage_ext = ""  # set by the upload service before the file is saved

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.PHOTO

    @property
    def uploader_name(self) -> str:
        user: Any = self.created_by
        return (getattr(user, "display_name", "") or user.username) if user is not None else "系统"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
