"""Sessions: idle timeout, absolute cap, logout, ending every session of a user at once."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from qinjian.accounts.services import users
from qinjian.core.models import SecurityEvent
from qinjian.testing.factories import UserFactory, make_user

from .conftest import post_login

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"])
def engine(request, settings):
    """The tests below run with sessions in the database and, as deployed without Redis, read through the cache."""
    settings.SESSION_ENGINE = request.param
    return request.param


def test_idle_timeout_settings():
    assert settings.SESSION_COOKIE_AGE <= 1800
    # the middleware slides the expiry at most once a minute instead of a write per request
    assert settings.SESSION_SAVE_EVERY_REQUEST or settings.QINJIAN_SECURITY["SESSION_REFRESH_SECONDS"] <= 60
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.QINJIAN_SECURITY["ABSOLUTE_SESSION_SECONDS"] <= 12 * 3600


def test_idle_session_ends_after_thirty_minutes(client, clock, mini_city, engine):
    user = UserFactory(unit=mini_city.edu)
    assert post_login(client, user.username)["Location"] == "/"
    clock.shift(minutes=29)
    assert client.get("/").status_code == 200  # activity slides the expiry
    clock.shift(minutes=29)
    assert client.get("/").status_code == 200
    clock.shift(minutes=30, seconds=1)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    if engine.endswith("cached_db"):  # the cache's own clock has not moved: the application ended it
        assert not user.sessions.exists()
        assert SecurityEvent.objects.filter(event_type="session_expired", detail__reason="idle_timeout").exists()


def test_absolute_cap_ends_an_active_session(client, clock, mini_city, engine):
    user = UserFactory(unit=mini_city.edu)
    assert post_login(client, user.username)["Location"] == "/"
    cap = settings.QINJIAN_SECURITY["ABSOLUTE_SESSION_SECONDS"]
    for _ in range(cap // 1500):
        clock.shift(seconds=1500)
        assert client.get("/").status_code == 200
    clock.shift(seconds=1500)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?expired=1"
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(event_type="session_expired", username=user.username,
                                        detail__reason="absolute_timeout").count() == 1
    assert user.sessions.count() == 0


def test_logout_deletes_the_server_session(client, mini_city, engine):
    user = UserFactory(unit=mini_city.edu)
    post_login(client, user.username)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    assert user.sessions.filter(session_key=key).exists()
    assert client.get("/accounts/logout/").status_code == 405  # logout is POST only (no CSRF-able GET)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not Session.objects.filter(session_key=key).exists()
    assert not user.sessions.exists()
    assert SecurityEvent.objects.filter(event_type="logout", username=user.username).count() == 1
    # replaying the old cookie gets nothing
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get("/").status_code == 302


def test_disabling_a_user_ends_all_sessions_at_once(mini_city, engine):
    admin = make_user("sysadmin", mini_city.center)
    user = UserFactory(unit=mini_city.edu)
    clients = [Client(), Client(), Client()]
    for c in clients:
        assert post_login(c, user.username)["Location"] == "/"
    keys = [c.session.session_key for c in clients]
    assert user.sessions.count() == 3
    assert users.user_disable(by=admin, user=user) == 3
    assert not Session.objects.filter(session_key__in=keys).exists()
    for c in clients:
        assert c.get("/").status_code == 302
    event = SecurityEvent.objects.get(event_type="user_disabled")
    assert event.detail["sessions_ended"] == 3 and event.username == admin.username
    # and a disabled account cannot log in again
    assert post_login(Client(), user.username).status_code == 200


def test_other_users_sessions_survive(mini_city, engine):
    admin = make_user("sysadmin", mini_city.center)
    victim, bystander = UserFactory(unit=mini_city.edu), UserFactory(unit=mini_city.edu)
    c1, c2 = Client(), Client()
    post_login(c1, victim.username)
    post_login(c2, bystander.username)
    users.user_reset_password(by=admin, user=victim)
    assert c1.get("/").status_code == 302
    assert c2.get("/").status_code == 200
