"""A month-end build and a back-dated journal line at the same time (PostgreSQL): the line either is in the
build or leaves the month-end invalid — a stored month-end that misses a line is never left valid."""

from __future__ import annotations

import datetime
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from qinjian.assets import selectors
from qinjian.assets.models import Asset, AssetBalance, BalanceMonth
from qinjian.assets.services import ledger
from qinjian.assets.services.balances import balances_build
from qinjian.core import context
from qinjian.testing.factories import AssetFactory, _asset_class, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL advisory locks"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = datetime.date
END = D(2025, 6, 30)


def _draft(unit: Any) -> Any:
    card = AssetFactory.build(unit=unit, original_value=Decimal("4800.00"), value_fiscal=Decimal("4800.00"),
                              value_nonfiscal=Decimal("0"), acquired_on=D(2025, 3, 10), status="draft",
                              asset_class=_asset_class(), booked_on=None, depreciation_start=None)
    card.save()
    return card


def _held_value(unit: Any) -> Decimal:
    return sum((r.value for r in AssetBalance.objects.filter(month_end=END, unit=unit)), Decimal("0"))


def _run(target: Any, errors: list[BaseException]) -> threading.Thread:
    def wrapped() -> None:
        try:
            with context.acting(user=None, source="job"):
                target()
        except BaseException as exc:  # pragma: no cover - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=wrapped)
    thread.start()
    return thread


def test_a_line_written_during_a_build_leaves_the_month_end_invalid(mini_city, monkeypatch):
    actor = make_user("center_asset", mini_city.center)
    AssetFactory(unit=mini_city.edu)
    draft = _draft(mini_city.edu)
    in_build, release = threading.Event(), threading.Event()
    real = selectors.card_depreciation

    def slow(*args: Any, **kwargs: Any) -> Any:
        in_build.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(selectors, "card_depreciation", slow)
    errors: list[BaseException] = []
    builder = _run(lambda: balances_build(END), errors)
    assert in_build.wait(10)

    def book() -> None:
        with transaction.atomic():
            ledger.book(ledger.lock_assets([draft.pk])[draft.pk], on=D(2025, 3, 10), actor=actor)

    writer = _run(book, errors)
    time.sleep(0.5)
    assert writer.is_alive()  # waits for the build (advisory lock)
    release.set()
    builder.join(20)
    writer.join(20)
    assert errors == []
    month = BalanceMonth.objects.get(month_end=END)
    assert not month.is_valid  # built without the line, then marked invalid by it
    assert selectors.balance_base(D(2025, 7, 1)) is None


def test_a_build_started_during_a_write_waits_and_includes_the_line(mini_city):
    actor = make_user("center_asset", mini_city.center)
    AssetFactory(unit=mini_city.edu)
    draft = _draft(mini_city.edu)
    written, commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def book() -> None:
        with transaction.atomic():
            ledger.book(ledger.lock_assets([draft.pk])[draft.pk], on=D(2025, 3, 10), actor=actor)
            written.set()
            commit.wait(10)

    writer = _run(book, errors)
    assert written.wait(10)
    builder = _run(lambda: balances_build(END), errors)
    time.sleep(0.5)
    assert builder.is_alive()  # waits for the writer's transaction
    commit.set()
    writer.join(20)
    builder.join(20)
    assert errors == []
    assert BalanceMonth.objects.get(month_end=END).is_valid
    booked = Asset.objects.filter(unit=mini_city.edu, booked_on__lte=END)
    assert draft.pk in set(booked.values_list("pk", flat=True))
    assert _held_value(mini_city.edu) == sum((a.original_value for a in booked), Decimal("0"))
