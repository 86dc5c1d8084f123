"""The two-step 编制调整 approval in the browser: the unit admin submits, the center office approves,
the leader approves, and the unit's quota changes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from qinjian.org.models import Unit
from qinjian.testing.factories import DEFAULT_PASSWORD, make_user
from qinjian.workflow.models import ApprovalRequest

from .conftest import BROWSER, DESKTOP, PHONE, login

pytestmark = BROWSER

SHOTS = Path(os.environ.get("QINJIAN_SHOTS_DIR", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))


def _as(browser: Any, live_server: Any, user: Any, viewport: dict[str, int] = DESKTOP) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation dialogs of 同意/驳回
    login(page, user.username, DEFAULT_PASSWORD)
    return page


def _approve(page: Any, number: str, comment: str) -> None:
    page.goto("/approvals/")
    expect(page.locator(".qj-inbox-tabs")).to_contain_text("我的待办")
    page.locator("#qj-results tbody a", has_text=number).click()
    page.fill("textarea[name=comment]", comment)
    with page.expect_navigation():
        page.locator("#qj-act button", has_text="同意").click()
    expect(page.locator("body")).to_contain_text("已同意")


def test_two_step_staffing_approval(browser, live_server, mini_city):
    edu = mini_city.edu
    assert edu.quota_admin == 40
    applicant = make_user("unit_admin", edu, full_name="教育局管理员")
    office = make_user("center_office", mini_city.center, full_name="综合处审核人")
    leader = make_user("center_leader", mini_city.center, full_name="中心领导甲")

    page = _as(browser, live_server, applicant)
    page.goto(f"/org/staffing/new/?unit={edu.pk}")
    page.fill("#id_new_quota_admin", "46")
    page.fill("#id_reason", "新增教育督导职能，依据示编〔2026〕5号")
    with page.expect_navigation():
        page.locator("form.qj-form button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("确认无误后请提交审批")
    page.locator(".qj-actions a", has_text="提交审批").click()
    modal = page.locator(".modal.show")
    expect(modal).to_contain_text("确定提交吗")
    with page.expect_navigation():
        modal.locator("button[type=submit]").click()
    expect(page.locator(".qj-title-badge")).to_contain_text("审批中")
    number = ApprovalRequest.objects.get().number
    page.context.close()

    page = _as(browser, live_server, office)
    _approve(page, number, "材料齐全，拟同意")
    expect(page.locator(".qj-approval-steps")).to_contain_text("中心领导审批")
    page.context.close()

    page = _as(browser, live_server, leader)
    _approve(page, number, "同意")
    expect(page.locator(".qj-title-badge")).to_contain_text("已通过")
    trail = page.locator(".qj-approval-trail")
    expect(trail).to_contain_text("材料齐全，拟同意")
    expect(trail).to_contain_text("中心领导甲")
    assert Unit.objects.get(pk=edu.pk).quota_admin == 46
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "approval-detail-desktop.png"), full_page=True)
    page.goto("/approvals/done/")
    expect(page.locator("#qj-results")).to_contain_text(number)
    page.screenshot(path=str(SHOTS / "approval-done-desktop.png"), full_page=True)
    page.context.close()

    # the applicant on a phone: 我发起的, then the request with its whole trail
    page = _as(browser, live_server, applicant, PHONE)
    page.goto("/approvals/mine/")
    expect(page.locator("#qj-results")).to_contain_text("已通过")
    page.screenshot(path=str(SHOTS / "approval-mine-phone.png"), full_page=True)
    page.locator("#qj-results tbody a", has_text=number).click()
    expect(page.locator(".qj-approval-trail")).to_contain_text("同意")
    page.screenshot(path=str(SHOTS / "approval-detail-phone.png"), full_page=True)
    page.context.close()
