"""Scheduled sweeps (huey): each enabled rule is swept at its frequency; 立即扫描 enqueues one rule."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from qinjian.core import context
from qinjian.jobs.registry import JobOutcome, ProgressFn, job_handler

from .choices import Frequency
from .models import AlertRule
from .registry import get_rule

log = logging.getLogger(__name__)

SWEEP_JOB = "alerts.sweep"


def run_sweep(code: str, *, user: Any = None, source: str = "job") -> dict[str, Any]:
    """Sweep one rule as a job; a failure is kept on the rule's row (最近扫描结果) instead of raised."""
    from .services import sweep_rule

    with context.acting(user=user, source=source):
        try:
            return sweep_rule(code=code).as_dict()
        except Exception as exc:
            log.exception("alert sweep %s failed", code)
            message = getattr(exc, "message", "") or "扫描出错，详见系统日志。"
            AlertRule.objects.filter(code=code).update(last_sweep_at=timezone.now(),
                                                       last_sweep_result={"error": message})
            return {"error": message}


def sweep_due(frequency: str) -> dict[str, dict[str, Any]]:
    codes = AlertRule.objects.filter(enabled=True, frequency=frequency).values_list("code", flat=True)
    return {code: run_sweep(code) for code in codes if get_rule(code) is not None}


@db_task()
def sweep_rule_task(code: str, user_id: int | None = None) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return run_sweep(code, user=user)


@db_periodic_task(crontab(minute="7"))
def sweep_hourly_rules() -> None:
    sweep_due(Frequency.HOURLY)


@db_periodic_task(crontab(hour="2", minute="37"))
def sweep_daily_rules() -> None:
    sweep_due(Frequency.DAILY)


@job_handler(SWEEP_JOB)
def sweep_job(job: Any, progress: ProgressFn) -> JobOutcome:
    """立即扫描 as a tracked background job (the jobs app already acts as the user who started it)."""
    from .services import sweep_rule

    progress(0, 1, "正在扫描")
    result = sweep_rule(code=job.params["code"]).as_dict()
    progress(1, 1, "扫描完成")
    counts = {"新增": result["opened"], "更新": result["updated"], "关闭": result["closed"], "未关闭共": result["live"]}
    return JobOutcome(message="扫描完成：" + "，".join(f"{k} {v} 条" for k, v in counts.items()), counts=counts)
