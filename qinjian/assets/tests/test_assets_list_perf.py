"""The card list at city scale: a capped count ("5,000+ 条") that still pages, and cells rendered in Python."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinjian.assets.views_assets import AssetListView
from qinjian.core.ui.tables import Table
from qinjian.testing.factories import AssetFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def center(mini_city):
    return make_user("center_asset", mini_city.center)


def test_count_is_capped_past_the_limit_and_pages_still_work(client, center, mini_city, monkeypatch):
    codes = sorted(AssetFactory(unit=mini_city.edu).code for _ in range(5))
    monkeypatch.setattr(AssetListView, "count_limit", 3)
    client.force_login(center)
    url = reverse("assets:asset_list")
    with CaptureQueriesContext(connection) as captured:
        body = client.get(url, {"per_page": 25}).content.decode()
    assert "共 <strong" in body and ">3+</strong> 条" in body
    assert "只能翻看前 3 条" in body
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"] and "assets_asset" in q["sql"]]
    assert counts and all("LIMIT 4" in sql and "ORDER BY" not in sql for sql in counts)
    # the first rows are there in the list's order
    assert all(code in body for code in codes[:3])


def test_count_is_exact_below_the_limit(client, center, mini_city, monkeypatch):
    for _ in range(2):
        AssetFactory(unit=mini_city.edu)
    monkeypatch.setattr(AssetListView, "count_limit", 3)
    client.force_login(center)
    body = client.get(reverse("assets:asset_list")).content.decode()
    assert '<strong class="text-body">2</strong> 条' in body
    assert "只能翻看" not in body


def test_html_rows_match_the_cells_of_body(mini_city):
    from qinjian.assets.tables import AssetTable

    cards = [AssetFactory(unit=mini_city.edu, name="<b>台式机</b>") for _ in range(2)]
    table = AssetTable(cards)
    rows = table.html_rows()
    assert len(rows) == 2
    for html, (_record, cells) in zip(rows, table.body(), strict=True):
        for col, cell in cells:
            assert f"{cell}</td>" in html
            assert (f' class="{col.css} text-end"' if col.align == "end" else f' class="{col.css}"') in html
    assert "&lt;b&gt;台式机&lt;/b&gt;" in rows[0] and "<b>" not in rows[0]
    assert issubclass(AssetTable, Table)
