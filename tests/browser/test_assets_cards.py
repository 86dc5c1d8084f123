"""Asset cards in a real browser: register a card, find it in the list, open it, print its QR label (PDF),
at desktop and at phone width."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from qinjian.assets.models import Asset
from qinjian.org.models import Person
from qinjian.testing.factories import DEFAULT_PASSWORD, AssetFactory, make_user

from .conftest import BROWSER, login

pytestmark = BROWSER


def _register(page, mini_city, name: str) -> Asset:
    page.goto("/assets/cards/")
    page.get_by_role("link", name="登记资产").first.click()
    expect(page.locator("h2.page-title")).to_contain_text("登记资产")
    page.fill("#id_name", name)
    # the name suggests the class: wait for the classifier's answer, then keep it
    expect(page.locator("#qj-classify")).to_be_visible()
    expect(page.locator("#id_class_code")).to_have_value("A02010105")
    page.fill("#id_original_value", "5600")
    page.fill("#id_acquired_on", "2026-01-10")
    page.fill("#id_location", "教育局305室")
    person = Person.objects.filter(unit=mini_city.edu).first()
    page.select_option("#id_custodian", str(person.pk))
    with page.expect_navigation():
        page.locator("form#qj-asset-form button[type=submit]").click()
    asset = Asset.objects.get(name=name)
    assert (asset.status, asset.class_code, asset.original_value, asset.value_fiscal, asset.custodian) == (
        "draft", "A02010105", Decimal("5600.00"), Decimal("5600.00"), person)
    return asset


def _print_label(page, asset: Asset) -> None:
    page.locator(".qj-actions a", has_text="打印标签").click()
    expect(page.locator("#qj-label-body")).to_contain_text(asset.code)
    with page.context.expect_page() as info:
        page.get_by_role("button", name="生成 PDF 并打印").click()
    pdf_page = info.value
    response = page.request.get(pdf_page.url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert f"ids={asset.pk}" in pdf_page.url
    pdf_page.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_register_see_and_print_label(request, mini_city, width):
    page = request.getfixturevalue("page" if width == "desktop" else "phone_page")
    other = AssetFactory(unit=mini_city.health, name="卫健委的电脑")
    officer = make_user("unit_asset_officer", mini_city.edu)
    login(page, officer.username, DEFAULT_PASSWORD)

    asset = _register(page, mini_city, f"联想启天M430台式机（{width}）")
    expect(page.locator("h2.page-title")).to_contain_text(asset.code)
    expect(page.locator(".qj-title-badge").first).to_have_text("待入账")
    expect(page.locator(".qj-asset-card")).to_contain_text("台式计算机")
    expect(page.locator(".qj-asset-card")).to_contain_text("5,600.00")

    page.goto("/assets/cards/")
    expect(page.locator(".qj-summary")).to_contain_text("共 1 条")
    expect(page.locator("#qj-results")).to_contain_text(asset.code)
    assert other.code not in page.content()

    page.goto(asset.get_absolute_url() + "?tab=events")
    expect(page.locator(".qj-asset-timeline")).to_contain_text("登记资产卡片")

    page.goto(asset.get_absolute_url())
    _print_label(page, asset)
