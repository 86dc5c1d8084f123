"""Writing and verifying the security-event chain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import context, crypto
from .models import SecurityChainHead, SecurityEvent

GENESIS = "0" * 64


def _canonical(event: SecurityEvent) -> bytes:
    payload = {
        "time": event.time.isoformat(),
        "type": event.event_type,
        "success": event.success,
        "user_id": event.user_id_ref,
        "username": event.username,
        "role": event.role_code,
        "ip": event.ip,
        "ua": event.user_agent,
        "request_id": event.request_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "prev": event.prev_hash,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def record(
    event_type: str,
    *,
    success: bool = True,
    user: Any = None,
    username: str = "",
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    **detail: Any,
) -> SecurityEvent:
    """Append one event. Runs in its own savepoint; the chain head row serialises writers."""
    ctx = context.current()
    actor = user if user is not None else ctx.user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    with transaction.atomic():
        head = SecurityChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head, _ = SecurityChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
            head = SecurityChainHead.objects.select_for_update().get(pk=1)
        event = SecurityEvent(
            time=timezone.now(),
            event_type=event_type,
            success=success,
            user_id_ref=getattr(actor, "pk", None),
            username=username or getattr(actor, "username", "") or "",
            role_code=ctx.role_code,
            ip=ctx.ip,
            user_agent=ctx.user_agent[:300],
            request_id=ctx.request_id,
            object_type=object_type,
            object_id=str(object_id),
            detail=json.loads(json.dumps(detail, default=str, ensure_ascii=False)),
            prev_hash=head.last_hash,
        )
        event.hash = crypto.mac(crypto.audit_key(), _canonical(event))
        event.save()
        SecurityChainHead.objects.filter(pk=1).update(last_hash=event.hash, count=head.count + 1)
    return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch: int = 2000) -> ChainReport:
    """Walk the chain in id order; report the first row whose MAC or link does not match."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(SecurityEvent.objects.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not rows:
            break
        for event in rows:
            if event.prev_hash != prev:
                return ChainReport(checked, event.pk, "链接断裂：前一条摘要不符（记录被删除或插入）")
            if crypto.mac(crypto.audit_key(), _canonical(event)) != event.hash:
                return ChainReport(checked, event.pk, "摘要不符：记录内容被篡改")
            prev = event.hash
            checked += 1
            last_id = event.pk
    head = SecurityChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return ChainReport(checked, last_id or None, "链头不符：最新记录被删除")
    return ChainReport(checked, None, "")
