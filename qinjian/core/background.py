"""Long actions as background jobs, without core knowing the job engine.

The jobs app installs a :class:`Runner` at start-up (``qinjian.jobs.apps``). Core code asks
:func:`runner`; ``None`` means no engine is installed and the caller does the work inline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.http import HttpResponseBase


@dataclass(frozen=True)
class JobRef:
    """What core needs to know about a started job: where its progress page is, and whether it ended."""

    pk: int
    url: str
    status: str
    finished: bool


class Runner(Protocol):
    def start(self, *, kind: str, title: str, user: Any, params: dict[str, Any], target: Any = None,
              next_url: str = "") -> JobRef: ...

    def active_for(self, *, target: Any, user: Any) -> JobRef | None: ...

    def export(self, view: Any, queryset: Any) -> HttpResponseBase | None: ...


_runner: Runner | None = None


def install(runner: Runner | None) -> None:
    global _runner
    _runner = runner


def runner() -> Runner | None:
    return _runner


def import_job_rows() -> int:
    """Imports with more rows than this validate and commit as background jobs."""
    return int(getattr(settings, "QINJIAN_IMPORT_JOB_ROWS", 2000))


def export_job_rows() -> int:
    """List exports with more rows than this are written by a background job."""
    return int(getattr(settings, "QINJIAN_EXPORT_JOB_ROWS", 5000))


def export_hook(view: Any, queryset: Any) -> HttpResponseBase | None:
    """For ObjectListView.export: a response when the export runs as a job (or is the job), else None."""
    return _runner.export(view, queryset) if _runner is not None else None
