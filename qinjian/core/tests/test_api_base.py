"""The shared API machinery: error shape for every status, schema and docs."""

from __future__ import annotations

import json

import pytest
import yaml
from django.db import IntegrityError
from django.test import Client
from rest_framework import exceptions
from rest_framework.test import APIClient

from qinjian.accounts.api import views as auth_views
from qinjian.core.api.errors import exception_handler, flatten_errors
from qinjian.core.errors import Conflict
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(mini_city) -> Client:
    client = Client()
    client.force_login(make_user("center_office", mini_city.center), backend="qinjian.accounts.backends.RoleBackend")
    return client


def test_unknown_api_url_and_method_are_json(browser):
    response = browser.get("/api/nothing/here/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "请求的资源不存在。", "fields": {}}
    assert browser.get("/api/org/units/abc/").status_code == 404
    response = browser.delete("/api/org/units/")
    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "message": "不支持该请求方法（DELETE）。", "fields": {}}


def test_options_and_head(browser):
    assert browser.options("/api/org/units/").status_code == 200
    assert browser.head("/api/org/people/").status_code == 200


def test_unexpected_error_is_a_json_500(mini_city, monkeypatch):
    def boom(self, request):
        raise RuntimeError("bug")

    monkeypatch.setattr(auth_views.MeView, "get", boom)
    client = Client(raise_request_exception=False)
    client.force_login(make_user("staff", mini_city.edu), backend="qinjian.accounts.backends.RoleBackend")
    response = client.get("/api/auth/me/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"


@pytest.mark.parametrize(("exc", "status", "body"), [
    (exceptions.Throttled(wait=12), 429, {"code": "throttled", "message": "请求过于频繁，请 12 秒后再试。", "fields": {}}),
    (Conflict("该记录已被他人修改，请刷新后重试。"), 409,
     {"code": "conflict", "message": "该记录已被他人修改，请刷新后重试。", "fields": {}}),
    (IntegrityError("UNIQUE constraint failed"), 409,
     {"code": "conflict", "message": "数据与现有记录冲突（可能已被他人同时提交），请刷新后重试。", "fields": {}}),
    (exceptions.NotAcceptable(), 406, {"code": "not_acceptable", "message": "无法提供所请求的格式，请接受 application/json。",
                                        "fields": {}}),
])
def test_error_shapes(exc, status, body):
    response = exception_handler(exc, {})
    assert response is not None and response.status_code == status
    assert response.data == body


def test_nested_errors_are_flattened():
    detail = {"items": [{}, {"qty": ["必须为正数。"]}], "address": {"city": ["必填。"]}, "name": ["太长。"]}
    assert flatten_errors(detail) == {"items.1.qty": ["必须为正数。"], "address.city": ["必填。"], "name": ["太长。"]}
    assert flatten_errors(["整体错误。"]) == {"non_field_errors": ["整体错误。"]}


def test_schema_json_and_yaml(browser):
    response = browser.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "勤俭 机关事务管理平台 API"
    paths = schema["paths"]
    for path in ("/api/auth/token/", "/api/auth/me/", "/api/org/units/", "/api/org/units/{id}/move/",
                 "/api/org/people/", "/api/org/departments/", "/api/org/ranks/", "/api/org/regions/"):
        assert path in paths
    assert paths["/api/org/units/"]["get"]["summary"] == "单位列表"
    assert paths["/api/org/units/{id}/move/"]["post"]["summary"] == "调整上级单位"
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    assert set(paths["/api/org/units/{id}/"]["patch"]["responses"]) == {"200", "400", "401", "403", "404"}
    as_yaml = yaml.safe_load(browser.get("/api/schema/").content)
    assert as_yaml["paths"].keys() == paths.keys()
    assert APIClient().get("/api/schema/?format=json").status_code == 401


def test_docs_page(browser):
    response = browser.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert '<script src="/api/docs/?script="></script>' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = browser.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in script.content.decode()
    anonymous = Client().get("/api/docs/")
    assert anonymous.status_code == 302 and anonymous["Location"] == "/accounts/login/?next=%2Fapi%2Fdocs%2F"


def test_schema_generates_without_warnings(tmp_path):
    """Every API view documents its input and output; enum names are stable (ENUM_NAME_OVERRIDES)."""
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/assets/cards/" in target.read_text(encoding="utf-8")
