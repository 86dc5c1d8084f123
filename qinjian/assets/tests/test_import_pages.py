"""The import pages: upload with a unit, preview with classes to confirm, accept all, commit."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qinjian.assets.models import Asset
from qinjian.assets.tests.test_import_assets import MESSY, workbook
from qinjian.core.models import ImportBatch
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db


def test_upload_preview_confirm_commit(client, mini_city):
    user = make_user("unit_asset_officer", mini_city.edu)
    client.force_login(user)
    page = client.get(reverse("assets:asset_import"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "导入到单位" in html and mini_city.edu.name in html and mini_city.health.name not in html
    template = client.get(reverse("assets:asset_import_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")

    refused = client.post(reverse("assets:asset_import"), {
        "unit": str(mini_city.health.pk), "file": SimpleUploadedFile("台账.xlsx", workbook(MESSY))})
    assert refused.status_code == 400 and "无权" in refused.content.decode()

    response = client.post(reverse("assets:asset_import"), {
        "unit": str(mini_city.edu.pk), "file": SimpleUploadedFile("台账.xlsx", workbook(MESSY))})
    assert response.status_code == 302
    batch = ImportBatch.objects.get(kind="assets.asset")
    preview = client.get(response["Location"]).content.decode()
    assert "待确认的资产分类" in preview and "导入到：示范市教育局" in preview and "确认导入" not in preview

    decide = reverse("assets:asset_import_decide", args=[batch.token])
    client.post(decide, {"decide_9": "A05010502"})
    client.post(decide, {"accept_all": "1"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED and "confirm" not in batch.counts
    preview = client.get(response["Location"]).content.decode()
    assert "确认导入" in preview
    client.post(reverse("assets:asset_import_commit", args=[batch.token]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Asset.objects.filter(unit=mini_city.edu).count() == 6
    assert Asset.objects.get(legacy_code="JY-0005").class_code == "A05010502"


def test_other_users_batch_is_not_found(client, mini_city):
    owner = make_user("unit_asset_officer", mini_city.edu)
    from qinjian.core.importing.services import import_upload

    batch = import_upload(user=owner, kind="assets.asset", upload=io.BytesIO(workbook(MESSY)), name="x.xlsx",
                          options={"unit": mini_city.edu.pk})
    other = make_user("center_asset", mini_city.center)
    client.force_login(other)
    assert client.get(reverse("assets:asset_import_preview", args=[batch.token])).status_code == 404
    assert client.post(reverse("assets:asset_import_decide", args=[batch.token]), {"accept_all": "1"}).status_code == 404
