"""盘点 pages and API: permissions and scope, the scans endpoint (single, batch, resend), lookup, the
discrepancy report and its Excel file, resolutions through the page, photos from the phone."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from qinjian.testing.factories import DEFAULT_PASSWORD, AssetFactory, make_user

from ..choices import AssetStatus, CampaignStatus, Resolution, StocktakeResult
from ..models import Asset, StocktakeCampaign, StocktakeItem, StocktakeScan
from ..services.stocktake import campaign_close, campaign_create, campaign_start, stocktake_scan

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def client_for(user: Any) -> Client:
    c = Client()
    assert c.login(username=user.username, password=DEFAULT_PASSWORD)
    return c


@pytest.fixture
def w(mini_city: Any) -> Any:
    class W:
        pass

    x = W()
    x.city = mini_city
    x.officer = make_user("unit_asset_officer", mini_city.edu)
    x.counter = make_user("staff", mini_city.edu)
    x.other_staff = make_user("staff", mini_city.edu)
    x.health_officer = make_user("unit_asset_officer", mini_city.health)
    x.cards = [AssetFactory(unit=mini_city.edu, location="教育局301室") for _ in range(3)]
    x.health_card = AssetFactory(unit=mini_city.health, location="卫健委201室")
    x.campaign = campaign_create(actor=x.officer, unit=mini_city.edu, name="年度盘点", units=[mini_city.edu],
                                 planned_start=TODAY, planned_end=TODAY, counters=[x.counter])
    return x


def _start(w: Any) -> StocktakeCampaign:
    return campaign_start(campaign=w.campaign, actor=w.officer)


def test_create_start_and_close_through_the_pages(w):
    c = client_for(w.officer)
    response = c.post(reverse("assets:stocktakecampaign_create"), {
        "name": "办公设备专项盘点", "unit": w.city.edu.pk, "units": [w.city.edu.pk], "planned_start": TODAY,
        "planned_end": TODAY, "class_prefixes": "A0201", "counters": [w.counter.pk]})
    assert response.status_code == 302
    campaign = StocktakeCampaign.objects.get(name="办公设备专项盘点")
    assert list(campaign.counters.all()) == [w.counter]
    # a person without the 盘点 permission cannot be a counter
    admin = make_user("unit_admin", w.city.edu)
    bad = c.post(reverse("assets:stocktakecampaign_create"), {
        "name": "x", "unit": w.city.edu.pk, "units": [w.city.edu.pk], "planned_start": TODAY, "planned_end": TODAY,
        "counters": [admin.pk]})
    assert bad.status_code == 200 and "盘点人" in bad.content.decode()
    assert c.get(campaign.get_absolute_url()).status_code == 200
    assert c.post(reverse("assets:stocktakecampaign_start", args=[campaign.pk])).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE and campaign.item_count == 3
    page = c.get(campaign.get_absolute_url()).content.decode()
    assert "各单位盘点进度" in page and "手机盘点" in page
    assert c.get(reverse("assets:stocktakecampaign_list")).status_code == 200
    assert c.post(reverse("assets:stocktakecampaign_close", args=[campaign.pk])).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    assert campaign.items.filter(result=StocktakeResult.MISSING).count() == 3
    assert c.get(reverse("assets:stocktakecampaign_edit", args=[campaign.pk])).status_code == 403


def test_other_unit_cannot_see_or_change(w):
    _start(w)
    c = client_for(w.health_officer)
    assert c.get(w.campaign.get_absolute_url()).status_code == 404
    assert c.post(reverse("assets:stocktakecampaign_close", args=[w.campaign.pk])).status_code == 404
    assert c.get(reverse("assets:stocktakecampaign_count", args=[w.campaign.pk])).status_code == 404
    url = reverse("assets-api:stocktake-campaign-scans", args=[w.campaign.pk])
    answer = c.post(url, {"client_id": "other-unit-0001", "code": w.cards[0].code}, content_type="application/json")
    assert answer.status_code == 404
    assert not StocktakeScan.objects.exists()
    w.campaign.refresh_from_db()
    assert w.campaign.status == CampaignStatus.ACTIVE


def test_phone_page_for_counters_only(w):
    _start(w)
    url = reverse("assets:stocktakecampaign_count", args=[w.campaign.pk])
    page = client_for(w.counter).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "assets/stocktake.js" in html and "vendor/jsqr/jsQR.js" in html and "<script>" not in html
    assert client_for(w.other_staff).get(url).status_code == 404  # not a counter of this campaign
    finance = make_user("center_finance", w.city.center)
    assert client_for(finance).get(url).status_code == 403


def test_scans_api_single_resend_batch_and_refusal(w):
    _start(w)
    c = client_for(w.counter)
    url = reverse("assets-api:stocktake-campaign-scans", args=[w.campaign.pk])
    body = {"client_id": "9b2f0c1e-0000-4000-8000-000000000001", "code": w.cards[0].code, "location": "教育局305室",
            "status": "idle", "scanned_at": "2026-01-05T09:30:00+08:00"}
    first = c.post(url, body, content_type="application/json")
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["outcome"] == "accepted" and data["item"]["discrepancy"] == "location_status"
    again = c.post(url, body, content_type="application/json")
    assert again.status_code == 200 and again.json()["resent"] is True
    assert StocktakeItem.objects.get(asset=w.cards[0]).scan_count == 1
    batch = c.post(url, {"scans": [
        {"client_id": "batch-client-0001", "code": w.cards[1].code},
        {"client_id": "batch-client-0002", "code": f"http://x.example/attachments/q/assets.asset/{w.health_card.pk}/"},
        {"client_id": "batch-client-0003", "code": w.cards[2].code, "scanned_at": "昨天"},
        {"client_id": "batch-client-0004", "code": "NEW-FIND-1", "name": "投影仪", "unit": w.city.edu.pk},
    ]}, content_type="application/json")
    assert batch.status_code == 200
    results = batch.json()["results"]
    assert [r["outcome"] for r in results] == ["accepted", "rejected", "error", "accepted"]
    assert "卫生健康委员会" in results[1]["message"]
    assert results[3]["item"]["result"] == StocktakeResult.SURPLUS
    progress = c.get(reverse("assets-api:stocktake-campaign-progress", args=[w.campaign.pk])).json()
    assert progress["found"] == 2 and progress["surplus"] == 1 and progress["expected"] == 3
    bad = c.post(url, {"client_id": "short", "code": ""}, content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"client_id", "code"}
    wrong = c.post(url, {"scans": "nope"}, content_type="application/json")
    assert wrong.status_code == 400
    empty = c.post(url, {}, content_type="application/json")
    assert empty.status_code == 400 and {"client_id", "code"} <= set(empty.json()["fields"])
    assert c.post(url, [1, 2], content_type="application/json").status_code == 400


def test_lookup_does_not_record(w):
    _start(w)
    c = client_for(w.counter)
    url = reverse("assets-api:stocktake-campaign-lookup", args=[w.campaign.pk])
    assert c.get(url, {"code": w.cards[0].code}).json()["status"] == "in_scope"
    assert c.get(url, {"code": w.health_card.code}).json()["status"] == "out_of_scope"
    assert c.get(url, {"code": "NOPE-1"}).json()["status"] == "unknown"
    assert c.get(url, {"code": "https://x.example/foo"}).json()["status"] == "invalid"
    assert not StocktakeScan.objects.exists()


def test_closed_campaign_refuses_scans(w):
    _start(w)
    campaign_close(campaign=w.campaign, actor=w.officer)
    c = client_for(w.counter)
    url = reverse("assets-api:stocktake-campaign-scans", args=[w.campaign.pk])
    answer = c.post(url, {"client_id": "late-scan-00001", "code": w.cards[0].code}, content_type="application/json")
    assert answer.status_code == 409 and "已结束" in answer.json()["message"]
    batch = c.post(url, {"scans": [{"client_id": "late-scan-00002", "code": w.cards[0].code}]},
                   content_type="application/json").json()["results"]
    assert batch[0]["outcome"] == "error"


def test_discrepancy_report_export_and_resolution_page(w):
    _start(w)
    stocktake_scan(campaign=w.campaign, user=w.counter, client_id="report-00001", code=w.cards[0].code,
                   location="教育局档案室")
    campaign_close(campaign=w.campaign, actor=w.officer)
    c = client_for(w.officer)
    url = reverse("assets:stocktake_discrepancies") + f"?campaign={w.campaign.pk}"
    page = c.get(url).content.decode()
    assert "盘点差异报告" in page and "待处理" in page and w.cards[1].code in page
    export = c.get(url + "&export=xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert w.cards[1].code in cells and "盘亏" in cells and "位置不符" in cells
    # the phone user cannot see the report
    assert client_for(w.counter).get(url).status_code == 403
    missing = StocktakeItem.objects.get(campaign=w.campaign, asset=w.cards[1])
    resolve = reverse("assets:stocktakeitem_resolve", args=[missing.pk])
    assert c.get(resolve).status_code == 200
    refused = c.post(resolve, {"action": "write_off", "note": ""})
    assert refused.status_code == 200 and "请填写处理说明" in refused.content.decode()
    done = c.post(resolve, {"action": "write_off", "note": "经查已丢失"})
    assert done.status_code == 302
    missing.refresh_from_db()
    assert missing.resolution == Resolution.ADJUSTED
    assert Asset.objects.get(pk=w.cards[1].pk).status == AssetStatus.DISPOSED
    assert c.get(missing.get_absolute_url()).status_code == 200
    assert client_for(w.health_officer).post(resolve, {"action": "no_action", "note": "x"}).status_code == 404


def test_photo_from_the_phone(w):
    _start(w)
    result = stocktake_scan(campaign=w.campaign, user=w.counter, client_id="photo-00001", code=w.cards[0].code)
    c = client_for(w.counter)
    url = reverse("assets:stocktakecampaign_photo", args=[w.campaign.pk])
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, "JPEG")
    answer = c.post(url, {"item": result.item.pk, "files": SimpleUploadedFile("a.jpg", buffer.getvalue(), "image/jpeg")})
    assert answer.status_code == 200, answer.content
    from qinjian.attachments.models import Attachment

    assert Attachment.objects.filter(object_id=str(result.item.pk)).count() == 1
    assert c.post(url, {"item": 999999}).status_code == 404
    assert client_for(w.other_staff).post(url, {"item": result.item.pk}).status_code == 404  # not a counter


def test_home_page_lists_my_running_stocktakes_with_progress(w):
    home = reverse("core:home")
    assert "我的盘点任务" not in client_for(w.counter).get(home).content.decode()  # not started yet
    campaign = _start(w)
    stocktake_scan(campaign=campaign, user=w.counter, client_id="home-widget-1", code=w.cards[0].code)
    page = client_for(w.counter).get(home).content.decode()
    assert "我的盘点任务" in page and "年度盘点" in page
    assert "已盘到 1 / 3（33%）" in page
    assert reverse("assets:stocktakecampaign_count", args=[campaign.pk]) in page
    # another staff member who does not count in it, and everyone once it is closed, see nothing
    assert "我的盘点任务" not in client_for(w.other_staff).get(home).content.decode()
    campaign_close(campaign=campaign, actor=w.officer)
    assert "我的盘点任务" not in client_for(w.counter).get(home).content.decode()
