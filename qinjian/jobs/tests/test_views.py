"""The progress page, 后台任务 list, cancel, download and the API: scope, permissions, polling."""

from __future__ import annotations

import tempfile
from typing import Any

import pytest
from django.urls import reverse

from qinjian.jobs.models import JobRun
from qinjian.jobs.registry import JobOutcome, job_handler
from qinjian.jobs.services import job_start
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db
Status = JobRun.Status


@job_handler("test.file")
def file_handler(job: JobRun, progress: Any) -> JobOutcome:
    with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as handle:
        handle.write("结果内容".encode())
    return JobOutcome(message="已生成文件。", counts={"exported": 3}, file_path=handle.name, file_name="结果.txt")


@job_handler("test.slow")
def slow_handler(job: JobRun, progress: Any) -> None:
    return None


@pytest.fixture
def owner(mini_city):
    return make_user("unit_asset_officer", mini_city.edu)


@pytest.fixture
def file_job(owner):
    return job_start(kind="test.file", title="导出测试文件", user=owner)


def test_owner_sees_the_result_and_downloads_the_file(client, owner, file_job):
    client.force_login(owner)
    page = client.get(file_job.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "导出测试文件" in html and "已生成文件。" in html and "已导出行数" in html and "100%" in html
    assert reverse("jobs:jobrun_download", args=[file_job.pk]) in html
    assert 'hx-trigger="every 1s"' not in html  # finished: no polling
    download = client.get(reverse("jobs:jobrun_download", args=[file_job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode() == "结果内容"
    assert "attachment" in download["Content-Disposition"]


def test_other_unit_user_gets_404_for_page_download_and_cancel(client, mini_city, file_job):
    stranger = make_user("unit_asset_officer", mini_city.health)
    client.force_login(stranger)
    for name in ("jobs:jobrun_detail", "jobs:jobrun_download"):
        assert client.get(reverse(name, args=[file_job.pk])).status_code == 404
    assert client.post(reverse("jobs:jobrun_cancel", args=[file_job.pk])).status_code == 404


def test_wider_scope_sees_the_job_but_not_its_file(client, mini_city, file_job):
    unit_admin = make_user("unit_admin", mini_city.edu)
    client.force_login(unit_admin)
    html = client.get(file_job.get_absolute_url()).content.decode()
    assert "导出测试文件" in html and "结果文件只有发起人可以下载。" in html
    assert reverse("jobs:jobrun_download", args=[file_job.pk]) not in html
    assert client.get(reverse("jobs:jobrun_download", args=[file_job.pk])).status_code == 403


def test_running_job_page_polls_and_the_poll_ends_with_a_refresh(client, owner, monkeypatch):
    monkeypatch.setattr("qinjian.jobs.services._enqueue", lambda task: False)
    job = job_start(kind="test.slow", title="排队的任务", user=owner)
    client.force_login(owner)
    html = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in html and "任务已排队" in html and "取消任务" in html
    assert "刷新" in html  # without JS: a link that reloads the page

    JobRun.objects.filter(pk=job.pk).update(status=Status.RUNNING, progress_done=3, progress_total=4,
                                            progress_message="正在校验：3 / 4 行")
    poll = client.get(job.get_absolute_url(), headers={"HX-Request": "true", "HX-Target": "job-progress"})
    fragment = poll.content.decode()
    assert poll.status_code == 200 and "<html" not in fragment
    assert 'id="job-progress"' in fragment and "75%" in fragment and "正在校验：3 / 4 行" in fragment
    assert "HX-Request" in poll["Vary"]

    JobRun.objects.filter(pk=job.pk).update(status=Status.SUCCEEDED)
    done = client.get(job.get_absolute_url(), headers={"HX-Request": "true", "HX-Target": "job-progress"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"

    JobRun.objects.filter(pk=job.pk).update(next_url="/org/people/")
    onward = client.get(job.get_absolute_url(), headers={"HX-Request": "true", "HX-Target": "job-progress"})
    assert onward["HX-Redirect"] == "/org/people/"


def test_cancel_from_the_page(client, owner, monkeypatch):
    monkeypatch.setattr("qinjian.jobs.services._enqueue", lambda task: False)
    job = job_start(kind="test.slow", title="排队的任务", user=owner)
    colleague = make_user("unit_admin", owner.unit)  # sees the job, may not cancel it
    client.force_login(colleague)
    assert client.post(reverse("jobs:jobrun_cancel", args=[job.pk])).status_code == 403
    assert JobRun.objects.get(pk=job.pk).status == Status.QUEUED
    client.force_login(owner)
    response = client.post(reverse("jobs:jobrun_cancel", args=[job.pk]), follow=True)
    assert "任务已取消。" in response.content.decode()
    assert JobRun.objects.get(pk=job.pk).status == Status.CANCELLED


def test_list_shows_own_jobs_only_for_own_scope(client, mini_city):
    staff = make_user("staff", mini_city.edu)
    colleague = make_user("staff", mini_city.edu)
    job_start(kind="test.slow", title="我的导出任务", user=staff)
    job_start(kind="test.slow", title="同事的导出任务", user=colleague)
    client.force_login(staff)
    html = client.get(reverse("jobs:jobrun_list")).content.decode()
    assert "我的导出任务" in html and "同事的导出任务" not in html
    assert "后台任务" in html


def test_without_permission_403(client, mini_city, file_job):
    secadmin = make_user("secadmin", mini_city.center)
    client.force_login(secadmin)
    assert client.get(reverse("jobs:jobrun_list")).status_code == 403
    assert client.get(file_job.get_absolute_url()).status_code == 403


def test_api_lists_scoped_jobs_and_cancels(client, mini_city, owner, file_job, monkeypatch):
    client.force_login(owner)
    data = client.get("/api/jobs/runs/").json()
    assert [r["id"] for r in data["results"]] == [file_job.pk]
    row = data["results"][0]
    assert row["status"] == "succeeded" and row["progress"]["percent"] == 100 and row["counts"] == {"exported": 3}
    assert row["download_url"].endswith(f"/jobs/{file_job.pk}/download/")
    stranger = make_user("unit_asset_officer", mini_city.health)
    client.force_login(stranger)
    assert client.get(f"/api/jobs/runs/{file_job.pk}/").status_code == 404
    assert client.post(f"/api/jobs/runs/{file_job.pk}/cancel/").status_code == 404
    monkeypatch.setattr("qinjian.jobs.services._enqueue", lambda task: False)
    queued = job_start(kind="test.slow", title="排队", user=owner)
    client.force_login(owner)
    answer = client.post(f"/api/jobs/runs/{queued.pk}/cancel/")
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    again = client.post(f"/api/jobs/runs/{queued.pk}/cancel/")
    assert again.status_code == 400 and again.json()["message"] == "任务已经结束，无法取消。"
