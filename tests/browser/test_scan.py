"""The scan page in a real browser: a QR code seen by a (fake) camera opens the object; the decoder
reads a picture; clear messages without a camera and for codes outside the scope."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from qinjian.attachments.qr import qr_png
from qinjian.testing.factories import DEFAULT_PASSWORD, make_user

from .conftest import BROWSER, CHROMIUM, CHROMIUM_ARGS, DESKTOP, login

pytestmark = BROWSER


def _y4m(png: bytes, path: Path, frames: int = 10) -> Path:
    """A short YUV4MPEG2 clip of the picture centred on a white 640×480 frame: Chromium's fake camera."""
    with Image.open(io.BytesIO(png)) as qr:
        qr = qr.convert("RGB").resize((300, 300), Image.NEAREST)
        frame = Image.new("RGB", (640, 480), "white")
        frame.paste(qr, (170, 90))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (320, 240)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


@pytest.fixture
def fake_camera_page(live_server: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A browser whose camera shows the picture the test puts in ``page.qr_clip`` before opening it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    clip = tmp_path / "camera.y4m"
    saved = {alias: connections[alias] for alias in connections}

    def start(png: bytes) -> Any:
        _y4m(png, clip)
        playwright = sync_playwright().start()
        for alias, connection in saved.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}"])
        context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="zh-CN")
        context.grant_permissions(["camera"])
        context.set_default_timeout(15_000)
        request.addfinalizer(playwright.stop)
        request.addfinalizer(browser.close)
        return context.new_page()

    return start


def test_camera_scan_opens_the_unit(fake_camera_page, live_server, mini_city):
    admin = make_user("unit_admin", mini_city.edu)
    target = f"{live_server.url}/attachments/q/org.unit/{mini_city.edu_school.pk}/"
    page = fake_camera_page(qr_png(target))
    login(page, admin.username, DEFAULT_PASSWORD)
    page.goto("/attachments/scan/")
    page.click("#qj-scan-start")
    page.wait_for_url(f"**{mini_city.edu_school.get_absolute_url()}", timeout=20_000)
    expect(page.locator(".qj-title")).to_have_text("示范市第一中学")


def test_camera_scan_of_another_units_label_says_so(fake_camera_page, live_server, mini_city):
    admin = make_user("unit_admin", mini_city.edu)
    page = fake_camera_page(qr_png(f"{live_server.url}/attachments/q/org.unit/{mini_city.health.pk}/"))
    login(page, admin.username, DEFAULT_PASSWORD)
    page.goto("/attachments/scan/")
    page.click("#qj-scan-start")
    expect(page.locator("[data-scan-message]")).to_have_text(
        "该标签对应的对象不在您的数据权限范围内，无法查看。", timeout=20_000)
    assert page.url.endswith("/attachments/scan/")


def test_decoder_reads_a_picture_drawn_into_a_canvas(page, mini_city):
    admin = make_user("unit_admin", mini_city.edu)
    login(page, admin.username, DEFAULT_PASSWORD)
    page.goto("/attachments/scan/")
    data_url = "data:image/png;base64," + base64.b64encode(qr_png("https://qj.example/attachments/q/org.unit/7/")).decode()
    decoded = page.evaluate("""(src) => new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = () => resolve(window.QJScan.decodeImage(img));
        img.onerror = reject;
        img.src = src;
    })""", data_url)
    assert decoded == "https://qj.example/attachments/q/org.unit/7/"
    blank = page.evaluate("""() => { const c = document.createElement('canvas'); c.width = 50; c.height = 50;
        const ctx = c.getContext('2d'); ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 50, 50);
        return window.QJScan.decodeImageData(ctx.getImageData(0, 0, 50, 50)); }""")
    assert blank is None


def test_without_a_camera_the_page_says_what_to_do(page, mini_city):
    admin = make_user("unit_admin", mini_city.edu)
    login(page, admin.username, DEFAULT_PASSWORD)
    page.goto("/attachments/scan/")
    page.click("#qj-scan-start")
    expect(page.locator("[data-scan-message]")).to_contain_text("手工输入编码")


def test_typed_code(page, mini_city):
    admin = make_user("unit_admin", mini_city.edu)
    login(page, admin.username, DEFAULT_PASSWORD)
    page.goto("/attachments/scan/")
    page.fill("#qj-scan-code", "SFS-WJW")
    page.click("#qj-scan-form button[type=submit]")
    expect(page.locator("#qj-scan-status")).to_contain_text("编码“SFS-WJW”对应的对象不在您的数据权限范围内，无法查看。")
    page.fill("#qj-scan-code", "sfs-jyj-01")
    with page.expect_navigation():
        page.click("#qj-scan-form button[type=submit]")
    expect(page.locator(".qj-title")).to_have_text("示范市第一中学")
