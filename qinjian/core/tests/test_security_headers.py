"""Security headers on every page, no caching of authenticated pages, CSRF on login and every POST."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from qinjian.core.models import SecurityEvent
from qinjian.testing.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _assert_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-eval" not in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_login_page_headers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    _assert_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_authenticated_pages_are_never_cached(client, mini_city):
    user = UserFactory(unit=mini_city.edu)
    client.force_login(user)
    for path in ("/", "/inbox/", "/accounts/password/"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_headers(response)
        assert response["Cache-Control"] == "no-store", path
        assert response["X-Request-ID"]


def test_static_files_may_be_cached(client):
    response = client.get("/static/qinjian/app.css")
    assert response.get("Cache-Control", "") != "no-store"


def test_session_and_csrf_cookies_are_http_only(client, mini_city):
    user = UserFactory(unit=mini_city.edu)
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) <= 1800


def test_login_without_csrf_token_is_refused(mini_city):
    user = UserFactory(unit=mini_city.edu)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session
    assert not SecurityEvent.objects.filter(event_type="login").exists()


def test_login_with_csrf_token_works(mini_city):
    user = UserFactory(unit=mini_city.edu)
    strict = Client(enforce_csrf_checks=True)
    strict.get("/accounts/login/")
    token = strict.cookies[settings.CSRF_COOKIE_NAME].value
    response = strict.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD,
                                                "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/"


def test_authenticated_posts_need_csrf(mini_city):
    user = UserFactory(unit=mini_city.edu)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    for path in ("/accounts/logout/", "/accounts/password/", "/accounts/role/", "/inbox/read/"):
        response = strict.post(path, {})
        assert response.status_code == 403, path
    assert strict.get("/").status_code == 200  # still logged in: the logout was refused
