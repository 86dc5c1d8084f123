"""Password rules: length, character classes, history, hashing, forced change, expiry."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError

from qinjian.accounts.models import PasswordHistory, User
from qinjian.accounts.services import auth, users
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import SecurityEvent
from qinjian.testing.factories import DEFAULT_PASSWORD, UserFactory, make_user

from .conftest import as_user, post_login

pytestmark = pytest.mark.django_db


def _errors(password: str, user: User | None = None) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.parametrize("password", ["Ab1!xyz", "abcdefgh12", "ABCDEFGH!!", "abcdefgh!!", "12345678!"])
def test_weak_passwords_are_rejected(password, mini_city):
    assert _errors(password), password


@pytest.mark.parametrize("password", ["Kqjwxb71", "abcdef1!", "ABCDEF1!", "Abcdefg!", "Zq7#mWp2Lx"])
def test_passwords_with_eight_chars_and_three_classes_pass(password, mini_city):
    assert _errors(password) == []


def test_length_message_and_class_message_are_chinese(mini_city):
    messages = _errors("Ab1!")
    assert any("8" in m for m in messages)
    assert any("至少 3 类" in m for m in _errors("abcdefghij"))


def test_no_reuse_of_the_last_five_passwords(mini_city):
    user = UserFactory(unit=mini_city.center)
    history = [DEFAULT_PASSWORD, "Second#2026", "Third#2026a", "Fourth#2026", "Fifth#2026a", "Sixth#2026a"]
    for old, new in itertools.pairwise(history):
        auth.password_change(user=user, old_password=old, new_password=new)
    # current = Sixth; the last five are Sixth, Fifth, Fourth, Third, Second
    for reused in history[1:]:
        with pytest.raises(ValidationFailed) as exc:
            auth.password_change(user=user, old_password="Sixth#2026a", new_password=reused)
        assert exc.value.fields["new_password1"]
    # the sixth-last one (the factory's) may come back
    auth.password_change(user=user, old_password="Sixth#2026a", new_password=DEFAULT_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert PasswordHistory.objects.filter(user=user).count() == 6


def test_production_hashes_with_argon2():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qinjian.settings.production", "QINJIAN_DEBUG": "0",
           "QINJIAN_SECRET_KEY": "x" * 60, "QINJIAN_ALLOWED_HOSTS": "qinjian.example.gov.cn"}
    code = ("import django; django.setup(); from django.conf import settings as s;"
            "from django.contrib.auth.hashers import make_password, get_hasher;"
            "print(s.PASSWORD_HASHERS[0]); print(make_password('Abcdef1!').split('$')[0])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["django.contrib.auth.hashers.Argon2PasswordHasher", "argon2"]


def test_test_settings_hash_differently_only_for_speed():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_new_account_must_change_password_at_first_login(client, mini_city):
    admin = make_user("sysadmin", mini_city.center)
    user, temporary = users.user_create(by=admin, username="Zhang.San", full_name="张三", unit=mini_city.edu)
    assert user.username == "zhang.san" and user.must_change_password
    response = post_login(client, "ZHANG.SAN", temporary)
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    # every other page sends the user back to the change form
    assert client.get("/")["Location"] == "/accounts/password/"
    response = client.post("/accounts/password/", {"old_password": temporary, "new_password1": "Neu#Pass2026",
                                                   "new_password2": "Neu#Pass2026"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Neu#Pass2026")
    assert SecurityEvent.objects.filter(event_type="password_changed", username="zhang.san", success=True).count() == 1


def test_admin_reset_forces_a_change_and_ends_sessions(client, mini_city):
    admin = make_user("sysadmin", mini_city.center)
    user = UserFactory(unit=mini_city.edu)
    assert post_login(client, user.username)["Location"] == "/"
    session_key = client.session.session_key
    temporary = users.user_reset_password(by=admin, user=user)
    assert not Session.objects.filter(session_key=session_key).exists()  # ended on the server
    assert user.sessions.count() == 0
    assert client.get("/").status_code == 302
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(temporary)
    assert not _errors(temporary)  # the temporary password satisfies the policy
    event = SecurityEvent.objects.get(event_type="password_reset")
    assert (event.username, event.object_id) == (admin.username, str(user.pk))
    response = post_login(client, user.username, temporary)
    assert response["Location"] == "/accounts/password/"


def test_password_expires_after_max_age(client, clock, mini_city):
    user = UserFactory(unit=mini_city.edu)
    auth.password_change(user=user, old_password=DEFAULT_PASSWORD, new_password="Fresh#2026x")
    assert settings.QINJIAN_SECURITY["PASSWORD_MAX_AGE_DAYS"] == 90
    clock.shift(days=89)
    assert post_login(client, user.username, "Fresh#2026x")["Location"] == "/"
    client.post("/accounts/logout/")
    clock.shift(days=2)
    user.refresh_from_db()
    assert auth.password_needs_change(user) == "expired"
    assert post_login(client, user.username, "Fresh#2026x")["Location"] == "/accounts/password/"
    assert "密码已超过有效期" in client.get("/accounts/password/").content.decode()


def test_wrong_old_password_is_refused_and_recorded(client, mini_city):
    user = UserFactory(unit=mini_city.edu)
    as_user(client, user)
    response = client.post("/accounts/password/", {"old_password": "Wrong#2026", "new_password1": "Neu#Pass2026",
                                                   "new_password2": "Neu#Pass2026"})
    assert response.status_code == 200 and "原密码不正确" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert SecurityEvent.objects.filter(event_type="password_changed", success=False,
                                        username=user.username).count() == 1


def test_password_change_keeps_this_session_and_ends_the_others(mini_city):
    from django.test import Client

    user = UserFactory(unit=mini_city.edu)
    first, second = Client(), Client()
    assert post_login(first, user.username)["Location"] == "/"
    assert post_login(second, user.username)["Location"] == "/"
    response = first.post("/accounts/password/", {"old_password": DEFAULT_PASSWORD, "new_password1": "Neu#Pass2026",
                                                  "new_password2": "Neu#Pass2026"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302
    assert user.sessions.count() == 1
    assert user.sessions.get().session_key == first.session.session_key
