"""Starting, running and cancelling background jobs.

``job_start`` records a JobRun and enqueues one generic huey task; the worker (``job_execute``)
claims the row, binds the user who started it (with the role they had) and runs the handler
registered for the job's kind. Progress goes to the cache at once (readable while the handler's
own transaction is open) and to the row at most every ``PROGRESS_INTERVAL`` seconds.
"""

from __future__ import annotations

import contextvars
import logging
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files import File
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from qinjian.core import context
from qinjian.core.errors import DomainError, NotAllowed
from qinjian.core.scope import active_assignment

from .models import JobRun
from .registry import JobCancelled, JobOutcome, get_handler

logger = logging.getLogger("qinjian.jobs")

PROGRESS_INTERVAL = 0.5
CACHE_SECONDS = 6 * 3600
SYSTEM_ERROR = "任务执行时发生系统错误，未能完成，没有写入半截数据。请稍后重试；如仍失败，请联系系统管理员（任务编号 {pk}）。"
Status = JobRun.Status

_current: contextvars.ContextVar[tuple[JobRun, Progress] | None] = contextvars.ContextVar("qinjian_job", default=None)


def progress_key(pk: int) -> str:
    return f"qinjian:job-progress:{pk}"


def cancel_key(pk: int) -> str:
    return f"qinjian:job-cancel:{pk}"


def current_job() -> tuple[JobRun, Progress] | None:
    """The job (and its progress callback) this code runs in, if any."""
    return _current.get()


# --------------------------------------------------------------------------------------------- start

def job_start(*, kind: str, title: str, user: Any, params: dict[str, Any] | None = None, target: Any = None,
              next_url: str = "") -> JobRun:
    """Record the job and put it on the queue (after the caller's transaction commits)."""
    from .tasks import run_job

    get_handler(kind)  # an unknown kind is a programming error: fail here, not in the worker
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAllowed("请先登录。")
    assignment = active_assignment(user)
    task = run_job.s(0)
    job = JobRun.objects.create(
        kind=kind, title=title[:200], user=user, unit_id=user.unit_id, assignment=assignment,
        params=params or {}, next_url=next_url[:500], task_id=task.id, request_id=context.current().request_id[:32],
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
    )
    task.args = (job.pk,)
    if _enqueue(task):
        job.refresh_from_db()
    return job


def _enqueue(task: Any) -> bool:
    """Queue the task once the row is committed (workers read it); True when it already ran (immediate mode)."""
    huey = task_huey()
    if huey.immediate:  # tests: huey runs the task right here, inside the caller's transaction
        huey.enqueue(task)
        return True
    transaction.on_commit(lambda: huey.enqueue(task))
    return False


def task_huey() -> Any:
    from .tasks import run_job

    return run_job.huey


def job_cancel(*, job: JobRun, user: Any) -> JobRun:
    """Ask a job to stop. A queued job stops at once; a running one at its next progress report."""
    if getattr(user, "pk", None) != job.user_id:
        raise NotAllowed("只有发起任务的用户才能取消它。")
    if job.is_finished:
        raise DomainError("任务已经结束，无法取消。")
    cache.set(cancel_key(job.pk), True, CACHE_SECONDS)  # seen by the worker even while its transaction holds the lock
    now = timezone.now()
    try:
        stopped = JobRun.objects.filter(pk=job.pk, status=Status.QUEUED).update(
            status=Status.CANCELLED, cancel_requested=True, finished_at=now, updated_at=now,
            message="任务在开始前已取消。")
        if not stopped:
            JobRun.objects.filter(pk=job.pk).update(cancel_requested=True, updated_at=now)
    except OperationalError:  # SQLite: the worker's transaction holds the write lock; the cache flag suffices
        logger.info("job %s: cancel flag left in the cache only (database busy)", job.pk)
    job.refresh_from_db()
    if not job.is_finished:
        job.cancel_requested = True
    return job


# -------------------------------------------------------------------------------------------- progress

class Progress:
    """``progress(done, total, message)``: throttled writes; raises JobCancelled once cancelled."""

    def __init__(self, job: JobRun, interval: float | None = None) -> None:
        self.job_id = job.pk
        self.interval = PROGRESS_INTERVAL if interval is None else interval
        self.last = 0.0
        self.state: dict[str, Any] = {"done": 0, "total": 0, "message": ""}

    def __call__(self, done: int, total: int, message: str = "") -> None:
        self.state = {"done": max(0, int(done)), "total": max(0, int(total)), "message": str(message)[:200]}
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        self.flush()
        if self.cancelled():
            raise JobCancelled

    def flush(self) -> None:
        cache.set(progress_key(self.job_id), self.state, CACHE_SECONDS)
        if not _in_transaction():  # inside a transaction the row would stay invisible until commit
            JobRun.objects.filter(pk=self.job_id).update(
                progress_done=self.state["done"], progress_total=self.state["total"],
                progress_message=self.state["message"], updated_at=timezone.now())

    def cancelled(self) -> bool:
        if cache.get(cancel_key(self.job_id)):
            return True
        return JobRun.objects.filter(pk=self.job_id, cancel_requested=True).exists()


