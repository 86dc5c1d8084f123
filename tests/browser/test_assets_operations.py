"""资产调拨 and 资产处置 in the browser: the unit picks the cards and submits, every step signs in
/approvals/ (the receiving unit signs the transfer), and the cards, their events and the journal move."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from qinjian.assets.models import Asset, AssetEvent, AssetMovement, AssetOperation
from qinjian.assets.tests.operations_world import big_card, build_world, card
from qinjian.testing.factories import DEFAULT_PASSWORD
from qinjian.workflow.models import ApprovalRequest

from .conftest import BROWSER, DESKTOP, PHONE, login

pytestmark = BROWSER

SHOTS = Path(os.environ.get("QINJIAN_SHOTS_DIR", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))


def _as(browser: Any, live_server: Any, user: Any, viewport: dict[str, int] = DESKTOP) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, user.username, DEFAULT_PASSWORD)
    return page


def _approve(page: Any, number: str, comment: str) -> None:
    page.goto("/approvals/")
    page.locator("#qj-results tbody a", has_text=number).click()
    page.fill("textarea[name=comment]", comment)
    with page.expect_navigation():
        page.locator("#qj-act button", has_text="同意").click()
    expect(page.locator("body")).to_contain_text("已同意")


def _pick(page: Any, term: str, code: str) -> None:
    page.fill("#qj-op-search", term)
    row = page.locator("#qj-op-candidates tr", has_text=code)
    row.locator("input.qj-op-pick").check()
    expect(page.locator("#qj-op-selected")).to_contain_text(code)


def _save_and_submit(page: Any) -> str:
    with page.expect_navigation():
        page.locator("#qj-op-form button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("确认无误后请提交审批")
    page.locator(".qj-actions a", has_text="提交审批").click()
    modal = page.locator(".modal.show")
    with page.expect_navigation():
        modal.locator("button[type=submit]").click()
    expect(page.locator(".qj-title-badge")).to_contain_text("审批中")
    return ApprovalRequest.objects.order_by("-id").first().number


def test_transfer_signed_by_both_units_moves_the_card(browser, live_server, mini_city):
    w = build_world(mini_city)
    asset = card(mini_city.edu, name="投影仪", custodian=w.other_person)
    card(mini_city.edu, name="投影幕布")

    page = _as(browser, live_server, w.edu_officer)
    page.goto("/assets/operations/new/")
    page.locator("a[data-kind=transfer]").click()
    expect(page.locator(".page-title")).to_contain_text("新建调拨单")
    page.select_option("#id_counterpart_unit", str(mini_city.health.pk))
    page.fill("#id_reason", "教育局多余投影仪调剂给卫健委使用")
    _pick(page, "投影", asset.code)
    expect(page.locator("#qj-op-count")).to_have_text("1")
    number = _save_and_submit(page)
    expect(page.locator(".qj-op-current")).to_contain_text("调出单位资产管理员审核")
    _approve(page, number, "同意调出")
    page.context.close()

    page = _as(browser, live_server, w.health_officer)
    _approve(page, number, "同意接收")
    page.context.close()
    assert Asset.objects.get(pk=asset.pk).unit == mini_city.edu  # not before the final decision

    page = _as(browser, live_server, w.center)
    _approve(page, number, "同意调拨")
    expect(page.locator(".qj-title-badge")).to_contain_text("已通过")
    op = AssetOperation.objects.get()
    page.goto(op.get_absolute_url())
    expect(page.locator(".qj-title-badge")).to_contain_text("已办结")
    page.get_by_role("tab", name="审批").click()
    expect(page.locator("body")).to_contain_text("同意接收")
    page.context.close()

    asset = Asset.objects.get(pk=asset.pk)
    assert asset.unit == mini_city.health and asset.custodian is None
    assert set(AssetEvent.objects.filter(operation=op).values_list("kind", flat=True)) == {"transfer_out",
                                                                                         "transfer_in"}
    journal = {m.unit_id: m.value for m in AssetMovement.objects.filter(asset=asset, kind__startswith="transfer")}
    assert journal == {mini_city.edu.pk: -asset.original_value, mini_city.health.pk: asset.original_value}


def test_disposal_above_the_threshold_goes_to_the_leader(browser, live_server, mini_city):
    w = build_world(mini_city)
    asset = big_card(mini_city.edu, "320000.00")

    page = _as(browser, live_server, w.edu_officer)
    page.goto(f"/assets/operations/new/?kind=disposal&assets={asset.pk}")
    expect(page.locator("#qj-op-selected")).to_contain_text(asset.code)  # pre-filled from the card page link
    page.select_option("#id_disposal_method", "sale")
    page.fill("#id_income", "45000")
    page.fill("#id_counterparty", "示范市公共资源交易中心（拍卖）")
    page.fill("#id_reason", "车辆超过使用年限，按规定公开拍卖")
    number = _save_and_submit(page)
    expect(page.locator(".qj-op-lines")).to_contain_text("待处置")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "asset-disposal-detail-desktop.png"), full_page=True)
    _approve(page, number, "同意处置")
    page.context.close()

    page = _as(browser, live_server, w.center)
    _approve(page, number, "拟同意，报中心领导")
    expect(page.locator(".qj-approval-steps")).to_contain_text("中心领导审批")
    page.context.close()
    assert Asset.objects.get(pk=asset.pk).status == "pending_disposal"

    page = _as(browser, live_server, w.leader, PHONE)
    _approve(page, number, "同意")
    expect(page.locator(".qj-title-badge")).to_contain_text("已通过")
    page.screenshot(path=str(SHOTS / "asset-disposal-approved-phone.png"), full_page=True)
    page.context.close()

    asset = Asset.objects.get(pk=asset.pk)
    assert asset.status == "disposed" and asset.disposal_method == "sale"
    event = AssetEvent.objects.get(asset=asset, kind="disposed")
    assert event.amount == Decimal("45000.00") and "拍卖" in event.message
