"""Change records for bulk writes, which skip the model signals that normally write them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from qinjian.core.audit import Change, bulk_log_changes, snapshot

__all__ = ["Change", "bulk_log_changes", "field_snapshot"]


def field_snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The change-log view of ``instance`` (masked and excluded fields honoured), optionally narrowed."""
    data = snapshot(instance)
    if fields is None:
        return data
    wanted = set(fields)
    return {k: v for k, v in data.items() if k in wanted or k.removesuffix("_id") in wanted}
