"""The alert API: scope, filters, handle/close, rules read-only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from qinjian.alerts.choices import Severity
from qinjian.alerts.models import Alert, AlertRule
from qinjian.alerts.services import sweep_rule
from qinjian.core.models import ObjectChange

pytestmark = pytest.mark.django_db

URL = "/api/alerts/alerts/"
CODE = "test.flag"


@pytest.fixture
def alerts(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "教育局情况"), mini_city.edu_school.pk: (Severity.DANGER, "一中情况"),
                       mini_city.health.pk: (None, "卫健委情况")}
    sweep_rule(code=CODE)
    return {a.unit_id: a for a in Alert.objects.all()}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def state() -> tuple:
    return (list(Alert.objects.order_by("pk").values_list("status", "handle_note", "close_note")),
            ObjectChange.objects.count())


def test_list_is_scoped_and_filtered(alerts, users, mini_city):
    client = api(users["edu"])
    body = client.get(URL).json()
    assert body["count"] == 2
    assert {r["unit"] for r in body["results"]} == {mini_city.edu.pk, mini_city.edu_school.pk}
    first = body["results"][0]  # severe first
    assert (first["severity"], first["severity_display"], first["status"], first["rule"]["code"],
            first["object_type"], first["object_url"]) == (
        30, "严重", "open", CODE, "org.unit", f"/org/units/{mini_city.edu_school.pk}/")
    assert client.get(URL + "?severity=20").json()["count"] == 1
    assert client.get(URL + f"?within={mini_city.edu.pk}").json()["count"] == 2
    assert client.get(URL + f"?within={mini_city.health.pk}").json()["count"] == 0
    assert client.get(URL + "?status=live&rule=test.flag&object_type=org.unit").json()["count"] == 2
    assert client.get(URL + "?search=一中").json()["count"] == 1
    assert client.get(URL + "?severity=abc").status_code == 400
    assert client.get(URL + "?within=99999999999999999999").status_code == 400
    assert api(users["office"]).get(URL).json()["count"] == 3
    assert api(users["staff"]).get(URL).json()["count"] == 0
    assert api(users["sysadmin"]).get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)


def test_detail_outside_scope_is_404_and_actions_change_nothing(alerts, users, mini_city):
    client = api(users["edu"])
    other = alerts[mini_city.health.pk]
    before = state()
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert client.post(f"{URL}{other.pk}/handle/", {"note": "x"}, format="json").status_code == 404
    assert client.post(f"{URL}{other.pk}/close/", {"note": "x"}, format="json").status_code == 404
    assert api(users["staff"]).post(f"{URL}{alerts[mini_city.edu.pk].pk}/handle/", {"note": "x"},
                                    format="json").status_code == 404
    assert client.delete(f"{URL}{alerts[mini_city.edu.pk].pk}/").status_code == 405
    assert state() == before


def test_handle_then_close(alerts, users, mini_city):
    client = api(users["edu"])
    alert = alerts[mini_city.edu.pk]
    response = client.post(f"{URL}{alert.pk}/handle/", {"note": ""}, format="json")
    assert response.status_code == 400 and response.json()["fields"] == {"note": ["请填写处理说明。"]}
    response = client.post(f"{URL}{alert.pk}/handle/", {"note": "已处理", "extra": 1}, format="json")
    assert response.status_code == 400
    response = client.post(f"{URL}{alert.pk}/handle/", {"note": "已申请核增"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["handle_note"]) == ("handled", "已申请核增")
    assert client.post(f"{URL}{alert.pk}/handle/", {"note": "再"}, format="json").status_code == 409
    response = client.post(f"{URL}{alert.pk}/close/", {"note": "已整改"}, format="json")
    assert (response.status_code, response.json()["status"], response.json()["close_reason"]) == (
        200, "closed", "manual")


def test_rules_are_read_only_for_the_sysadmin(alerts, users):
    client = api(users["sysadmin"])
    body = client.get("/api/alerts/rules/").json()
    row = next(r for r in body["results"] if r["code"] == CODE)
    assert (row["live_count"], row["parameters"], row["last_sweep_result"]["opened"]) == (3, {"limit": 5}, 3)
    rule = AlertRule.objects.get(code=CODE)
    assert client.get(f"/api/alerts/rules/{rule.pk}/").json()["name"] == "测试标记"
    assert client.patch(f"/api/alerts/rules/{rule.pk}/", {"enabled": False}, format="json").status_code == 405
    assert api(users["edu"]).get("/api/alerts/rules/").status_code == 403
