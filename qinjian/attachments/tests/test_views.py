"""Pages and API: access follows the object's data scope; denials change nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from qinjian.attachments.models import Attachment
from qinjian.attachments.services import attachment_upload
from qinjian.testing.factories import make_user

from . import samples

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def files(mini_city):
    """One photo on 市教育局 and one on 市卫健委."""
    edu = attachment_upload(obj=mini_city.edu, files=[samples.upload("教育局照片.jpg", samples.jpeg())])[0]
    health = attachment_upload(obj=mini_city.health, files=[samples.upload("卫健委照片.jpg", samples.jpeg())])[0]
    return edu, health


def test_tab_lists_own_attachments_with_count(mini_city, files):
    client = _client(make_user("unit_admin", mini_city.edu))
    response = client.get(mini_city.edu.get_absolute_url() + "?tab=attachments")
    body = response.content.decode()
    assert response.status_code == 200
    assert "教育局照片.jpg" in body and "卫健委照片.jpg" not in body
    assert '附件<span class="badge bg-secondary-lt ms-1">1</span>' in body
    assert 'capture="environment"' in body
    assert reverse("attachments:qr_png", args=["org.unit", mini_city.edu.pk]) in body


def test_another_units_attachment_is_404_everywhere(mini_city, files):
    _, health = files
    client = _client(make_user("unit_admin", mini_city.edu))
    assert client.get(mini_city.health.get_absolute_url() + "?tab=attachments").status_code == 404
    for name in ("attachment_download", "attachment_thumbnail", "attachment_delete"):
        assert client.get(reverse(f"attachments:{name}", args=[health.pk])).status_code == 404
    assert client.post(reverse("attachments:attachment_delete", args=[health.pk])).status_code == 404
    assert client.get(reverse("attachments-api:attachment-detail", args=[health.pk])).status_code == 404
    assert client.get(reverse("attachments-api:attachment-download", args=[health.pk])).status_code == 404
    assert client.delete(reverse("attachments-api:attachment-detail", args=[health.pk])).status_code == 404
    listed = client.get(reverse("attachments-api:attachment-list")).json()
    assert [r["original_name"] for r in listed["results"]] == ["教育局照片.jpg"]
    filtered = client.get(reverse("attachments-api:attachment-list") + f"?model=org.unit&object_id={mini_city.health.pk}")
    assert filtered.json()["results"] == []
    health.refresh_from_db()
    assert health.deleted_at is None


def test_upload_to_an_object_outside_the_scope_changes_nothing(mini_city):
    client = _client(make_user("unit_admin", mini_city.edu))
    url = reverse("attachments:attachment_upload", args=["org.unit", mini_city.health.pk])
    response = client.post(url, {"files": [samples.upload("a.txt", samples.TEXT)]})
    assert response.status_code == 404
    api = client.post(reverse("attachments-api:attachment-list"),
                      {"model": "org.unit", "object_id": mini_city.health.pk, "files": [samples.upload("a.txt", b"x")]})
    assert api.status_code == 404
    assert Attachment.objects.count() == 0


def test_upload_needs_the_permission(mini_city):
    # the audit administrator has no attachments permission at all
    client = _client(make_user("auditadmin", mini_city.center))
    url = reverse("attachments:attachment_upload", args=["org.unit", mini_city.edu.pk])
    assert client.post(url, {"files": [samples.upload("a.txt", b"x")]}).status_code in (403, 404)
    assert Attachment.objects.count() == 0


def test_upload_through_the_page_htmx_and_plain(mini_city, media_root):
    client = _client(make_user("unit_admin", mini_city.edu))
    url = reverse("attachments:attachment_upload", args=["org.unit", mini_city.edu.pk])
    response = client.post(url, {"files": [samples.upload("a.jpg", samples.jpeg()), samples.upload("b.pdf", samples.pdf())],
                                 "description": "说明"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "已上传 2 个文件。" in response.content.decode()
    bad = client.post(url, {"files": [samples.upload("c.jpg", samples.exe())]})
    assert bad.status_code == 302 and bad["Location"] == mini_city.edu.get_absolute_url() + "?tab=attachments"
    assert sorted(Attachment.objects.values_list("original_name", flat=True)) == ["a.jpg", "b.pdf"]


def test_download_headers(mini_city):
    user = make_user("unit_admin", mini_city.edu)
    client = _client(user)
    doc = attachment_upload(obj=mini_city.edu, files=[samples.upload("报告 2026.docx", samples.docx())])[0]
    pdf = attachment_upload(obj=mini_city.edu, files=[samples.upload("扫描.pdf", samples.pdf())])[0]
    response = client.get(reverse("attachments:attachment_download", args=[doc.pk]) + "?inline=1")
    assert response.status_code == 200
    assert response["Content-Type"] == doc.mime_type
    assert response["Content-Disposition"].startswith("attachment;")  # never inline for documents
    assert "filename*=utf-8''%E6%8A%A5%E5%91%8A%202026.docx" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == samples.docx()
    inline = client.get(reverse("attachments:attachment_download", args=[pdf.pk]) + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline;")


def test_soft_deleted_attachment_disappears(mini_city, files):
    edu, _ = files
    client = _client(make_user("unit_admin", mini_city.edu))
    response = client.post(reverse("attachments:attachment_delete", args=[edu.pk]))
    assert response.status_code == 302
    assert client.get(reverse("attachments:attachment_download", args=[edu.pk])).status_code == 404
    tab = client.get(mini_city.edu.get_absolute_url() + "?tab=attachments").content.decode()
    assert reverse("attachments:attachment_download", args=[edu.pk]) not in tab
    assert "还没有附件" in tab
    edu.refresh_from_db()
    assert edu.deleted_at is not None


def test_delete_needs_the_delete_permission(mini_city, files):
    edu, _ = files
    client = _client(make_user("unit_asset_officer", mini_city.edu))  # may view and add, not delete
    assert client.post(reverse("attachments:attachment_delete", args=[edu.pk])).status_code == 403
    assert client.delete(reverse("attachments-api:attachment-detail", args=[edu.pk])).status_code == 403
    edu.refresh_from_db()
    assert edu.deleted_at is None


def test_api_upload_list_and_delete(mini_city):
    client = _client(make_user("unit_admin", mini_city.edu))
    response = client.post(reverse("attachments-api:attachment-list"), {
        "model": "org.unit", "object_id": mini_city.edu.pk, "description": "接口上传",
        "files": [samples.upload("a.png", samples.png()), samples.upload("b.txt", samples.TEXT)]})
    assert response.status_code == 201, response.content
    rows = response.json()
    assert [(r["original_name"], r["kind"], r["file_type"]) for r in rows] == [
        ("a.png", "photo", "png"), ("b.txt", "file", "text")]
    bad = client.post(reverse("attachments-api:attachment-list"), {
        "model": "org.unit", "object_id": mini_city.edu.pk, "files": [samples.upload("x.xlsx", samples.zip_bomb())]})
    assert bad.status_code == 400
    assert json.loads(bad.content)["message"].startswith("文件“x.xlsx”的压缩比异常（疑似压缩炸弹）")
    assert client.delete(reverse("attachments-api:attachment-detail", args=[rows[0]["id"]])).status_code == 204
    listed = client.get(reverse("attachments-api:attachment-list") + f"?model=org.unit&object_id={mini_city.edu.pk}")
    assert [r["original_name"] for r in listed.json()["results"]] == ["b.txt"]


def test_api_needs_authentication(mini_city, files):
    response = Client().get(reverse("attachments-api:attachment-list"))
    assert response.status_code in (401, 403) and "code" in response.json()
