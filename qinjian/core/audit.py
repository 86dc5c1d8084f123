"""Change logging for every business model (subclasses of BaseModel).

Saves and deletes through the ORM are logged by signal receivers; services that bypass signals
(``QuerySet.update``, bulk operations) call :func:`log_change` themselves. The log write happens in
the same transaction as the business write, so a failed log write rolls the business write back.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import context
from .crypto import mask_phone
from .models import BaseModel, ObjectChange


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def _mask(value: Any) -> Any:
    return mask_phone(str(value)) if value else value


def snapshot(instance: models.Model, values: dict[str, Any] | None = None) -> dict[str, Any]:
    masked: frozenset[str] = getattr(instance, "audit_masked_fields", frozenset())
    excluded = getattr(instance, "audit_excluded_fields", frozenset()) | {"created_at", "updated_at"}
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded:
            continue
        if values is not None:
            if field.attname not in values:
                continue
            value = values[field.attname]
        else:
            value = getattr(instance, field.attname)
        if field.name in masked:
            value = _mask(value)
        data[field.attname] = _jsonable(value)
    return data


def log_change(
    instance: models.Model,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> ObjectChange | None:
    changed = sorted(k for k in set(before or {}) | set(after or {}) if (before or {}).get(k) != (after or {}).get(k))
    if action == ObjectChange.Action.UPDATE and not changed and not message:
        return None
    ctx = context.current()
    user = ctx.user if getattr(ctx.user, "is_authenticated", False) else None
    return ObjectChange.objects.create(
        user=user,
        user_name=getattr(user, "display_name", "") or getattr(user, "username", "") if user else ctx.source,
        ip=ctx.ip,
        request_id=ctx.request_id,
        source=ctx.source,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        changed_fields=changed,
        message=message[:500],
    )


@receiver(pre_save)
def _stamp_creator(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, BaseModel):
        return
    if instance._state.adding and instance.created_by_id is None:
        user = context.current().user
        if getattr(user, "is_authenticated", False):
            instance.created_by = user


@receiver(post_save)
def _log_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, BaseModel):
        return
    after = snapshot(instance)
    if created:
        log_change(instance, ObjectChange.Action.CREATE, after=after)
    else:
        loaded = getattr(instance, "_loaded_values", None)
        before = snapshot(instance, loaded) if loaded is not None else None
        if before is not None:
            before = {k: v for k, v in before.items() if k in after}
        log_change(instance, ObjectChange.Action.UPDATE, before=before, after=after)
    instance._loaded_values = {  # type: ignore[attr-defined]
        f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields
    }


@receiver(post_delete)
def _log_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not isinstance(instance, BaseModel):
        return
    log_change(instance, ObjectChange.Action.DELETE, before=snapshot(instance))


def history_for(instance: models.Model) -> models.QuerySet[ObjectChange]:
    ct = ContentType.objects.get_for_model(instance, for_concrete_model=True)
    return ObjectChange.objects.filter(content_type=ct, object_id=str(instance.pk)).select_related("user")


# --- bulk writes (bulk_create/update skip the signals above) -------------------------------------

@dataclass
class Change:
    instance: models.Model
    action: str  # ObjectChange.Action
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    message: str = ""


def bulk_log_changes(changes: Iterable[Change], *, batch_size: int = 1000) -> int:
    """Write one ObjectChange per change in a few INSERTs; same fields as core.audit.log_change."""
    ctx = context.current()
    user = ctx.user if getattr(ctx.user, "is_authenticated", False) else None
    user_name = (getattr(user, "display_name", "") or getattr(user, "username", "")) if user else ctx.source
    content_types: dict[type, ContentType] = {}
    rows: list[ObjectChange] = []
    for change in changes:
        before, after = change.before, change.after
        changed = sorted(k for k in set(before or {}) | set(after or {})
                         if (before or {}).get(k) != (after or {}).get(k))
        if change.action == ObjectChange.Action.UPDATE and not changed and not change.message:
            continue
        model = type(change.instance)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model, for_concrete_model=True)
        rows.append(ObjectChange(
            user=user, user_name=user_name, ip=ctx.ip, request_id=ctx.request_id, source=ctx.source,
            action=change.action, content_type=content_types[model], object_id=str(change.instance.pk),
            object_repr=str(change.instance)[:200], before=before, after=after, changed_fields=changed,
            message=change.message[:500],
        ))
    ObjectChange.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def bulk_log_created(objs: Sequence[models.Model], *, batch_size: int = 1000) -> int:
    """The change records of freshly bulk-inserted objects, as the post_save receiver writes them."""
    return bulk_log_changes((Change(obj, ObjectChange.Action.CREATE, after=snapshot(obj)) for obj in objs),
                            batch_size=batch_size)
