"""Job handlers by kind. An app registers ``@job_handler("org.person_import")`` on a function taking
``(job, progress)``; ``progress(done, total, message)`` reports how far it got (and raises
:class:`JobCancelled` once the user has cancelled the job)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class JobCancelled(Exception):
    """Raised by the progress callback when the user cancelled the job: the handler stops there."""


class ProgressFn(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


@dataclass
class JobOutcome:
    """What a handler hands back; every part is optional."""

    message: str = ""
    counts: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"row", "column", "message"}
    file_path: str = ""  # a file to keep as the job's result (copied under MEDIA_ROOT)
    file_name: str = ""  # the name the user downloads it as
    next_url: str = ""  # where the user goes when the job succeeded (e.g. the import preview)


Handler = Callable[[Any, ProgressFn], "JobOutcome | None"]
_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def get_handler(kind: str) -> Handler:
    if kind not in _HANDLERS:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")  # each app's jobs.py registers its handlers
    return _HANDLERS[kind]


def kinds() -> list[str]:
    return sorted(_HANDLERS)
