"""Login, lockout, the 三员 second factor and the phone layout, in a real Chromium."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from qinjian.accounts.services.auth import GENERIC_LOGIN_ERROR
from qinjian.core.models import SecurityEvent
from qinjian.testing.factories import DEFAULT_PASSWORD, make_user

from .conftest import BROWSER, login

pytestmark = BROWSER


def test_login_shows_workbench_with_name_and_role(page, mini_city):
    user = make_user("unit_admin", mini_city.edu, full_name="王建国")

    login(page, user.username, DEFAULT_PASSWORD)

    assert page.url.endswith("/")
    assert page.title().startswith("工作台")
    expect(page.get_by_role("heading", name="王建国，您好")).to_be_visible()
    main = page.locator(".page-wrapper").inner_text()
    assert "示范市教育局" in main and "单位信息管理员" in main and "本单位及下级单位" in main
    assert SecurityEvent.objects.filter(event_type="login", username=user.username, success=True).count() == 1


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(page, mini_city):
    user = make_user("staff", mini_city.health)

    for attempt in range(5):
        login(page, user.username, f"Wrong-{attempt}-pass")
        assert page.locator("#login-error").inner_text() == GENERIC_LOGIN_ERROR
    login(page, user.username, DEFAULT_PASSWORD)

    assert "/accounts/login/" in page.url
    assert page.locator("#login-error").inner_text() == GENERIC_LOGIN_ERROR  # nothing tells it is locked
    user.refresh_from_db()
    assert user.is_locked
    events = SecurityEvent.objects.filter(username=user.username)
    assert events.filter(event_type="login_failed", success=False).count() == 6
    assert events.filter(event_type="locked").count() == 1
    assert events.filter(event_type="login").count() == 0
    assert [e.detail.get("reason") for e in events.filter(event_type="login_failed").order_by("id")] == \
        ["bad_password"] * 4 + ["locked_now", "locked"]


def test_system_admin_needs_the_totp_code_shown_at_enrolment(page, mini_city):
    admin = make_user("sysadmin", mini_city.center, full_name="李安")

    login(page, admin.username, DEFAULT_PASSWORD)
    assert "/accounts/mfa/" in page.url
    assert page.locator("h2").inner_text() == "绑定动态口令"
    secret = page.locator("#totp-secret").inner_text().strip()

    # Without the code there is no session: the workbench sends back to the login page.
    page.goto("/")
    assert "/accounts/login/" in page.url

    login(page, admin.username, DEFAULT_PASSWORD)
    assert page.locator("#totp-secret").inner_text().strip() == secret  # same pending enrolment
    page.fill("#id_code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("button[type=submit]")
    assert "动态口令不正确" in page.locator(".alert-danger").inner_text()

    page.fill("#id_code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.title().startswith("工作台")
    expect(page.get_by_role("heading", name="李安，您好")).to_be_visible()
    admin.refresh_from_db()
    assert admin.totp_confirmed_at is not None
    assert SecurityEvent.objects.filter(event_type="mfa_enrolled", username=admin.username).count() == 1


def test_phone_width_shows_the_menu_toggle(phone_page, mini_city):
    user = make_user("center_office", mini_city.center)
    page = login(phone_page, user.username, DEFAULT_PASSWORD)

    toggle = page.locator("aside .navbar-toggler")
    menu = page.locator("#sidebar-menu")
    expect(toggle).to_be_visible()
    expect(menu).to_be_hidden()
    toggle.click()
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="工作台")).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_unknown_username_gets_the_same_message(page, db):
    login(page, "nobody", "Whatever-123")
    assert page.locator("#login-error").inner_text() == GENERIC_LOGIN_ERROR
    assert SecurityEvent.objects.filter(event_type="login_failed", username="nobody").count() == 1
