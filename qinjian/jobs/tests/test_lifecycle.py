"""Job lifecycle: queued → running → success / failure / cancelled, progress, acting user and scope."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from qinjian.accounts.models import RoleAssignment
from qinjian.core import context
from qinjian.core.errors import DomainError, NotAllowed
from qinjian.jobs.models import JobRun
from qinjian.jobs.registry import JobOutcome, job_handler
from qinjian.jobs.services import job_cancel, job_start, live_progress, progress_key
from qinjian.org.models import Department, Unit
from qinjian.testing.factories import make_user

from .conftest import run_queued

pytestmark = pytest.mark.django_db
Status = JobRun.Status
SEEN: dict[str, Any] = {}


@job_handler("test.ok")
def ok_handler(job: JobRun, progress: Any) -> JobOutcome:
    SEEN["status"] = JobRun.objects.get(pk=job.pk).status
    ctx = context.current()
    SEEN["actor"], SEEN["source"], SEEN["role"] = ctx.user, ctx.source, ctx.role_code
    SEEN["units"] = set(Unit.objects.scoped(ctx.user, "view").values_list("code", flat=True))
    progress(5, 10, "处理到一半")
    row = JobRun.objects.get(pk=job.pk)
    SEEN["row"] = (row.progress_done, row.progress_total, row.progress_message)
    with transaction.atomic():
        progress(7, 10, "事务中")
        SEEN["row_in_tx"] = JobRun.objects.get(pk=job.pk).progress_done  # the row waits for the commit
        SEEN["cache_in_tx"] = cache.get(progress_key(job.pk))
    return JobOutcome(message="完成了", counts={"rows": 10, "created": 7}, errors=[{"row": 3, "column": "姓名",
                                                                                 "message": "不能为空"}])


@job_handler("test.boom")
def boom_handler(job: JobRun, progress: Any) -> None:
    raise RuntimeError("secret internal detail")


@job_handler("test.refused")
def refused_handler(job: JobRun, progress: Any) -> None:
    raise DomainError("单位编码“X”不存在。")


@job_handler("test.cancel_midway")
def cancel_midway(job: JobRun, progress: Any) -> None:
    unit = Unit.objects.get(code="SFS-JYJ")
    with transaction.atomic():
        Department.objects.create(unit=unit, code="JOB-DEPT", name="任务中写入的部门")
        job_cancel(job=JobRun.objects.get(pk=job.pk), user=context.current().user)  # the user clicks 取消
        progress(1, 2, "继续")  # raises JobCancelled


@pytest.fixture
def admin(mini_city):
    return make_user("unit_admin", mini_city.edu)


def test_job_runs_queued_then_running_then_succeeded_as_its_user(admin, mini_city, queue):
    with context.acting(user=admin, source="web"):
        job = job_start(kind="test.ok", title="测试任务", user=admin, params={"a": 1})
    assert (job.status, job.user, job.unit, job.params, job.kind) == (Status.QUEUED, admin, mini_city.edu, {"a": 1},
                                                                      "test.ok")
    assert job.assignment == RoleAssignment.objects.get(user=admin)
    assert len(queue) == 1 and queue[0].id == job.task_id

    run_queued(queue)

    job.refresh_from_db()
    assert SEEN["status"] == Status.RUNNING
    assert SEEN["actor"].pk == admin.pk and SEEN["source"] == "job" and SEEN["role"] == "unit_admin"
    assert SEEN["units"] == {"SFS-JYJ", "SFS-JYJ-01"}  # the user's scope applies inside the job
    assert SEEN["row"] == (5, 10, "处理到一半")
    assert SEEN["row_in_tx"] == 5 and SEEN["cache_in_tx"] == {"done": 7, "total": 10, "message": "事务中"}
    assert job.status == Status.SUCCEEDED
    assert (job.message, job.counts) == ("完成了", {"rows": 10, "created": 7})
    assert job.errors == [{"row": 3, "column": "姓名", "message": "不能为空"}]
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert live_progress(job)["percent"] == 100


def test_immediate_mode_runs_the_job_at_once(admin):
    job = job_start(kind="test.ok", title="测试任务", user=admin)
    assert job.status == Status.SUCCEEDED


def test_a_job_runs_only_once(admin, queue):
    job = job_start(kind="test.ok", title="测试任务", user=admin)
    task = queue[0]
    run_queued(queue)
    finished = JobRun.objects.get(pk=job.pk).finished_at
    SEEN.clear()
    from qinjian.jobs.services import job_execute

    job_execute(task.args[0])  # a second worker / a retry
    assert SEEN == {} and JobRun.objects.get(pk=job.pk).finished_at == finished


def test_unexpected_error_fails_with_a_chinese_message_and_logs_the_traceback(admin, caplog):
    with caplog.at_level(logging.ERROR, logger="qinjian.jobs"):
        job = job_start(kind="test.boom", title="会出错的任务", user=admin)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.message == (f"任务执行时发生系统错误，未能完成，没有写入半截数据。请稍后重试；如仍失败，请联系系统管理员"
                           f"（任务编号 {job.pk}）。")
    assert "secret" not in job.message
    assert "RuntimeError: secret internal detail" in caplog.text


def test_domain_error_message_is_shown_to_the_user(admin):
    job = job_start(kind="test.refused", title="校验", user=admin)
    assert (job.status, job.message) == (Status.FAILED, "单位编码“X”不存在。")


def test_cancel_while_queued_stops_it_before_it_starts(admin, queue):
    job = job_start(kind="test.ok", title="测试任务", user=admin)
    SEEN.clear()
    job = job_cancel(job=job, user=admin)
    assert job.status == Status.CANCELLED and job.cancel_requested
    run_queued(queue)
    assert SEEN == {}
    assert JobRun.objects.get(pk=job.pk).status == Status.CANCELLED


def test_cancel_while_running_stops_at_the_next_progress_report_and_rolls_back(admin, mini_city):
    job = job_start(kind="test.cancel_midway", title="会被取消的任务", user=admin)
    assert job.status == Status.CANCELLED
    assert job.message == "任务已按您的要求取消，没有写入半截数据。"
    assert not Department.objects.filter(code="JOB-DEPT").exists()


def test_only_the_starter_may_cancel(admin, mini_city, queue):
    job = job_start(kind="test.ok", title="测试任务", user=admin)
    other = make_user("unit_admin", mini_city.edu)
    with pytest.raises(NotAllowed):
        job_cancel(job=job, user=other)
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == (Status.QUEUED, False)


def test_finished_job_cannot_be_cancelled(admin):
    job = job_start(kind="test.ok", title="测试任务", user=admin)
    with pytest.raises(DomainError, match="任务已经结束"):
        job_cancel(job=job, user=admin)
    assert JobRun.objects.get(pk=job.pk).status == Status.SUCCEEDED


def test_job_does_not_run_when_the_role_was_withdrawn(admin, queue):
    job = job_start(kind="test.ok", title="测试任务", user=admin)
    RoleAssignment.objects.filter(user=admin).delete()
    SEEN.clear()
    run_queued(queue)
    job.refresh_from_db()
    assert (job.status, job.message) == (Status.FAILED, "发起任务的账户或其角色已停用，任务未执行。")
    assert SEEN == {}


def test_unknown_kind_is_refused_at_start(admin):
    with pytest.raises(KeyError):
        job_start(kind="test.nothing", title="x", user=admin)
    assert not JobRun.objects.exists()


def test_scope_own_records_and_unit_tree(mini_city):
    staff = make_user("staff", mini_city.edu)  # scope: own records
    colleague = make_user("staff", mini_city.edu)
    school_staff = make_user("staff", mini_city.edu_school)
    unit_admin = make_user("unit_admin", mini_city.edu)  # scope: edu and below
    health_admin = make_user("unit_admin", mini_city.health)
    mine = job_start(kind="test.ok", title="我的", user=staff)
    theirs = job_start(kind="test.ok", title="同事的", user=colleague)
    school = job_start(kind="test.ok", title="学校的", user=school_staff)

    def visible(user):
        return set(JobRun.objects.scoped(user, "view").values_list("pk", flat=True))

    assert visible(staff) == {mine.pk}
    assert visible(unit_admin) == {mine.pk, theirs.pk, school.pk}
    assert visible(health_admin) == set()
