"""Uploading and deleting attachments. Views, the API and other apps call these, never the model."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import IO, Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.utils import timezone

from qinjian.core.audit import log_change
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import ObjectChange

from . import sniffing
from .images import inspect_image
from .models import Attachment
from .registry import is_attachable

MAX_FILES_PER_UPLOAD = 20
MAX_NAME = 200


def _clean_name(name: str) -> str:
    # Only the last path part, without control characters; the storage name is random anyway.
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".") or "未命名文件"
    if len(name) > MAX_NAME:
        dot = name.rfind(".")
        ext = name[dot:] if dot > 0 and len(name) - dot <= 10 else ""
        name = name[: MAX_NAME - len(ext)] + ext
    return name


def _digest(handle: IO[bytes]) -> tuple[str, int]:
    handle.seek(0)
    sha = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        sha.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return sha.hexdigest(), size


def _check_size(name: str, size: int) -> None:
    limit = sniffing.max_upload_bytes()
    if size > limit:
        msg = f"文件“{name}”大小为 {sniffing.human_size(size)}，超过了 {sniffing.human_size(limit)} 的上限。"
        raise ValidationFailed(msg, code="file_too_large", fields={"files": [msg]})


@transaction.atomic
def attachment_upload(*, obj: models.Model, files: Sequence[Any], description: str = "",
                      kind: str = "") -> list[Attachment]:
    """Check every file first (all or nothing), then store them. ``files`` are Django UploadedFiles
    (or anything with ``name``, ``size`` and file methods). ``kind`` forces 照片/文件; by default
    images are photos."""
    if not is_attachable(type(obj)):
        raise ValidationFailed("该对象不支持上传附件。", code="not_attachable")
    if not files:
        raise ValidationFailed("请选择要上传的文件。", code="no_files", fields={"files": ["请选择要上传的文件。"]})
    if len(files) > MAX_FILES_PER_UPLOAD:
        msg = f"一次最多上传 {MAX_FILES_PER_UPLOAD} 个文件。"
        raise ValidationFailed(msg, code="too_many_files", fields={"files": [msg]})
    if kind and kind not in Attachment.Kind.values:
        raise ValidationFailed("附件类别无效。", fields={"kind": ["请选择“照片”或“文件”。"]})
    description = (description or "").strip()
    if len(description) > 200:
        raise ValidationFailed("说明不能超过 200 个字。", fields={"description": ["说明不能超过 200 个字。"]})

    prepared = []
    for upload in files:
        name = _clean_name(getattr(upload, "name", "") or "")
        declared = getattr(upload, "size", None)
        if declared is not None:
            _check_size(name, int(declared))  # before reading a byte of an oversized file
        handle = upload.file if hasattr(upload, "file") else upload
        sha, size = _digest(handle)
        _check_size(name, size)
        file_type = sniffing.detect(handle, name)
        image = inspect_image(handle, name) if file_type.is_image else None
        prepared.append((upload, handle, name, sha, size, file_type, image))

    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    saved: list[Attachment] = []
    stored: list[Any] = []
    try:
        for _upload, handle, name, sha, size, file_type, image in prepared:
            dot = name.rfind(".")
            has_ext = dot > 0 and name[dot:].lower() in file_type.extensions
            att = Attachment(
                content_type=ct, object_id=obj.pk,
                kind=kind or (Attachment.Kind.PHOTO if file_type.is_image else Attachment.Kind.FILE),
                original_name=name if has_ext else name + file_type.extensions[0],
                file_type=file_type.key, mime_type=file_type.mime, size=size, sha256=sha,
                description=description,
                width=image.width if image else None, height=image.height if image else None,
            )
            att.storage_ext = file_type.extensions[0]
            handle.seek(0)
            att.file.save("upload", File(handle), save=False)
            stored.append(att.file)
            if image is not None:
                att.thumbnail.save("thumb.jpg", ContentFile(image.thumbnail), save=False)
                stored.append(att.thumbnail)
            att.save()
            saved.append(att)
        names = "、".join(f"“{a.original_name}”" for a in saved)
        log_change(obj, ObjectChange.Action.UPDATE, message=f"上传附件 {names}")
    except BaseException:
        for field_file in stored:  # the rows roll back; do not leave their files behind
            field_file.storage.delete(field_file.name)
        raise
    return saved


@transaction.atomic
def attachment_delete(*, attachment: Attachment, user: Any) -> Attachment:
    """Soft delete: the row and file stay (for the record), the attachment disappears everywhere."""
    att = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if att.deleted_at is not None:
        raise ValidationFailed("该附件已被删除。", code="already_deleted")
    att.deleted_at = timezone.now()
    att.deleted_by = user if getattr(user, "is_authenticated", False) else None
    att.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    obj = att.content_object
    if obj is not None:
        log_change(obj, ObjectChange.Action.UPDATE, message=f"删除附件“{att.original_name}”")
    return att
