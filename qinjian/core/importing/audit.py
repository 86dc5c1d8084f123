"""Change records for bulk writes, which skip the model signals that normally write them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from qinjian.core import context
from qinjian.core.audit import snapshot
from qinjian.core.models import ObjectChange


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


def field_snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The change-log view of ``instance`` (masked and excluded fields honoured), optionally narrowed."""
    data = snapshot(instance)
    if fields is None:
        return data
    wanted = set(fields)
    return {k: v for k, v in data.items() if k in wanted or k.removesuffix("_id") in wanted}
