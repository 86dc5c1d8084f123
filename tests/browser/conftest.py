"""Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

Each xdist worker gets its own live server, database and browser; each test its own browser context.
A failing test leaves a screenshot in var/test-artifacts/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

CHROMIUM = os.environ.get("QINJIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Every module here marks its tests with BROWSER: live-server tests are transactional, the database is
# emptied after each one and the reference data (ranks, roles) comes back from the serialized copy.
BROWSER = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module: Playwright stays running only while browser tests do."""
    if not os.access(CHROMIUM, os.X_OK):
        message = (f"!!! Chromium not found at {CHROMIUM}: browser tests NOT RUN. "
                   "Install it with `apt-get install chromium fonts-noto-cjk` (.ci/run does).")
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)  # CI installs it: missing there is a broken setup
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Starting Playwright switches this thread to another context, where Django's connection handler
    # (context-local) would open fresh connections: without the test database's serialized copy, so
    # serialized_rollback silently stopped restoring roles and ranks. Keep the ones pytest-django set up.
    test_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in test_connections.items():
            connections[alias] = connection
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.contrib.contenttypes.models import ContentType

    cache.clear()  # the per-IP login throttle lives in the cache
    # A transactional test before this one may have left content-type ids in the process-wide cache
    # that its flush/restore no longer has (seen: ObjectChange FK violation on PostgreSQL).
    ContentType.objects.clear_cache()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _viewport_context(browser: Any, live_server: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    context.set_default_timeout(15_000)
    return context


def _screenshot_on_failure(request: pytest.FixtureRequest, page: Any) -> None:
    failed = any(getattr(request.node, f"rep_{when}", None) is not None
                 and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    if not failed:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    except Exception as exc:  # a screenshot must never hide the real failure
        print(f"screenshot failed: {exc!r}")


def _check_reference_data() -> None:
    from qinjian.accounts.models import Role
    from qinjian.org.models import Rank

    assert Role.objects.exists() and Rank.objects.exists(), (
        "reference data (roles, ranks) missing: serialized_rollback did not restore the database")


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies) at desktop size, 1366×768."""
    _check_reference_data()
    context = _viewport_context(browser, live_server, DESKTOP)
    page = context.new_page()
    yield page
    _screenshot_on_failure(request, page)
    context.close()


@pytest.fixture
def phone_page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh context at phone size, 390×844, with touch."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    context.set_default_timeout(15_000)
    _check_reference_data()
    page = context.new_page()
    yield page
    _screenshot_on_failure(request, page)
    context.close()


def login(page: Any, username: str, password: str) -> Any:
    """Fill the login form and submit it; returns the page after the navigation settles."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


@pytest.fixture
def do_login() -> Any:
    return login
