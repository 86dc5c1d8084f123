"""Core periodic jobs. Huey runs them in the worker that `qinjian serve` starts."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from .models import WorkerHeartbeat


def beat() -> None:
    WorkerHeartbeat.objects.update_or_create(
        name=f"{socket.gethostname()}:{os.getpid()}",
        defaults={"beat_at": timezone.now(), "hostname": socket.gethostname(), "pid": os.getpid()},
    )


@on_startup()
def worker_started() -> None:
    beat()


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    beat()
    # forget heartbeats of workers gone for a day
    WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - timedelta(days=1)).delete()


@db_periodic_task(crontab(minute="17"))
def expire_import_batches() -> None:
    """Delete the files of uploads that were never committed (they may hold personal data)."""
    from .importing.services import expire_batches

    expire_batches()
