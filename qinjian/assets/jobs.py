"""Background jobs of the asset ledger: the monthly depreciation run (started from its page or by the
schedule on the 1st of each month) and the large reports (year-end report, as-of ledger export)."""

from __future__ import annotations

import logging
import tempfile
from typing import Any

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from qinjian.core import context
from qinjian.core.errors import DomainError
from qinjian.jobs.registry import JobOutcome, ProgressFn, job_handler

log = logging.getLogger(__name__)

DEPRECIATION_JOB = "assets.depreciation_run"
YEAR_REPORT_JOB = "assets.year_report"
LEDGER_EXPORT_JOB = "assets.ledger_export"


@job_handler(DEPRECIATION_JOB)
def depreciation_job(job: Any, progress: ProgressFn) -> JobOutcome:
    from .services.depreciation import depreciation_run

    progress(0, 1, "正在准备计提")
    run = depreciation_run(month=job.params["month"], actor=context.current().user, progress=progress)
    return JobOutcome(message=run.message, counts={"计提资产数": run.asset_count, "折旧合计（元）": f"{run.total_amount:,.2f}"},
                      next_url=run.get_absolute_url())


@job_handler(YEAR_REPORT_JOB)
def year_report_job(job: Any, progress: ProgressFn) -> JobOutcome:
    from .reports import write_year_report

    user = context.current().user
    year = int(job.params["year"])
    progress(0, 1, "正在汇总")
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - moved by the job engine
    handle.close()
    name = write_year_report(handle.name, user=user, year=year, unit_id=job.params.get("unit") or None)
    progress(1, 1, "报表已生成")
    return JobOutcome(message=f"{year}年度资产报表已生成。", file_path=handle.name, file_name=name)


@job_handler(LEDGER_EXPORT_JOB)
def ledger_export_job(job: Any, progress: ProgressFn) -> JobOutcome:
    from .reports import write_ledger_export

    user = context.current().user
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - moved by the job engine
    handle.close()
    count, name = write_ledger_export(handle.name, user=user, params=job.params, progress=progress)
    return JobOutcome(message=f"已导出 {count:,} 项资产。", counts={"资产数": count}, file_path=handle.name,
                      file_name=name)


@db_periodic_task(crontab(day="1", hour="1", minute="23"))
def monthly_depreciation() -> None:
    """On the 1st: charge last month's depreciation unless it has been run already."""
    from .services.depreciation import run_previous_month

    with context.acting(user=None, source="job"):
        try:
            run = run_previous_month(today=timezone.localdate())
        except DomainError as exc:
            log.warning("monthly depreciation not run: %s", exc.message)
            return
    if run is not None:
        log.info("monthly depreciation: %s", run.message)


@db_task(retries=1, retry_delay=60)
def rebuild_asset_balances() -> None:
    """Queued when a back-dated journal line made stored month-end balances invalid: rebuild them."""
    from .services.balances import balances_rebuild_invalid

    with context.acting(user=None, source="job"):
        done = balances_rebuild_invalid()
    if done:
        log.info("month-end balances rebuilt: %s month(s)", done)


@db_periodic_task(crontab(hour="2", minute="41"))
def nightly_asset_balances() -> None:
    """Every night: rebuild invalid month-ends and build any of the last 24 that is missing."""
    from .services.balances import balances_build_recent, balances_rebuild_invalid

    with context.acting(user=None, source="job"):
        balances_rebuild_invalid()
        balances_build_recent(only_missing=True)


def register() -> None:
    """The handlers register when this module is imported (AppConfig.ready → hooks)."""
