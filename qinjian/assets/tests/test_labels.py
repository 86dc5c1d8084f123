"""QR labels of asset cards: one card, a selection, the filtered list; the scan page opens a card; scope holds."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinjian.assets.labels import SOURCE, label_lines
from qinjian.attachments.registry import label_source, resolver_path
from qinjian.testing.factories import AssetFactory, make_user

pytestmark = pytest.mark.django_db

LABELS = "/attachments/labels/"


@pytest.fixture
def cards(mini_city):
    return {"a": AssetFactory(unit=mini_city.edu, name="教育局电脑", spec_model="启天M430"),
            "b": AssetFactory(unit=mini_city.edu, name="教育局打印机", status="idle"),
            "c": AssetFactory(unit=mini_city.health, name="卫健委电脑")}


@pytest.fixture
def officer(client, mini_city):
    user = make_user("unit_asset_officer", mini_city.edu)
    client.force_login(user)
    return user


def _count(client, query):
    response = client.get(LABELS + "?model=assets.asset&" + query)
    assert response.status_code == 200
    return response.context["count"]


def test_source_is_registered():
    assert label_source("assets.asset") is SOURCE
    assert SOURCE.list_view == "qinjian.assets.views_assets.AssetListView"


def test_label_lines(cards):
    assert label_lines(cards["a"]) == [cards["a"].unit.short_name, "启天M430"]


def test_one_card_selection_and_filtered_list(client, officer, cards):
    assert _count(client, f"ids={cards['a'].pk}") == 1
    assert _count(client, f"ids={cards['a'].pk},{cards['b'].pk}") == 2
    assert _count(client, "status=idle") == 1
    assert _count(client, "q=电脑") == 1
    assert _count(client, "") == 2
    # another unit's card is never on the sheet, by id or by filter
    assert _count(client, f"ids={cards['c'].pk}") == 0
    assert _count(client, f"unit={cards['c'].unit_id}") == 0


def test_pdf_of_one_card(client, officer, cards):
    response = client.get(LABELS + f"pdf/?model=assets.asset&ids={cards['a'].pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_list_print_button_keeps_the_query(client, officer, cards):
    page = client.get(reverse("assets:asset_list") + "?status=idle").content.decode()
    assert "/attachments/labels/?model=assets.asset&amp;status=idle" in page
    detail = client.get(reverse("assets:asset_detail", args=[cards["a"].pk])).content.decode()
    assert f"/attachments/labels/?model=assets.asset&amp;ids={cards['a'].pk}" in detail


def test_scan_opens_the_card_by_qr_or_typed_code(client, officer, cards):
    card = cards["a"]
    by_qr = client.get("/attachments/scan/lookup/", {"code": "http://any.host" + resolver_path(card),
                                                     "format": "json"}).json()
    assert (by_qr["status"], by_qr["url"]) == ("found", card.get_absolute_url())
    by_code = client.get("/attachments/scan/lookup/", {"code": card.code.lower(), "format": "json"}).json()
    assert (by_code["status"], by_code["url"]) == ("found", card.get_absolute_url())
    resolved = client.get(resolver_path(card))
    assert resolved.status_code == 302 and resolved["Location"] == card.get_absolute_url()
    other = cards["c"]
    outside = client.get("/attachments/scan/lookup/", {"code": other.code, "format": "json"}).json()
    assert outside["status"] == "out_of_scope" and outside["url"] == ""
    assert client.get(resolver_path(other)).status_code == 404
