"""The import wizard pages: upload → preview → commit, templates, error lists, permissions."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qinjian.core.models import ImportBatch, SecurityEvent
from qinjian.org.models import Person, Unit
from qinjian.testing.factories import make_user

from .test_import_support import PERSON_HEADER, UNIT_HEADER, person_row, unit_row, upload_file, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(mini_city):
    return make_user("center_office", mini_city.city)


def test_person_wizard_end_to_end(client, admin, mini_city):
    client.force_login(admin)
    page = client.get(reverse("org:person_import"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "上传文件" in html and "下载导入模板" in html and "人员编号" in html
    data = xlsx([PERSON_HEADER, person_row("W001", "网页导入", "SFS-JYJ", phone="13911112222")])
    response = client.post(reverse("org:person_import"), {"file": upload_file(data, "人员.xlsx")})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("org:person_import_preview", args=[batch.token])
    preview = client.get(response["Location"]).content.decode()
    assert "将新增" in preview and "确认导入" in preview and "网页导入" in preview and "139****2222" in preview
    assert not Person.objects.filter(code="W001").exists()
    done = client.post(reverse("org:person_import_commit", args=[batch.token]))
    assert done.status_code == 302
    assert Person.objects.filter(code="W001").count() == 1
    final = client.get(done["Location"]).content.decode()
    assert "导入完成" in final and "确认导入" not in final
    again = client.post(reverse("org:person_import_commit", args=[batch.token]), follow=True)
    assert "该文件已经导入，不能重复提交。" in again.content.decode()
    assert Person.objects.filter(code="W001").count() == 1
    assert SecurityEvent.objects.filter(event_type="import").count() == 1


def test_invalid_file_shows_errors_and_offers_the_error_list(client, admin, mini_city):
    client.force_login(admin)
    data = xlsx([PERSON_HEADER, person_row("V001", "错误", "SFS-JYJ", gender="X")])
    client.post(reverse("org:person_import"), {"file": upload_file(data)})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    html = client.get(reverse("org:person_import_preview", args=[batch.token])).content.decode()
    assert "第 2 行" in html and "“X”不是可选的性别" in html and "确认导入" not in html
    errors = client.get(reverse("org:person_import_errors", args=[batch.token]))
    assert errors.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(errors.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("行号", "列", "错误说明")
    assert rows[2] == (2, "性别*", "“X”不是可选的性别，可选：男、女。")
    forced = client.post(reverse("org:person_import_commit", args=[batch.token]), follow=True)
    assert "该导入批次未通过校验，不能导入。" in forced.content.decode()
    assert not Person.objects.filter(code="V001").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 64, "这是一个可执行程序，不是 Excel 文件。"),
        (b"", "上传的文件是空的。"),
        ("甲,乙\n1,2\n".encode(), "在文件中没有找到表头。"),
    ],
)
def test_refused_files_keep_nothing(client, admin, data, message):
    client.force_login(admin)
    response = client.post(reverse("org:person_import"), {"file": upload_file(data, "假装.xlsx")})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportBatch.objects.exclude(status=ImportBatch.Status.REJECTED).exists()
    assert not any(b.file for b in ImportBatch.objects.all())


def test_oversized_upload_is_refused(client, admin, settings):
    settings.QINJIAN_MAX_IMPORT_BYTES = 1024
    client.force_login(admin)
    response = client.post(reverse("org:unit_import"), {"file": upload_file(b"a" * 2048, "big.csv")})
    assert response.status_code == 400
    assert "文件太大" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_other_users_cannot_see_or_commit_a_batch(client, admin, mini_city):
    client.force_login(admin)
    client.post(reverse("org:unit_import"), {"file": upload_file(xlsx([UNIT_HEADER, unit_row("VV-1", "某单位", "SFS")]))})
    batch = ImportBatch.objects.get()
    other = make_user("center_office", mini_city.city)
    client.force_login(other)
    assert client.get(reverse("org:unit_import_preview", args=[batch.token])).status_code == 404
    assert client.post(reverse("org:unit_import_commit", args=[batch.token])).status_code == 404
    assert client.get(reverse("org:unit_import_errors", args=[batch.token])).status_code == 404
    assert not Unit.objects.filter(code="VV-1").exists()


def test_users_without_import_permission_get_403(client, mini_city):
    client.force_login(make_user("unit_admin", mini_city.edu))  # may import people, not units
    assert client.get(reverse("org:unit_import")).status_code == 403
    assert client.get(reverse("org:unit_import_template")).status_code == 403
    response = client.post(reverse("org:unit_import"), {"file": upload_file(xlsx([UNIT_HEADER]))})
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 0
    assert client.get(reverse("org:person_import")).status_code == 200


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("org:person_import"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("name", "header", "kind"), [("org:unit_import_template", UNIT_HEADER, "unit"),
                                                      ("org:person_import_template", PERSON_HEADER, "person")])
def test_templates_have_header_example_and_instructions(client, admin, name, header, kind):
    client.force_login(admin)
    response = client.get(reverse(name))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames[1] == "填写说明"
    data = wb.worksheets[0]
    assert tuple(c.value for c in data[1]) == header
    assert data.cell(row=2, column=1).value in ("SFS-EXAMPLE", "P-EXAMPLE")
    notes = "\n".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "全部成功或全部不导入" in notes
    if kind == "person":
        assert "市级单位：市级正职、市级副职、正局(处)级、副局(处)级、局(处)级以下" in notes
        assert "男、女" in notes
    else:
        assert "党政机关、参照公务员法管理事业单位" in notes


def test_filled_in_template_imports(client, admin, mini_city):
    """The downloaded template, example row left in and one row added, imports that one row."""
    client.force_login(admin)
    response = client.get(reverse("org:person_import_template"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    wb.worksheets[0].append(["M001", "模板用户", "女", "SFS-WJW", "办公室", "", "", "", "", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    client.post(reverse("org:person_import"), {"file": upload_file(buf.getvalue())})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert (batch.total_rows, batch.counts["create"]) == (1, 1)
