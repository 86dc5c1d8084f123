"""Inbox messages about approvals, written after the deciding transaction commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from qinjian.core.models import Notification


def notify(recipients: Iterable[Any], *, title: str, body: str = "", link: str = "",
           level: str = Notification.Level.INFO) -> None:
    """Queue one message per recipient; nothing is sent if the transaction rolls back."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return

    def send() -> None:
        Notification.objects.bulk_create(
            [Notification(recipient_id=pk, level=level, title=title[:200], body=body, link=link[:300]) for pk in ids]
        )

    transaction.on_commit(send)
