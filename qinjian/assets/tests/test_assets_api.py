"""Card API: list with filters, retrieve, create draft, update rules, events, classify; scope and bad input."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from qinjian.assets.classify import get_classifier
from qinjian.assets.models import Asset, AssetEvent
from qinjian.testing.factories import AssetFactory, make_user

pytestmark = pytest.mark.django_db

LIST = "/api/assets/cards/"
CLASSIFY = "/api/assets/classify/"


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def officer(mini_city):
    return make_user("unit_asset_officer", mini_city.edu)


@pytest.fixture
def cards(mini_city):
    return {"edu": AssetFactory(unit=mini_city.edu, name="教育局电脑"),
            "health": AssetFactory(unit=mini_city.health, name="卫健委电脑", status="idle")}


def test_routes():
    assert reverse("assets-api:asset-list") == LIST
    assert reverse("assets-api:asset-classify") == CLASSIFY


def test_list_is_scoped_and_filtered(mini_city, officer, cards):
    api = _api(officer)
    body = api.get(LIST).json()
    assert [r["code"] for r in body["results"]] == [cards["edu"].code]
    row = body["results"][0]
    assert (row["unit"]["id"], row["class_code"], row["status_display"], row["net_value"]) == (
        mini_city.edu.pk, "A02010105", "在用", "5600.00")
    assert api.get(f"{LIST}{cards['health'].pk}/").status_code == 404
    assert api.get(f"{LIST}{cards['health'].pk}/events/").status_code == 404
    assert api.patch(f"{LIST}{cards['health'].pk}/", {"location": "x"}, format="json").status_code == 404
    center = _api(make_user("center_asset", mini_city.center))
    assert {r["code"] for r in center.get(LIST + "?status=idle").json()["results"]} == {cards["health"].code}
    assert center.get(LIST + "?class_code=A05").json()["count"] == 0
    assert center.get(LIST + "?class_code=A0201").json()["count"] == 2
    assert center.get(LIST + f"?within={mini_city.city.pk}&value_min=5000").json()["count"] == 2
    assert center.get(LIST + "?search=卫健委").json()["count"] == 1
    bad = center.get(LIST + "?status=lost")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]


def test_staff_only_own_cards(mini_city, cards):
    from qinjian.org.models import Person

    person = Person.objects.filter(unit=mini_city.edu).first()
    mine = AssetFactory(unit=mini_city.edu, custodian=person)
    staff = _api(make_user("staff", mini_city.edu, person=person))
    assert [r["id"] for r in staff.get(LIST).json()["results"]] == [mine.pk]
    assert staff.get(f"{LIST}{cards['edu'].pk}/").status_code == 404
    assert staff.post(LIST, {}, format="json").status_code == 403


def test_create_draft_and_errors(mini_city, officer):
    api = _api(officer)
    body = {"unit": mini_city.edu.pk, "name": "台式计算机", "class_code": "A02010105", "original_value": "4999.00",
            "acquired_on": "2026-01-05", "location": "302室"}
    response = api.post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["status"], created["value_fiscal"], created["unit"]["id"]) == ("draft", "4999.00", mini_city.edu.pk)
    assert AssetEvent.objects.filter(asset_id=created["id"], kind="registered").count() == 1
    count = Asset.objects.count()
    for change, field in [({"class_code": "A99999999"}, "asset_class"), ({"original_value": "-5"}, "original_value"),
                          ({"acquired_on": "2999-01-01"}, "acquired_on"), ({"unit": mini_city.health.pk}, "unit"),
                          ({"original_value": "20000000000"}, "original_value"), ({"colour": "red"}, "colour"),
                          ({"value_fiscal": "100", "value_nonfiscal": "100"}, "value_fiscal")]:
        response = api.post(LIST, {**body, **change}, format="json")
        assert response.status_code == 400, (change, response.json())
        assert field in response.json()["fields"], (change, response.json())
    assert Asset.objects.count() == count


def test_update_draft_and_booked(mini_city, officer, cards):
    api = _api(officer)
    booked = cards["edu"]
    response = api.patch(f"{LIST}{booked.pk}/", {"original_value": "1"}, format="json")
    assert response.status_code == 409 and "价值变动" in response.json()["message"]
    booked.refresh_from_db()
    assert booked.original_value == Decimal("5600.00")
    response = api.patch(f"{LIST}{booked.pk}/", {"location": "档案室", "class_code": "A02010108"}, format="json")
    assert response.status_code == 200
    assert (response.json()["location"], response.json()["class_code"]) == ("档案室", "A02010108")


def test_events_newest_first(mini_city, officer, cards):
    AssetEvent.objects.create(asset=cards["edu"], kind="edited", occurred_on=datetime.date(2025, 1, 1),
                              unit=mini_city.edu, message="信息修改")
    rows = _api(officer).get(f"{LIST}{cards['edu'].pk}/events/").json()["results"]
    assert [(r["kind"], r["occurred_on"]) for r in rows] == [("edited", "2025-01-01"), ("booked", "2023-03-20")]


def test_classify_in_order_like_the_command(mini_city, officer):
    names = ["联想启天M430台式机", "办公桌", "", "完全无法识别的东西xyz"]
    response = _api(officer).post(CLASSIFY, {"names": names}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["name"] for r in results] == names
    classifier = get_classifier()
    for name, result in zip(names, results, strict=True):
        expected = classifier.suggest(name.strip())
        assert (result["code"], result["class_name"], result["confidence"]) == (
            expected.code, expected.class_name, round(expected.confidence, 2))
    assert results[0]["code"] == "A02010105"


def test_classify_bad_input(mini_city, officer):
    api = _api(officer)
    assert api.post(CLASSIFY, {"names": []}, format="json").status_code == 400
    assert api.post(CLASSIFY, {"names": ["x"] * 1001}, format="json").status_code == 400
    assert api.post(CLASSIFY, {"names": "电脑"}, format="json").status_code == 400
    assert api.post(CLASSIFY, {"nmes": ["电脑"]}, format="json").status_code == 400
    assert api.get(CLASSIFY).status_code == 405
    nobody = _api(make_user("unit_vehicle_officer", mini_city.edu))
    assert nobody.post(CLASSIFY, {"names": ["电脑"]}, format="json").status_code == 403


def test_list_query_count_is_constant(mini_city, django_assert_max_num_queries):
    center = _api(make_user("center_asset", mini_city.center))
    AssetFactory.create_batch(2, unit=mini_city.edu)
    center.get(LIST)
    AssetFactory.create_batch(25, unit=mini_city.health)
    with django_assert_max_num_queries(8):
        assert center.get(LIST + "?page_size=100").json()["count"] == 27
