"""One world per test module: built once inside a transaction that is rolled back at the end."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.db import transaction

from .checks import diff, snapshot
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


@pytest.fixture(autouse=True)
def _world_stays_as_built(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every request runs in a savepoint that is rolled back; a change that survives it was written
    outside the request's transaction (another connection, a thread) and would skew every later check."""
    yield
    if "world" not in request.fixturenames:
        return
    world = request.getfixturevalue("world")
    changed = diff(world.baseline or {}, snapshot())
    if changed:
        world.baseline = snapshot()  # report once, here, not in every later test
        pytest.fail(f"the world changed outside the rolled-back requests: {', '.join(changed)}", pytrace=False)
