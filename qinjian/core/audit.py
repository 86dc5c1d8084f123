"""Change logging for every business model (subclasses of BaseModel).

Saves and deletes through the ORM are logged by signal receivers; services that bypass signals
(``QuerySet.update``, bulk operations) call :func:`log_change` themselves. The log write happens in
the same transaction as the business write, so a failed log write rolls the business write back.
"""

from __future__ import annotations

import datetime
import decimal
import json
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

_BY_TYPE: dict[type, Any] = {datetime.date: datetime.date.isoformat, datetime.datetime: datetime.datetime.isoformat,
                             datetime.time: datetime.time.isoformat, decimal.Decimal: str, uuid.UUID: str}


def _jsonable(value: Any) -> Any:
    convert = _BY_TYPE.get(value.__class__)  # the usual types by a lookup, the rest by the checks below
    if convert is not None:
        return convert(value)
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


def created_values(after: dict[str, Any]) -> dict[str, Any]:
    """What a creation record keeps: the fields the new row was given (a blank or empty field is left
    out; its absence says the same, at a third less of the busiest table's size)."""
    return {k: v for k, v in after.items() if v is not None and v != ""}


def log_change(
    instance: models.Model,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> ObjectChange | None:
    if action == ObjectChange.Action.CREATE and after:
        after = created_values(after)
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
    """Write one ObjectChange per change, set-based; same fields as core.audit.log_change.

    The rows go in with the driver's bulk path (``qinjian.core.bulk_insert``: SQLite ``executemany``,
    PostgreSQL ``COPY``), streamed — ``changes`` may be a generator. ``batch_size`` is kept for callers
    and is no longer needed. All rows of one call share the timestamp of the call (one transaction)."""
    content_types: dict[type, int] = {}

    def records() -> Iterable[tuple[int, str, str, str, dict[str, Any] | None, dict[str, Any] | None, str]]:
        for change in changes:
            instance = change.instance
            model = type(instance)
            if model not in content_types:
                content_types[model] = ContentType.objects.get_for_model(model, for_concrete_model=True).pk
            yield (content_types[model], change.action, str(instance.pk), str(instance)[:200], change.before,
                   change.after, change.message)

    return _write_changes(records())


CHANGE_COLUMNS = ("time", "user_id", "user_name", "ip", "request_id", "source", "action", "content_type_id",
                  "object_id", "object_repr", "before", "after", "changed_fields", "message")


def _write_changes(records: Iterable[tuple[int, str, str, str, dict[str, Any] | None, dict[str, Any] | None, str]]
                   ) -> int:
    """(content type id, action, object id, repr, before, after, message) -> ObjectChange rows, as log_change."""
    from django.utils import timezone

    from .bulk_insert import JsonText, insert_rows

    ctx = context.current()
    user = ctx.user if getattr(ctx.user, "is_authenticated", False) else None
    user_id = getattr(user, "pk", None)
    user_name = (getattr(user, "display_name", "") or getattr(user, "username", "")) if user else ctx.source
    now = timezone.now()
    update, create = ObjectChange.Action.UPDATE, ObjectChange.Action.CREATE
    ip, request_id, source = ctx.ip, ctx.request_id, ctx.source

    # rows of one kind share their field names: sorted and encoded once per distinct set
    orders: dict[tuple[str, ...], tuple[str, ...]] = {}
    encoded: dict[tuple[str, ...], JsonText] = {}

    def rows() -> Iterable[tuple[Any, ...]]:
        for content_type, action, object_id, text, before, after, message in records:
            if before is None and after is not None and action == create:  # every field it keeps is new
                after = created_values(after)
                keys = tuple(after)
                changed = orders.get(keys)
                if changed is None:
                    changed = tuple(sorted(keys))
                    if len(orders) < 1024:
                        orders[keys] = changed
            elif before is None and after is not None:
                changed = tuple(sorted(k for k, v in after.items() if v is not None))
            else:
                changed = tuple(sorted(k for k in set(before or {}) | set(after or {})
                                       if (before or {}).get(k) != (after or {}).get(k)))
            if action == update and not changed and not message:
                continue
            fields = encoded.get(changed)
            if fields is None:
                fields = JsonText(json.dumps(list(changed)))
                if len(encoded) < 1024:
                    encoded[changed] = fields
            yield (now, user_id, user_name, ip, request_id, source, action, content_type, object_id, text,
                   before, after, fields, message[:500])

    return insert_rows(ObjectChange, CHANGE_COLUMNS, rows())


def _snapshot_plan(model: type[models.Model]) -> list[tuple[str, bool]]:
    """(attname, masked) of the columns :func:`snapshot` keeps for ``model``, in its order."""
    masked: frozenset[str] = getattr(model, "audit_masked_fields", frozenset())
    excluded = getattr(model, "audit_excluded_fields", frozenset()) | {"created_at", "updated_at"}
    return [(f.attname, f.name in masked) for f in model._meta.concrete_fields if f.name not in excluded]


def bulk_log_created(objs: Sequence[models.Model], *, batch_size: int = 1000) -> int:
    """The change records of freshly bulk-inserted objects, as the post_save receiver writes them
    (``after`` = :func:`snapshot` of each object; the column list is worked out once per model)."""
    plans: dict[type, list[tuple[str, bool]]] = {}

    def after(obj: models.Model) -> dict[str, Any]:
        model = type(obj)
        if model not in plans:
            plans[model] = _snapshot_plan(model)
        return {name: _jsonable(_mask(getattr(obj, name)) if masked else getattr(obj, name))
                for name, masked in plans[model]}

    return bulk_log_changes((Change(obj, ObjectChange.Action.CREATE, after=after(obj)) for obj in objs),
                            batch_size=batch_size)


def bulk_log_created_rows(model: type[models.Model], rows: Iterable[tuple[Any, str, dict[str, Any]]]) -> int:
    """:func:`bulk_log_created` for rows written without model instances (``qinjian.core.bulk_insert``).

    ``rows`` yields (pk, ``str(instance)``, values by attname — every concrete column, as the instance
    would hold them). The record is the one ``bulk_log_created`` would write for that instance: masked
    and excluded fields honoured (:func:`snapshot`)."""
    plan = _snapshot_plan(model)
    plain = frozenset((str, int, float, bool, type(None)))  # what _jsonable returns as it is: skip its checks
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True).pk
    create = ObjectChange.Action.CREATE

    names = [name for name, _ in plan]
    masked = [name for name, is_masked in plan if is_masked]

    def after(values: dict[str, Any]) -> dict[str, Any]:  # snapshot(model(), values), column plan made once
        if masked:
            values = {**values, **{name: _mask(values[name]) for name in masked if name in values}}
        return {name: value if (value := values[name]).__class__ in plain else _jsonable(value)
                for name in names if name in values}

    return _write_changes((content_type, create, str(pk), text[:200], None, after(values), "")
                          for pk, text, values in rows)
