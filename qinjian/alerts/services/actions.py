"""What people do with an alert: mark it handled (with a note), close it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from qinjian.core.errors import Conflict, ValidationFailed

from ..choices import AlertStatus, CloseReason
from ..models import Alert

NOTE_MAX = 1000


def _note(note: str | None, field: str, missing: str) -> str:
    text = (note or "").replace("\x00", "").strip()
    if not text:
        raise ValidationFailed(missing, fields={field: [missing]})
    if len(text) > NOTE_MAX:
        msg = f"说明不能超过 {NOTE_MAX} 个字。"
        raise ValidationFailed(msg, fields={field: [msg]})
    return text


@transaction.atomic
def alert_handle(*, alert: Alert, user: Any, note: str) -> Alert:
    """待处理 → 已处理. The alert stays live while its condition holds, and closes when it goes away."""
    text = _note(note, "note", "请填写处理说明。")
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise Conflict(f"该预警{alert.get_status_display()}，不能再标记为已处理。", code="alert_not_open")
    alert.status = AlertStatus.HANDLED
    alert.handled_at = timezone.now()
    alert.handled_by = user
    alert.handle_note = text
    alert.save()
    return alert


@transaction.atomic
def alert_close(*, alert: Alert, user: Any, note: str) -> Alert:
    """待处理/已处理 → 已关闭 by hand. If the condition still holds, the next check raises a new alert."""
    text = _note(note, "note", "请填写关闭说明。")
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.CLOSED:
        raise Conflict("该预警已关闭。", code="alert_closed")
    alert.status = AlertStatus.CLOSED
    alert.closed_at = timezone.now()
    alert.closed_by = user
    alert.close_reason = CloseReason.MANUAL
    alert.close_note = text
    alert.save()
    return alert
