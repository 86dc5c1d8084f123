"""The asset ledger in a real browser: read the ledger as of last year-end (上年末) — a card transferred
and one disposed this year still show where they stood then — open the card ledger, download the
year-end report; at desktop and at phone width."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from playwright.sync_api import expect

from qinjian.assets.services import ledger
from qinjian.testing.factories import DEFAULT_PASSWORD, AssetFactory, make_user

from .conftest import BROWSER, login

pytestmark = BROWSER


def _card(unit, name: str, value: str, booked: datetime.date):
    v = Decimal(value)
    return AssetFactory(unit=unit, name=name, original_value=v, value_fiscal=v, value_nonfiscal=Decimal("0"),
                        acquired_on=booked, booked_on=booked, status_since=booked,
                        depreciation_start=booked.replace(day=1), useful_life_months=72)


def _world(mini_city):
    today = datetime.date.today()
    last_year_end = datetime.date(today.year - 1, 12, 31)
    booked = datetime.date(today.year - 1, 1, 10)
    this_year = datetime.date(today.year, 1, 5) if today > datetime.date(today.year, 1, 5) else today
    moved = _card(mini_city.edu, "会议室投影仪", "7200.00", booked)
    gone = _card(mini_city.edu, "旧打印机", "3600.00", booked)
    _card(mini_city.edu, "办公台式机", "6000.00", booked)
    with transaction.atomic():
        locked = ledger.lock_assets([moved.pk, gone.pk])
        ledger.transfer(locked[moved.pk], to_unit=mini_city.health, on=this_year)
        ledger.dispose(locked[gone.pk], on=this_year, method="scrap")
    return last_year_end, moved, gone


def test_unit_reads_its_ledger_as_of_last_year_end(page, live_server, mini_city):
    last_year_end, _, _ = _world(mini_city)
    officer = make_user("unit_asset_officer", mini_city.edu)
    login(page, officer.username, DEFAULT_PASSWORD)
    page.goto("/assets/ledger/")
    expect(page.locator("h2.page-title")).to_contain_text("资产台账与报表")
    expect(page.locator(".qj-ledger-totals")).to_contain_text("6,000.00")  # today: only the one left
    page.get_by_role("link", name="上年末").click()
    expect(page.locator(".qj-asof-note")).to_contain_text(f"{last_year_end.year}年12月31日")
    totals = page.locator(".qj-ledger-totals")
    expect(totals).to_contain_text("16,800.00")  # all three were on the books then
    expect(totals).to_contain_text("2,800.08")  # 12 months × (100.00 + 50.00 + 83.34)
    expect(page.locator(".qj-ledger-table")).to_contain_text("信息化设备")
    page.screenshot(path="/tmp/qj_ledger/ledger_desktop.png", full_page=True)
    page.locator(".qj-report-nav").get_by_role("link", name="资产明细账").click()
    table = page.locator(".qj-ledger-cards")
    expect(table).to_contain_text("会议室投影仪")
    expect(table).to_contain_text("旧打印机")
    expect(table).to_contain_text("示范市教育局")
    page.get_by_role("link", name="今天").click()
    expect(table).not_to_contain_text("会议室投影仪")
    expect(table).not_to_contain_text("旧打印机")
    page.locator(".qj-report-nav").get_by_role("link", name="年度报表").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="生成并下载").click()
    assert info.value.suggested_filename.endswith("年度资产报表.xlsx")


def test_ledger_at_phone_width(phone_page, live_server, mini_city):
    last_year_end, *_ = _world(mini_city)
    leader = make_user("center_leader", mini_city.center)
    login(phone_page, leader.username, DEFAULT_PASSWORD)
    phone_page.goto(f"/assets/ledger/?as_of={last_year_end:%Y-%m-%d}")
    expect(phone_page.locator(".qj-ledger-totals")).to_contain_text("16,800.00")
    expect(phone_page.locator(".qj-ledger-units")).to_contain_text("示范市教育局")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page wider than the phone: {width}px"
    phone_page.screenshot(path="/tmp/qj_ledger/ledger_phone.png", full_page=True)
