"""Columns of 任务列表."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html

from qinjian.core.ui.tables import Column, Table

from .models import JobRun

BADGES: dict[str, str] = {
    JobRun.Status.QUEUED: "bg-secondary-lt",
    JobRun.Status.RUNNING: "bg-blue-lt",
    JobRun.Status.SUCCEEDED: "bg-green-lt",
    JobRun.Status.FAILED: "bg-red-lt",
    JobRun.Status.CANCELLED: "bg-yellow-lt",
}


def status_badge(record: JobRun, value: Any) -> Any:
    return format_html('<span class="badge {}">{}</span>', BADGES.get(record.status, ""), record.get_status_display())


def _progress(record: JobRun, value: Any) -> Any:
    if record.status != JobRun.Status.RUNNING:
        return format_html('<span class="text-secondary">{}</span>', record.duration or "—")
    return format_html('<span class="text-secondary">{}%</span>', record.percent)


class JobRunTable(Table):
    model = JobRun
    default_order = ("-created_at", "-id")

    title = Column(linkify=True, required=True)
    status = Column(render=status_badge)
    user = Column(order_by="user__full_name")
    unit = Column(order_by="unit__tree_path", visible=False)
    created_at = Column("发起时间")
    progress = Column("进度/用时", accessor="percent", render=_progress, order_by=None, export=False)
    message = Column(visible=False, order_by=None)
    finished_at = Column(visible=False)
