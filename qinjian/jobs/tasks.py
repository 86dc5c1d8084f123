"""The huey tasks: one generic runner for every job kind, and the house-keeping of job rows."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=0)
def run_job(job_id: int) -> None:
    from .services import job_execute

    job_execute(job_id)


@db_periodic_task(crontab(minute="23"))
def cleanup_jobs() -> None:
    from .services import jobs_cleanup

    jobs_cleanup()
