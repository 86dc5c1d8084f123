from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from qinjian.jobs import services


@pytest.fixture(autouse=True)
def _jobs_env(settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "PROGRESS_INTERVAL", 0)  # every progress report is written
    cache.clear()


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Jobs stay queued (as with a real worker that has not picked them up); run them with run_queued()."""
    tasks: list[Any] = []
    monkeypatch.setattr(services, "_enqueue", lambda task: tasks.append(task) or False)
    return tasks


def run_queued(tasks: list[Any]) -> None:
    while tasks:
        services.job_execute(tasks.pop(0).args[0])
