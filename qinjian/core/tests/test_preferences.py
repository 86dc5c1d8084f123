"""UserPreference: reads are served from the cache after the first, writes are seen at once, a rolled-back write
leaves nothing behind, and one user's setting is never another's."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinjian.core.models import UserPreference
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db
KEY = "list:assets.asset"


def _read(user, default=None):
    with CaptureQueriesContext(connection) as captured:
        value = UserPreference.get_value(user, KEY, default)
    return value, len(captured)


def test_reads_come_from_the_cache_and_writes_show_at_once(mini_city):
    user = make_user("staff", mini_city.edu)
    assert _read(user, {}) == ({}, 1)
    assert _read(user, {}) == ({}, 0)  # "not set" is remembered too
    UserPreference.set_value(user, KEY, {"per_page": 50})
    assert _read(user, {}) == ({"per_page": 50}, 1)
    assert _read(user, {}) == ({"per_page": 50}, 0)
    UserPreference.clear_value(user, KEY)
    assert _read(user, {}) == ({}, 1)


def test_a_rolled_back_write_is_not_remembered(mini_city):
    user = make_user("staff", mini_city.edu)
    UserPreference.set_value(user, KEY, {"per_page": 25})
    with pytest.raises(RuntimeError), transaction.atomic():
        UserPreference.set_value(user, KEY, {"per_page": 100})
        assert _read(user)[0] == {"per_page": 100}  # seen inside its own transaction, not cached
        raise RuntimeError
    assert _read(user) == ({"per_page": 25}, 1)


def test_users_do_not_share_settings(client, mini_city):
    first, second = make_user("center_office", mini_city.center), make_user("center_office", mini_city.center)
    UserPreference.set_value(first, "list:org.unit", {"columns": ["code"], "per_page": 100})
    assert _read(first)[0] is None and _read(second)[0] is None
    client.force_login(second)
    assert client.get(reverse("org:unit_list")).context["per_page"] != 100
    client.force_login(first)
    assert client.get(reverse("org:unit_list")).context["per_page"] == 100
