"""Large imports run as background jobs: upload → validation job → preview → commit job → done;
large list exports run as a job that leaves the file on its progress page."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from qinjian.core.importing.reader import estimate_rows
from qinjian.core.models import ImportBatch, SecurityEvent
from qinjian.jobs.models import JobRun
from qinjian.org.models import Person
from qinjian.org.tests.test_import_support import PERSON_HEADER, person_row, upload_file, xlsx
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db
Status = JobRun.Status


@pytest.fixture(autouse=True)
def env(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.QINJIAN_IMPORT_JOB_ROWS = 3
    settings.QINJIAN_EXPORT_JOB_ROWS = 5
    cache.clear()


@pytest.fixture
def admin(mini_city):
    return make_user("center_office", mini_city.city)


def rows(n, start=0, unit="SFS-JYJ"):
    return [person_row(f"J{i:04d}", f"任务导入{i}", unit, phone=f"139{i:08d}") for i in range(start, start + n)]


def test_estimate_rows_reads_the_dimension_or_counts_lines(tmp_path):
    from django.core.files.base import ContentFile

    assert estimate_rows(ContentFile(xlsx([PERSON_HEADER, *rows(7)])), "xlsx") == 8
    assert estimate_rows(ContentFile(b"a,b\n1,2\n3,4\n"), "csv") == 3
    assert estimate_rows(ContentFile(b"not a zip"), "xlsx") == 0


def test_large_people_import_runs_as_validation_and_commit_jobs(client, admin, mini_city):
    client.force_login(admin)
    data = xlsx([PERSON_HEADER, *rows(5)])
    response = client.post(reverse("org:person_import"), {"file": upload_file(data, "大批人员.xlsx")})
    batch = ImportBatch.objects.get()
    validation = JobRun.objects.get()
    assert response.status_code == 302 and response["Location"] == validation.get_absolute_url()
    assert (validation.kind, validation.status, validation.user) == ("import.validate", Status.SUCCEEDED, admin)
    assert validation.title == "校验人员导入文件：大批人员.xlsx"
    assert validation.counts == {"rows": 5, "create": 5, "update": 0, "unchanged": 0, "error": 0}
    assert validation.message == "校验通过：共 5 行，请在预览中确认后导入。"
    preview_url = reverse("org:person_import_preview", args=[batch.token])
    assert validation.next_url == preview_url
    page = client.get(validation.get_absolute_url()).content.decode()
    assert "校验通过" in page and preview_url in page and "查看结果" in page
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED
    assert "确认导入" in client.get(preview_url).content.decode()
    assert not Person.objects.filter(code__startswith="J").exists()

    response = client.post(reverse("org:person_import_commit", args=[batch.token]))
    commit = JobRun.objects.exclude(pk=validation.pk).get()
    assert response["Location"] == commit.get_absolute_url()
    assert (commit.kind, commit.status) == ("import.commit", Status.SUCCEEDED)
    assert commit.counts == {"rows": 5, "created": 5, "updated": 0, "unchanged": 0}
    assert commit.message == "导入完成：共 5 行，新增 5，更新 0，无变化 0。"
    assert Person.objects.filter(code__startswith="J").count() == 5
    assert "导入完成" in client.get(preview_url).content.decode()
    event = SecurityEvent.objects.get(event_type="import")
    assert event.user_id_ref == admin.pk and event.detail["created"] == 5


def test_validation_job_with_errors_leads_to_the_error_preview(client, admin, mini_city):
    client.force_login(admin)
    bad = [*rows(4), person_row("J9999", "", "SFS-NONE")]
    client.post(reverse("org:person_import"), {"file": upload_file(xlsx([PERSON_HEADER, *bad]))})
    job = JobRun.objects.get()
    batch = ImportBatch.objects.get()
    assert job.status == Status.SUCCEEDED and batch.status == ImportBatch.Status.INVALID
    assert job.counts["error"] == 1 and job.counts["create"] == 4
    assert {(e["row"], e["column"]) for e in job.errors} == {(6, "姓名*"), (6, "所在单位编码*")}
    preview = client.get(reverse("org:person_import_preview", args=[batch.token])).content.decode()
    assert "第 6 行" in preview and "单位编码“SFS-NONE”不存在。" in preview and "确认导入" not in preview


def test_small_files_stay_inline(client, admin, mini_city):
    client.force_login(admin)
    response = client.post(reverse("org:person_import"), {"file": upload_file(xlsx([PERSON_HEADER, *rows(2)]))})
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("org:person_import_preview", args=[batch.token])
    assert not JobRun.objects.exists()


def test_preview_of_a_batch_being_validated_shows_the_job(client, admin, mini_city, monkeypatch):
    monkeypatch.setattr("qinjian.jobs.services._enqueue", lambda task: False)  # the worker has not started
    client.force_login(admin)
    client.post(reverse("org:person_import"), {"file": upload_file(xlsx([PERSON_HEADER, *rows(5)]))})
    job = JobRun.objects.get()
    batch = ImportBatch.objects.get()
    assert job.status == Status.QUEUED
    response = client.get(reverse("org:person_import_preview", args=[batch.token]))
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    other = make_user("center_office", mini_city.city)
    client.force_login(other)
    assert client.get(reverse("org:person_import_preview", args=[batch.token])).status_code == 404


def test_commit_job_fails_cleanly_when_data_changed_after_preview(client, admin, mini_city):
    from qinjian.org.services.units import unit_deactivate

    client.force_login(admin)
    data = xlsx([PERSON_HEADER, *rows(4), person_row("J0100", "区里的人", "SFS-SFQ")])
    client.post(reverse("org:person_import"), {"file": upload_file(data)})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALIDATED
    unit_deactivate(unit=mini_city.district)
    people = Person.objects.count()
    client.post(reverse("org:person_import_commit", args=[batch.token]))
    commit = JobRun.objects.get(kind="import.commit")
    assert commit.status == Status.FAILED
    assert commit.message == ("数据在预览后发生了变化，重新校验发现 1 行有错误，本次没有导入任何数据。"
                              "请重新上传文件查看错误。")
    assert Person.objects.count() == people
    page = client.get(commit.get_absolute_url()).content.decode()
    assert "本次没有导入任何数据" in page and "返回" in page


def test_large_export_runs_as_a_job_with_the_file_at_the_end(client, mini_city):
    officer = make_user("center_office", mini_city.center)
    client.force_login(officer)
    response = client.get("/org/people/?export=xlsx&sort=code")
    job = JobRun.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.counts) == ("ui.list_export", Status.SUCCEEDED, {"exported": 12})
    assert job.title == "导出“人员”（12 条）" and job.result_name.startswith("人员_") and job.message == "已导出 12 行。"
    page = client.get(job.get_absolute_url()).content.decode()
    assert "下载" in page and "已导出行数" in page
    download = client.get(reverse("jobs:jobrun_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][0] == "人员" and len(table) == 2 + 12
    codes = [r[1] for r in table[2:]]
    assert codes == sorted(Person.objects.values_list("code", flat=True))
    event = SecurityEvent.objects.get(event_type="export")
    assert event.user_id_ref == officer.pk and event.detail["obj_count"] == 12 and event.detail["job"] == job.pk
    assert event.detail["filters"] == {"sort": ["code"]}


def test_export_job_keeps_the_filters_and_scope(client, mini_city):
    unit_admin = make_user("unit_admin", mini_city.city)  # unit tree of the city: every person
    client.force_login(unit_admin)
    client.get(f"/org/people/?export=xlsx&unit={mini_city.edu.pk}&include_sub=on")
    job = JobRun.objects.get()
    assert job.counts == {"exported": 6}


def test_small_export_stays_inline(client, mini_city):
    officer = make_user("center_office", mini_city.center)
    client.force_login(officer)
    response = client.get(f"/org/people/?export=xlsx&unit={mini_city.health.pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not JobRun.objects.exists()
