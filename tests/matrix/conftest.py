"""One world per test module: built once inside a transaction that is rolled back at the end."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from .checks import snapshot
from .world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    # Thousands of expected 403/404s would bury a real failure in log output.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            built = build_world()
            built.baseline = snapshot()
            yield built
            transaction.set_rollback(True)
    finally:
        request_log.setLevel(level)
