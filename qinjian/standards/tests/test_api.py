import pytest
from rest_framework.test import APIClient

from qinjian.standards.services.loader import DATA_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(staff):
    client = APIClient()
    client.force_authenticate(staff)
    return client


def test_lookup_office_area(api):
    response = api.get("/api/standards/lookup/", {"name": "office_area", "on": "2026-05-01", "level": "city",
                                                  "rank": "C-3"})
    assert response.status_code == 200
    body = response.json()
    assert body["on"] == "2026-05-01"
    assert body["version"]["code"] == "2014"
    assert body["version"]["doc_no"] == "发改投资〔2014〕2674号"
    assert body["rows"] == [{"key": {"level": "city", "rank": "C-3"},
                             "values": {"rank_name": "正局(处)级", "area": "24"}, "confidence": "C2", "note": ""}]


def test_lookup_partial_key_lists_rows(api):
    body = api.get("/api/standards/lookup/?name=equipment_standard&item=printer").json()
    assert [r["key"]["variant"] for r in body["rows"]] == ["a4_mono", "a4_colour", "a3_mono", "a3_colour"]
    assert body["rows"][0]["values"]["min_years"] == 6


def test_lookup_errors(api):
    gap = api.get("/api/standards/lookup/?name=office_area&on=2000-01-01")
    assert gap.status_code == 404
    assert gap.json()["code"] == "standard_not_in_force"
    assert "没有生效的版本" in gap.json()["message"]
    missing = api.get("/api/standards/lookup/?name=office_area&level=city&rank=C-9")
    assert missing.status_code == 404 and missing.json()["code"] == "standard_row_not_found"
    assert api.get("/api/standards/lookup/").json()["fields"] == {"name": ["必填。"]}
    assert api.get("/api/standards/lookup/?name=office_area&on=2026-99-01").status_code == 400
    bad_key = api.get("/api/standards/lookup/?name=office_area&colour=red")
    assert bad_key.status_code == 400 and bad_key.json()["fields"] == {"colour": ["不是该标准的查询条件。"]}
    assert api.get("/api/standards/lookup/?name=nope").status_code == 404
    assert api.get("/api/standards/lookup/?name=office%00area").status_code == 404
    assert api.get("/api/standards/asset-classes/?search=%00").status_code == 200


def test_no_permission_is_403(nobody):
    client = APIClient()
    client.force_authenticate(nobody)
    for url in ("/api/standards/lookup/?name=office_area", "/api/standards/tables/", "/api/standards/asset-classes/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert set(response.json()) == {"code", "message", "fields"}
    assert APIClient().get("/api/standards/tables/").status_code in (401, 403)


def test_tables_and_versions(api):
    body = api.get("/api/standards/tables/").json()
    assert body["count"] == len(list(DATA_DIR.glob("*.json")))
    office = next(t for t in body["results"] if t["name"] == "office_area")
    assert office["current_version"]["code"] == "2014"
    version = api.get(f"/api/standards/versions/{office['current_version']['id']}/").json()
    assert len(version["rows"]) == 23
    assert api.get("/api/standards/versions/?table=co2_factor").json()["count"] == 3


def test_api_is_read_only(api, sysadmin):
    client = APIClient()
    client.force_authenticate(sysadmin)
    assert client.post("/api/standards/tables/", {}, format="json").status_code == 405
    assert api.delete("/api/standards/asset-classes/1/").status_code in (403, 405)


def test_asset_class_search_is_paginated(api):
    body = api.get("/api/standards/asset-classes/", {"search": "台式"}).json()
    assert body["count"] == 2
    assert body["results"][0] == {"id": body["results"][0]["id"], "code": "A02010105", "name": "台式计算机",
                                  "level": 4, "parent_code": "A02010100",
                                  "path_names": "设备 / 信息化设备 / 计算机 / 台式计算机", "is_manual": False}
    page = api.get("/api/standards/asset-classes/?level=4&page_size=100").json()
    assert page["count"] == 2424 and len(page["results"]) == 100 and page["next"]
    assert api.get("/api/standards/asset-classes/?parent=A02010100").json()["count"] == 10
    legacy = api.get("/api/standards/legacy-codes/?scheme=cat2013&code=A02010104").json()["results"][0]
    assert (legacy["code_2022"], legacy["is_mapped"]) == ("A02010105", True)
