"""The card API's capped count: past ``count_limit`` the answer says ``count_capped`` and still pages to the end."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from qinjian.assets.api.assets import CardPagination
from qinjian.testing.factories import AssetFactory, make_user

pytestmark = pytest.mark.django_db

LIST = "/api/assets/cards/"


@pytest.fixture
def api(mini_city):
    client = APIClient()
    client.force_authenticate(make_user("center_asset", mini_city.center))
    return client


@pytest.fixture
def codes(mini_city):
    return sorted(AssetFactory(unit=mini_city.edu).code for _ in range(7))


def test_count_is_capped_and_every_page_is_still_reachable(api, codes, monkeypatch):
    monkeypatch.setattr(CardPagination, "count_limit", 3)
    with CaptureQueriesContext(connection) as captured:
        body = api.get(LIST, {"page_size": 2}).json()
    assert (body["count"], body["count_capped"], body["previous"]) == (3, True, None)
    assert [r["code"] for r in body["results"]] == codes[:2]
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"] and "assets_asset" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 4" in counts[0] and "ORDER BY" not in counts[0]
    seen = []
    url = body["next"]
    pages = 1
    while url:  # page 3 and 4 lie past the counted 3 rows
        page = api.get(url).json()
        assert page["count_capped"] is True and page["previous"]
        seen += [r["code"] for r in page["results"]]
        url = page["next"]
        pages += 1
    assert pages == 4 and seen == codes[2:]


def test_below_the_limit_the_count_is_exact(api, codes, monkeypatch):
    monkeypatch.setattr(CardPagination, "count_limit", 7)
    body = api.get(LIST, {"page_size": 5, "page": "last"}).json()
    assert (body["count"], body["count_capped"], body["next"]) == (7, False, None)
    assert [r["code"] for r in body["results"]] == codes[5:]
    assert api.get(LIST, {"page": 3, "page_size": 5}).status_code == 404


def test_bad_pages_past_the_limit_are_clear_404s(api, codes, monkeypatch):
    monkeypatch.setattr(CardPagination, "count_limit", 3)
    last = api.get(LIST, {"page": "last"})
    assert last.status_code == 404
    assert last.json()["message"] == "符合条件的超过 3 条，不能直接跳到最后一页；请增加筛选条件或逐页翻看。"
    beyond = api.get(LIST, {"page": 5, "page_size": 2})
    assert beyond.status_code == 404 and beyond.json()["message"] == "页码“5”超出范围。"
    for raw in ("0", "abc", "-1"):
        bad = api.get(LIST, {"page": raw})
        assert bad.status_code == 404 and bad.json()["message"] == f"页码“{raw}”无效，应为从 1 开始的整数。"
    # the last real page: 7 cards, 2 a page → page 4 has one card and no next
    body = api.get(LIST, {"page": 4, "page_size": 2}).json()
    assert [r["code"] for r in body["results"]] == codes[6:] and body["next"] is None


def test_filters_apply_before_the_count(api, mini_city, codes, monkeypatch):
    monkeypatch.setattr(CardPagination, "count_limit", 3)
    AssetFactory(unit=mini_city.health, status="idle")
    body = api.get(LIST, {"status": "idle"}).json()
    assert (body["count"], body["count_capped"]) == (1, False)


def test_schema_documents_count_capped(api):
    schema = api.get("/api/schema/?format=json").json()
    ok = schema["paths"]["/api/assets/cards/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]
    assert component["required"] == ["count", "count_capped", "next", "previous", "results"]
    assert component["properties"]["count_capped"]["type"] == "boolean"
    units = schema["paths"]["/api/org/units/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "count_capped" not in schema["components"]["schemas"][units["$ref"].rsplit("/", 1)[1]]["properties"]


def test_fast_representation_is_drfs_own(mini_city):
    """FastReadMixin gives exactly what DRF's to_representation gives (nulls, displays, decimals, nested)."""
    from rest_framework import serializers

    from qinjian.assets.api.assets import AssetViewSet
    from qinjian.assets.api.serializers import AssetSerializer
    from qinjian.org.models import Person

    person = Person.objects.filter(unit=mini_city.edu).first()
    AssetFactory(unit=mini_city.edu, custodian=person, notes="<备注>")
    AssetFactory(unit=mini_city.health, status="disposed")
    rows = list(AssetViewSet.queryset.order_by("pk"))
    fast = AssetSerializer(rows, many=True).data
    plain = [serializers.ModelSerializer.to_representation(AssetSerializer(), row) for row in rows]
    assert [dict(r) for r in fast] == [dict(r) for r in plain]
    assert fast[0]["custodian"]["name"] == person.name and fast[1]["custodian"] is None
    assert (fast[1]["status_display"], fast[0]["notes"]) == ("已处置", "<备注>")


def test_count_reads_no_joins_and_rows_come_as_tuples(api, codes, monkeypatch):
    """The list is read through core.api.rows: one count over the card table alone, one query for the page."""
    monkeypatch.setattr(CardPagination, "count_limit", 3)
    with CaptureQueriesContext(connection) as captured:
        api.get(LIST, {"page_size": 2})
    cards = [q["sql"] for q in captured if "assets_asset" in q["sql"]]
    assert len(cards) == 2
    assert "JOIN" not in cards[0] and "COUNT(" in cards[0]
    assert "org_person" in cards[1] and "LIMIT 3" in cards[1]  # a page of 2 and one more row for "next"


def test_rows_read_for_the_list_are_what_the_serializer_writes(api, mini_city):
    """Every field of every card in the list equals AssetSerializer's output for the same card (nulls, links,
    display names, money, dates and times included)."""
    import json

    from qinjian.assets.api.serializers import AssetSerializer
    from qinjian.assets.models import Asset
    from qinjian.testing.factories import DepartmentFactory, PersonFactory

    department = DepartmentFactory(unit=mini_city.edu)
    person = PersonFactory(unit=mini_city.edu, department=department)
    AssetFactory(unit=mini_city.edu, department=department, custodian=person, original_value=Decimal("1234.5"),
                 value_fiscal=Decimal("1000"), value_nonfiscal=Decimal("234.5"))
    AssetFactory(unit=mini_city.edu, status="draft", booked_on=None, useful_life_months=None,
                 depreciation_start=None, name='带"引号"<和>的名称', location="")
    AssetFactory(unit=mini_city.health, status="disposed", disposed_on=datetime.date(2025, 6, 30),
                 disposal_method="scrap", accumulated_depreciation=Decimal("5600.00"))
    listed = api.get(LIST, {"page_size": 500}).json()["results"]
    queryset = Asset.objects.select_related("unit", "asset_class", "department", "custodian")
    expected = {row["id"]: row for row in json.loads(json.dumps(AssetSerializer(queryset, many=True).data))}
    assert len(listed) == 3 == len(expected)
    for row in listed:
        assert row == expected[row["id"]]
    assert {r["custodian"]["name"] if r["custodian"] else None for r in listed} == {person.name, None}
