"""Periodic jobs of the approvals engine (run by the huey worker)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qinjian.core import context


@db_periodic_task(crontab(minute="*/15"))
def mark_overdue_approval_tasks() -> int:
    """Every quarter hour: mark tasks past their deadline and tell their assignees (once per task)."""
    from .services import approval_mark_overdue

    with context.acting(source="job"):
        return approval_mark_overdue()