def _in_transaction() -> bool:
    # the atomic blocks a test case wraps every test in do not count (they are not the handler's)
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def live_progress(job: JobRun) -> dict[str, Any]:
    """Progress of a running job: the cache (fresh even mid-transaction), else the row."""
    state = cache.get(progress_key(job.pk)) if job.status == Status.RUNNING else None
    if not state:
        state = {"done": job.progress_done, "total": job.progress_total, "message": job.progress_message}
    done, total = state["done"], state["total"]
    if job.status == Status.SUCCEEDED:
        percent = 100
    else:
        percent = max(0, min(100, int(done * 100 / total))) if total else 0
    cancelling = job.cancel_requested or bool(job.status == Status.RUNNING and cache.get(cancel_key(job.pk)))
    return {**state, "percent": percent, "cancelling": cancelling and not job.is_finished}


# --------------------------------------------------------------------------------------------- execute

def _bind_user(job: JobRun) -> Any:
    """The user who started the job, acting under the role they had; None when that is no longer possible."""
    from qinjian.accounts.models import User

    user = User.objects.filter(pk=job.user_id, is_active=True).select_related("unit").first()
    if user is None:
        return None
    if job.assignment_id is None:  # withdrawn since (the FK was nulled): no role to act under
        return None
    user.set_active_assignment(job.assignment_id)
    assignment = user.get_active_assignment()
    if assignment is None or assignment.pk != job.assignment_id:
        return None
    return user


def job_execute(job_id: int) -> None:
    """Run one job (the huey task calls this). Never raises: the outcome is recorded on the row."""
    now = timezone.now()
    claimed = JobRun.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now, updated_at=now)
    if not claimed:  # cancelled while queued, or already taken by another worker
        return
    job = JobRun.objects.get(pk=job_id)
    user = _bind_user(job)
    if user is None:
        _finish(job, Status.FAILED, message="发起任务的账户或其角色已停用，任务未执行。")
        return
    progress = Progress(job)
    assignment = user.get_active_assignment()
    token = _current.set((job, progress))
    try:
        with context.acting(user=user, source="job", request_id=job.request_id or uuid.uuid4().hex,
                            role_code=assignment.role.code if assignment else ""):
            handler = get_handler(job.kind)
            outcome = handler(job, progress)
    except JobCancelled:
        _finish(job, Status.CANCELLED, message="任务已按您的要求取消，没有写入半截数据。", progress=progress)
    except DomainError as exc:  # a message written for the user
        _finish(job, Status.FAILED, message=exc.message, progress=progress)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, Status.FAILED, message=SYSTEM_ERROR.format(pk=job.pk), progress=progress)
    else:
        if cache.get(cancel_key(job.pk)) and outcome is None:
            _finish(job, Status.CANCELLED, message="任务已按您的要求取消。", progress=progress)
        else:
            _finish(job, Status.SUCCEEDED, outcome=outcome or JobOutcome(), progress=progress)
    finally:
        _current.reset(token)


def _finish(job: JobRun, status: str, *, message: str = "", outcome: JobOutcome | None = None,
            progress: Progress | None = None) -> None:
    values: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "updated_at": timezone.now(),
                              "message": message[:500]}
    if progress is not None:
        values.update(progress_done=progress.state["done"], progress_total=progress.state["total"],
                      progress_message=progress.state["message"])
    if outcome is not None:
        values.update(message=outcome.message[:500], counts=outcome.counts, errors=outcome.errors[:1000],
                      next_url=outcome.next_url[:500] or job.next_url)
        if outcome.file_path:
            path = Path(outcome.file_path)
            try:
                with path.open("rb") as handle:
                    job.result_file.save(path.name, File(handle), save=False)
            finally:
                path.unlink(missing_ok=True)
            values.update(result_file=job.result_file.name, result_name=(outcome.file_name or path.name)[:200])
    JobRun.objects.filter(pk=job.pk).update(**values)
    cache.delete(progress_key(job.pk))
    cache.delete(cancel_key(job.pk))


# ----------------------------------------------------------------------------------------- house-keeping

def jobs_cleanup(*, keep_files_hours: int = 72, stale_hours: int = 6) -> dict[str, int]:
    """Delete result files past their time (they may hold personal data) and close jobs whose worker died."""
    now = timezone.now()
    expired = 0
    for job in JobRun.objects.filter(finished_at__lt=now - timedelta(hours=keep_files_hours)).exclude(
            result_file=""):
        job.result_file.delete(save=False)
        JobRun.objects.filter(pk=job.pk).update(result_file="")
        expired += 1
    stale = JobRun.objects.filter(status=Status.RUNNING, updated_at__lt=now - timedelta(hours=stale_hours))
    stale_count = stale.update(status=Status.FAILED, finished_at=now, updated_at=now,
                               message="后台任务进程中断，任务未完成。请重新发起。")
    return {"files": expired, "stale": stale_count}
