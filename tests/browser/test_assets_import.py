"""Done-when of issue 4 (import part): a unit's asset officer uploads a messy legacy ledger, sees the
preview with suggested GB/T 14885-2022 classes, confirms the low-confidence rows, commits, finds the
cards in the list and prints their QR labels. Screenshots of the import pages at desktop and phone width
go to var/test-artifacts/assets-import/ for a look by eye."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from qinjian.assets.models import Asset, AssetEvent, AssetMovement
from qinjian.testing.factories import DEFAULT_PASSWORD, make_user

from .conftest import ARTIFACTS, BROWSER, PHONE, login

pytestmark = BROWSER
SHOTS = ARTIFACTS / "assets-import"

# (卡片编号, 名称, 规格型号, 分类代码, 价值, 财政, 非财政, 购置日期, 使用部门, 使用状况, 累计折旧)
LEDGER = [
    ("JY-001", "联想启天M430台式机", "M430", "", "5,600.00元", None, None, "2021.5", "办公室", "在用", "1,200"),
    ("JY-002", "惠普笔记本电脑", "ProBook 440", "", "６８００", "6000", "800", "2022年3月", "办公室", "正常", ""),
    ("JY-003", "办公桌", "1.4米", "A060201", "1,850", None, None, 44197, "财务科", "在用", "300"),  # 2013 code
    ("JY-004", "空调", "格力 1.5匹", "2020000", "4,299.00", None, None, "2019-07-01", "办公室", "闲置", "2,000"),
    ("JY-005", "打印机", "", "", "1,299", None, None, "2020.11", "", "在用", ""),  # the name alone: unsure
    ("JY-006", "碎纸机", "", "", "680", None, None, "2023年1月", "", "在用", ""),
]


def legacy_ledger(path: Path) -> None:
    """A ledger as units keep them: a title, a note row, a two-row header with a merged 价值 cell."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "固定资产台账"
    sheet.append(["示范市教育局固定资产明细账"])
    sheet.append(["填报单位：示范市教育局", None, None, None, None, None, None, None, "金额单位：元"])
    sheet.append(["序号", "卡片编号", "名称", "规格型号", "资产分类代码", "价值", None, None, "购置日期", "使用部门",
                  "使用状况", "累计折旧"])
    sheet.append([None, None, None, None, None, "原值", "财政拨款", "非财政拨款"])
    sheet.merge_cells("F3:H3")
    for i, row in enumerate(LEDGER, start=1):
        sheet.append([i, *row])
    sheet.cell(row=7, column=9).number_format = "yyyy-mm-dd"  # JY-003: an Excel date serial
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def officer(mini_city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_user("unit_asset_officer", mini_city.edu)


def test_legacy_ledger_import_classify_commit_and_print_labels(page, officer, mini_city, tmp_path):
    ledger = tmp_path / "教育局资产台账（旧）.xlsx"
    legacy_ledger(ledger)
    login(page, officer.username, DEFAULT_PASSWORD)

    # the list leads to the import; the upload page offers only the officer's own unit
    page.goto("/assets/cards/")
    page.locator(".qj-actions a", has_text="导入旧台账").click()
    expect(page.locator("#import-unit option:checked")).to_have_text(mini_city.edu.name)
    shot(page, "1-upload-desktop")
    page.set_input_files("#import-file", str(ledger))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并校验").click()

    # preview: the header was found below the title rows, every row is valid, two classes need a look
    expect(page.locator(".qj-import-counts")).to_contain_text("将新增")
    expect(page.locator("text=表头在第 4 行，共 6 行数据")).to_be_visible()
    confirm = page.locator(".qj-import-confirm")
    expect(confirm).to_contain_text("待确认的资产分类（2 行）")
    rows = confirm.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("JY-004")  # 2020000 办公设备: a whole branch, to be narrowed down
    expect(rows.nth(1)).to_contain_text("JY-005")
    expect(rows.nth(1).locator("input")).to_have_value("A02021003")  # suggested: A4黑白打印机
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)  # not before the classes are confirmed
    created = page.locator("#import-create")
    expect(created).to_contain_text("A02010105 台式计算机")  # the confident ones, with their classes
    expect(created).to_contain_text("A05010201 办公桌")
    shot(page, "2-preview-confirm-desktop")

    # the officer corrects the air conditioner's class and accepts the printer's suggestion
    rows.nth(0).locator("input").fill("A02061804")
    with page.expect_navigation():
        page.get_by_role("button", name="确认本页 2 行的分类").click()
    expect(page.locator(".qj-import-confirm")).to_have_count(0)
    expect(page.locator(".qj-import-counts")).to_contain_text("6")
    shot(page, "3-preview-ready-desktop")
    with page.expect_navigation():
        page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".card-footer.bg-green-lt")).to_contain_text("导入完成")
    shot(page, "4-done-desktop")

    cards = {a.legacy_code: a for a in Asset.objects.filter(unit=mini_city.edu, legacy_code__startswith="JY-")}
    assert len(cards) == 6
    assert cards["JY-004"].class_code == "A02061804" and cards["JY-004"].status == "idle"
    assert cards["JY-005"].class_code == "A02021003"
    assert cards["JY-001"].original_value == Decimal("5600.00")
    assert cards["JY-001"].accumulated_depreciation == Decimal("1200.00")
    assert (cards["JY-002"].value_fiscal, cards["JY-002"].value_nonfiscal) == (Decimal("6000"), Decimal("800"))
    assert str(cards["JY-003"].acquired_on) == "2021-01-01"
    assert all(c.status in ("in_use", "idle") and c.booked_on for c in cards.values())
    assert AssetEvent.objects.filter(asset__in=cards.values(), kind="imported").count() == 6
    assert AssetMovement.objects.filter(asset__in=cards.values(), kind="book").count() == 6

    # the cards are in the list; the list's 打印标签 prints exactly the listed cards
    page.get_by_role("link", name="查看资产列表").click()
    page.fill("input[name=q]", "JY-")
    page.keyboard.press("Enter")
    table = page.locator("#qj-results")
    for card in cards.values():
        expect(table).to_contain_text(card.code)
    page.locator(".qj-actions a", has_text="打印标签").first.click()
    expect(page.locator("text=共 6 张")).to_be_visible()
    with page.context.expect_page() as info:
        page.get_by_role("button", name="生成 PDF 并打印").click()
    pdf_page = info.value
    response = page.request.get(pdf_page.url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    pdf_page.close()


def test_import_pages_at_phone_width(phone_page, officer, mini_city, tmp_path):
    page = phone_page
    ledger = tmp_path / "台账.xlsx"
    legacy_ledger(ledger)
    login(page, officer.username, DEFAULT_PASSWORD)
    page.goto("/assets/import/")
    shot(page, "1-upload-phone")
    page.set_input_files("#import-file", str(ledger))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并校验").click()
    confirm = page.locator(".qj-import-confirm")
    expect(confirm).to_contain_text("待确认的资产分类（2 行）")
    shot(page, "2-preview-confirm-phone")
    # nothing of the page is wider than the phone (the tables scroll inside their cards)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    with page.expect_navigation():
        page.get_by_role("button", name="全部接受推荐分类").click()
    expect(page.locator(".qj-import-confirm")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".card-footer.bg-green-lt")).to_contain_text("导入完成")
    shot(page, "3-done-phone")
    assert Asset.objects.filter(unit=mini_city.edu, legacy_code__startswith="JY-").count() == 6
