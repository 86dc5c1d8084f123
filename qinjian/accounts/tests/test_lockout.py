"""Login failures: lockout after 5, generic errors, the per-IP throttle, events and notices."""

from __future__ import annotations

import pytest
from django.test import Client

from qinjian.accounts.models import User
from qinjian.accounts.services import auth
from qinjian.core.models import Notification, SecurityEvent
from qinjian.testing.factories import DEFAULT_PASSWORD, UserFactory, make_user

from .conftest import post_login

pytestmark = pytest.mark.django_db
GENERIC = "账户名或密码错误，或账户暂时不可用。"


def _error_text(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    start = html.index('id="login-error">') + len('id="login-error">')
    return html[start:html.index("<", start)]


def test_five_failures_lock_for_fifteen_minutes(client, clock, mini_city):
    user = UserFactory(unit=mini_city.edu)
    for _ in range(5):
        assert _error_text(post_login(client, user.username, "Wrong#pass1")) == GENERIC
    user.refresh_from_db()
    assert user.is_locked
    # the sixth attempt, with the right password, still fails with the same text
    assert _error_text(post_login(client, user.username)) == GENERIC
    assert "_auth_user_id" not in client.session
    clock.shift(minutes=14, seconds=59)
    assert _error_text(post_login(client, user.username)) == GENERIC
    clock.shift(seconds=2)
    response = post_login(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/"
    user.refresh_from_db()
    assert user.failed_login_count == 0 and user.locked_until is None


def test_success_resets_the_counter(client, mini_city):
    user = UserFactory(unit=mini_city.edu)
    for _ in range(4):
        post_login(client, user.username, "Wrong#pass1")
    assert User.objects.get(pk=user.pk).failed_login_count == 4
    assert post_login(client, user.username)["Location"] == "/"
    assert User.objects.get(pk=user.pk).failed_login_count == 0
    client.post("/accounts/logout/")
    for _ in range(4):
        post_login(client, user.username, "Wrong#pass1")
    assert not User.objects.get(pk=user.pk).is_locked  # 4 + 4 failures with a success between: no lock


def test_same_generic_error_for_every_failure(client, mini_city):
    wrong = UserFactory(unit=mini_city.edu)
    disabled = UserFactory(unit=mini_city.edu, is_active=False)
    locked = UserFactory(unit=mini_city.edu)
    for _ in range(5):
        post_login(client, locked.username, "Wrong#pass1")
    texts = {
        "unknown": _error_text(post_login(client, "nobody-here")),
        "wrong": _error_text(post_login(client, wrong.username, "Wrong#pass1")),
        "locked": _error_text(post_login(client, locked.username)),
        "disabled": _error_text(post_login(client, disabled.username)),
    }
    assert set(texts.values()) == {GENERIC}
    reasons = list(SecurityEvent.objects.filter(event_type="login_failed").order_by("id")
                   .values_list("detail__reason", flat=True))
    assert reasons[-4:] == ["unknown_user", "bad_password", "locked", "disabled"]


def test_lockout_writes_events_and_notifies_security_admins(client, mini_city):
    secadmin = make_user("secadmin", mini_city.center)
    sysadmin = make_user("sysadmin", mini_city.center)
    user = UserFactory(unit=mini_city.edu)
    for _ in range(5):
        post_login(client, user.username, "Wrong#pass1", REMOTE_ADDR="10.1.2.3")
    events = SecurityEvent.objects.filter(username=user.username).order_by("id")
    assert [e.event_type for e in events] == ["login_failed"] * 5 + ["locked"]
    assert {e.ip for e in events} == {"10.1.2.3"}
    assert all(e.request_id for e in events) and len({e.request_id for e in events}) == 5
    assert events.last().detail == {"minutes": 15}
    notes = Notification.objects.filter(recipient=secadmin)
    assert notes.count() == 1 and user.username in notes.get().title
    assert not Notification.objects.filter(recipient=sysadmin).exists()


def test_per_ip_throttle_blocks_even_a_correct_password(client, mini_city, settings):
    settings.QINJIAN_SECURITY = {**settings.QINJIAN_SECURITY, "IP_LOCKOUT_THRESHOLD": 6}
    user = UserFactory(unit=mini_city.edu)
    for n in range(6):
        post_login(client, f"nobody{n}", "Wrong#pass1", REMOTE_ADDR="10.9.9.9")
    assert _error_text(post_login(client, user.username, REMOTE_ADDR="10.9.9.9")) == GENERIC
    assert SecurityEvent.objects.filter(event_type="login_failed", detail__reason="ip_blocked").count() == 1
    # another address is not affected, and the account itself was never counted
    other = Client()
    assert post_login(other, user.username, REMOTE_ADDR="10.9.9.10")["Location"] == "/"


def test_lockout_also_applies_to_the_service_used_by_the_api(mini_city):
    user = UserFactory(unit=mini_city.edu)
    for _ in range(5):
        with pytest.raises(auth.LoginFailed):
            auth.login_attempt(username=user.username, password="Wrong#pass1", ip="")
    with pytest.raises(auth.LoginFailed) as exc:
        auth.login_attempt(username=user.username, password=DEFAULT_PASSWORD, ip="")
    assert exc.value.message == GENERIC


def test_login_page_needs_both_fields(client, mini_city):
    response = client.post("/accounts/login/", {"username": "", "password": ""})
    assert response.status_code == 200 and "请输入账户名和密码" in response.content.decode()
    assert not SecurityEvent.objects.exists()
