"""盘点 on a phone (390×844): a counter types codes, loses the network, keeps counting (the scans wait in
the browser), comes back online (the queue is sent, each scan once), and the asset officer reads the
discrepancy report."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from qinjian.assets.choices import StocktakeResult
from qinjian.assets.models import StocktakeItem, StocktakeScan
from qinjian.assets.services.stocktake import campaign_close, campaign_create, campaign_start
from qinjian.attachments.qr import qr_png
from qinjian.testing.factories import DEFAULT_PASSWORD, AssetFactory, UnitFactory, make_user

from .conftest import BROWSER, CHROMIUM, CHROMIUM_ARGS, PHONE, login

pytestmark = BROWSER


@pytest.fixture
def stocktake(db: Any) -> Any:
    city = UnitFactory(code="SFS", name="示范市人民政府", short_name="市政府")
    edu = UnitFactory(code="SFS-JYJ", name="示范市教育局", short_name="市教育局", parent=city)
    health = UnitFactory(code="SFS-WJW", name="示范市卫生健康委员会", short_name="市卫健委", parent=city)
    officer = make_user("unit_asset_officer", edu, username="jyj_asset_t")
    counter = make_user("staff", edu, username="jyj_counter_t")
    cards = [AssetFactory(unit=edu, code=f"ZC-2026-90000{i}", name=name, location="2号楼701室")
             for i, name in enumerate(["台式计算机", "办公桌", "打印机", "文件柜"], start=1)]
    AssetFactory(unit=edu, code="ZC-2026-900009", name="老式投影仪", legacy_code="JY-0042", location="2号楼702室")
    foreign = AssetFactory(unit=health, code="ZC-2026-800001", name="转椅", location="卫健委201室")
    today = datetime.date.today()
    campaign = campaign_create(actor=officer, unit=edu, name="2026年度资产清查盘点", units=[edu],
                               planned_start=today, planned_end=today, counters=[counter])
    campaign_start(campaign=campaign, actor=officer)
    return {"officer": officer, "counter": counter, "cards": cards, "foreign": foreign, "campaign": campaign}


def _type_code(page: Any, code: str) -> None:
    page.fill("#qj-st-code", code)
    page.click("#qj-st-code-go")


def test_phone_stocktake_with_offline_queue_and_report(phone_page: Any, page: Any, stocktake: Any) -> None:
    campaign, cards = stocktake["campaign"], stocktake["cards"]
    phone = phone_page
    login(phone, stocktake["counter"].username, DEFAULT_PASSWORD)
    phone.goto(f"/assets/stocktake/{campaign.pk}/count/")
    expect(phone.locator("#qj-st-expected")).to_have_text("5")
    expect(phone.locator("#qj-st-net")).to_contain_text("在线")
    phone.fill("#qj-st-here", "2号楼701室")

    # online: the card is looked up and shown before the counter confirms
    _type_code(phone, cards[0].code)
    expect(phone.locator("#qj-st-lookup")).to_contain_text("台式计算机")
    expect(phone.locator("#qj-st-book-loc")).to_have_text("2号楼701室")
    phone.click("#qj-st-submit")
    expect(phone.locator(".qj-st-result").first).to_have_attribute("data-state", "accepted")
    expect(phone.locator("#qj-st-found")).to_have_text("1")

    # a legacy code, found somewhere else and idle: a discrepancy
    _type_code(phone, "JY-0042")
    expect(phone.locator("#qj-st-lookup")).to_contain_text("老式投影仪")
    phone.fill("#qj-st-loc", "2号楼储藏室")
    phone.click("label[for=qj-st-status-idle]")
    phone.click("#qj-st-submit")
    expect(phone.locator(".qj-st-result").first).to_contain_text("位置和状态不符")

    # another unit's label is refused with the reason
    _type_code(phone, stocktake["foreign"].code)
    expect(phone.locator("#qj-st-lookup")).to_contain_text("不在本次盘点单位范围内")
    expect(phone.locator(".qj-st-result").first).to_have_attribute("data-state", "rejected")

    # offline: scans wait in the browser
    phone.context.set_offline(True)
    expect(phone.locator("#qj-st-net")).to_contain_text("离线")
    _type_code(phone, cards[1].code)
    expect(phone.locator("#qj-st-lookup")).to_contain_text("离线")
    phone.click("#qj-st-submit")
    _type_code(phone, "NO-LABEL-01")
    phone.fill("#qj-st-name", "会议桌（无标签）")
    phone.click("#qj-st-submit")
    expect(phone.locator("#qj-st-queue-n")).to_have_text("2")
    expect(phone.locator('.qj-st-result[data-state="pending"]')).to_have_count(2)
    assert StocktakeScan.objects.filter(campaign=campaign).count() == 3  # nothing sent while offline
    # a reload while offline is not possible, but the queue survives in localStorage
    queued = phone.evaluate(f"JSON.parse(localStorage.getItem('qj-stocktake:{campaign.pk}:queue')).length")
    assert queued == 2

    # back online: the queue is sent, once
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone.locator("#qj-st-queue")).to_be_hidden()
    expect(phone.locator('.qj-st-result[data-state="pending"]')).to_have_count(0)
    expect(phone.locator("#qj-st-found")).to_have_text("3")
    assert StocktakeScan.objects.filter(campaign=campaign).count() == 5
    # the phone sends the same scans again (e.g. the answer was lost): each is answered, none counts twice
    answers = phone.evaluate("""async (url) => {
        const results = JSON.parse(localStorage.getItem(url.key));
        const scans = results.map(r => ({client_id: r.client_id, code: r.code}));
        const token = document.querySelector('meta[name="csrf-token"]').content;
        const response = await fetch(url.scans, {method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": token}, body: JSON.stringify({scans})});
        return (await response.json()).results.map(r => r.resent);
    }""", {"key": f"qj-stocktake:{campaign.pk}:results",
           "scans": f"/api/assets/stocktake/campaigns/{campaign.pk}/scans/"})
    assert answers == [True] * 5
    assert StocktakeScan.objects.filter(campaign=campaign).count() == 5
    assert StocktakeItem.objects.filter(campaign=campaign, result=StocktakeResult.FOUND).count() == 3
    surplus = StocktakeItem.objects.get(campaign=campaign, result=StocktakeResult.SURPLUS)
    assert surplus.surplus_name == "会议桌（无标签）" and surplus.found_location == "2号楼701室"

    # the officer closes the campaign and reads the discrepancy report (desktop)
    campaign_close(campaign=campaign, actor=stocktake["officer"])
    login(page, stocktake["officer"].username, DEFAULT_PASSWORD)
    page.goto(f"/assets/stocktake/{campaign.pk}/")
    expect(page.locator("[data-testid=found-total]")).to_contain_text("3")
    page.click("a:has-text('差异报告')")
    summary = page.locator("[data-testid=discrepancy-summary]")
    expect(summary).to_contain_text("盘亏")
    results = page.locator("#qj-results")
    expect(results).to_contain_text(cards[2].code)   # not found: 盘亏
    expect(results).to_contain_text("会议桌（无标签）")  # 盘盈
    expect(results).to_contain_text("2号楼储藏室")    # 位置和状态不符
    expect(results).not_to_contain_text(cards[0].code)  # counted where the books say: no discrepancy
    with page.expect_download() as download:
        page.click("a:has-text('导出')")
    assert download.value.suggested_filename.endswith(".xlsx")


def test_phone_page_at_phone_width_has_no_horizontal_scroll(phone_page: Any, stocktake: Any) -> None:
    login(phone_page, stocktake["counter"].username, DEFAULT_PASSWORD)
    phone_page.goto(f"/assets/stocktake/{stocktake['campaign'].pk}/count/")
    _type_code(phone_page, stocktake["cards"][0].code)
    expect(phone_page.locator("#qj-st-confirm")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    # the buttons a thumb presses are big enough
    box = phone_page.locator("#qj-st-submit").bounding_box()
    assert box is not None and box["height"] >= 44


def _camera_clip(png: bytes, path: Path) -> Path:
    """A YUV4MPEG2 clip of the label on a white frame: what Chromium's fake camera shows."""
    with Image.open(io.BytesIO(png)) as qr:
        frame = Image.new("RGB", (640, 480), "white")
        frame.paste(qr.convert("RGB").resize((300, 300), Image.NEAREST), (170, 90))
    y, cb, cr = frame.convert("YCbCr").split()
    planes = y.tobytes() + cb.resize((320, 240)).tobytes() + cr.resize((320, 240)).tobytes()
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            out.write(b"FRAME\n" + planes)
    return path


def test_camera_scan_of_a_label_on_a_phone(browser: Any, live_server: Any, stocktake: Any, tmp_path: Path,
                                           request: pytest.FixtureRequest) -> None:
    """The label's QR code (the resolver URL the label sheet prints) seen by the camera is counted."""
    card = stocktake["cards"][3]
    clip = _camera_clip(qr_png(f"https://old-host.example/attachments/q/assets.asset/{card.pk}/"),
                        tmp_path / "camera.y4m")
    # a second Chromium from the module's Playwright, with a fake camera showing the label
    camera = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}"])
    request.addfinalizer(camera.close)
    context = camera.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    context.grant_permissions(["camera"])
    context.set_default_timeout(20_000)
    page = context.new_page()
    login(page, stocktake["counter"].username, DEFAULT_PASSWORD)
    page.goto(f"/assets/stocktake/{stocktake['campaign'].pk}/count/")
    page.click("#qj-st-camera")
    expect(page.locator("#qj-st-lookup")).to_contain_text(f"{card.code} 文件柜")
    page.click("#qj-st-submit")
    expect(page.locator(".qj-st-result").first).to_have_attribute("data-state", "accepted")
    item = StocktakeItem.objects.get(campaign=stocktake["campaign"], asset=card)
    assert item.result == StocktakeResult.FOUND and item.scanned_by == stocktake["counter"]
