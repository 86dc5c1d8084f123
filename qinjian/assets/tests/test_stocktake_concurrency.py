"""Phones scanning the same card at the same moment: counted exactly once (PostgreSQL row locks)."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection

from qinjian.core import context
from qinjian.testing.factories import AssetFactory, make_user

from ..choices import StocktakeResult
from ..models import StocktakeItem, StocktakeScan
from ..services.stocktake import ScanResult, campaign_create, campaign_start, progress_totals, stocktake_scan

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _race(campaign: Any, calls: list[tuple[Any, dict[str, Any]]]) -> list[ScanResult]:
    barrier = threading.Barrier(len(calls))
    results: list[ScanResult] = []
    unexpected: list[BaseException] = []

    def worker(user: Any, kwargs: dict[str, Any]) -> None:
        try:
            with context.acting(user=user, source="api"):
                barrier.wait(timeout=10)
                results.append(stocktake_scan(campaign=campaign, user=user, **kwargs))
        except BaseException as exc:  # pragma: no cover - reported below
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert unexpected == []
    return results


@pytest.fixture
def started(mini_city: Any) -> Any:
    officer = make_user("unit_asset_officer", mini_city.edu)
    counters = [make_user("staff", mini_city.edu) for _ in range(4)]
    card = AssetFactory(unit=mini_city.edu, location="教育局办公楼301室")
    today = datetime.date.today()
    campaign = campaign_create(actor=officer, unit=mini_city.edu, name="并发盘点", units=[mini_city.edu],
                               planned_start=today, planned_end=today, counters=counters)
    campaign_start(campaign=campaign, actor=officer)
    return campaign, counters, card


def test_four_counters_scanning_one_card_count_it_once(started):
    campaign, counters, card = started
    results = _race(campaign, [(u, {"client_id": f"phone-{i}-scan-0001", "code": card.code,
                                    "location": "教育局办公楼301室"}) for i, u in enumerate(counters)])
    assert sorted(r.outcome for r in results) == ["accepted"] * 4
    assert sum("不重复计数" not in r.message for r in results) == 1  # exactly one first count
    item = StocktakeItem.objects.get(campaign=campaign, asset=card)
    assert item.result == StocktakeResult.FOUND and item.scan_count == 4
    assert progress_totals(campaign)["found"] == 1
    assert card.events.filter(kind="stocktake").count() == 1


def test_the_same_scan_resent_at_once_is_recorded_once(started):
    campaign, counters, card = started
    user = counters[0]
    results = _race(campaign, [(user, {"client_id": "resend-race-000001", "code": card.code}) for _ in range(4)])
    assert sum(not r.resent for r in results) == 1
    assert len({r.scan.pk for r in results}) == 1
    assert StocktakeScan.objects.filter(campaign=campaign).count() == 1
    assert StocktakeItem.objects.get(campaign=campaign, asset=card).scan_count == 1


def test_two_phones_finding_the_same_unknown_label_make_one_surplus(started):
    campaign, counters, _card = started
    results = _race(campaign, [(u, {"client_id": f"surplus-race-{i:04d}", "code": "UNKNOWN-77", "name": "旧书柜"})
                               for i, u in enumerate(counters[:3])])
    assert sorted(r.outcome for r in results) == ["accepted"] * 3
    assert StocktakeItem.objects.filter(campaign=campaign, result=StocktakeResult.SURPLUS).count() == 1
