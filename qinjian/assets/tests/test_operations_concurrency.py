"""资产业务单 under concurrent use (PostgreSQL row locks): exactly one decision, one submit, one document."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from qinjian.assets.choices import AssetStatus, EventKind, OperationStatus
from qinjian.assets.models import Asset, AssetEvent, AssetMovement, AssetOperation, AssetOperationLine
from qinjian.assets.services.operations import operation_create, operation_submit
from qinjian.core import context
from qinjian.core.errors import DomainError
from qinjian.workflow.models import ApprovalAction, ApprovalRequest
from qinjian.workflow.services import approval_approve

from .operations_world import approval_of, approve_all, build_world, card, today

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _race(calls: list[tuple[Any, Callable[[], Any]]]) -> tuple[list[Any], list[DomainError]]:
    barrier = threading.Barrier(len(calls))
    wins: list[Any] = []
    losses: list[DomainError] = []
    unexpected: list[BaseException] = []

    def worker(actor: Any, call: Callable[[], Any]) -> None:
        try:
            with context.acting(user=actor, source="web"):
                barrier.wait(timeout=10)
                wins.append(call())
        except DomainError as exc:
            losses.append(exc)
        except BaseException as exc:  # pragma: no cover - reported below
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=pair) for pair in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert unexpected == []
    return wins, losses


def test_two_approvers_at_once_dispose_exactly_once(mini_city):
    w = build_world(mini_city)
    asset = card(mini_city.edu)
    op = operation_create(kind="disposal", unit=mini_city.edu, actor=w.edu_officer, assets=[asset],
                          occurred_on=today(), reason="报废", disposal_method="scrap")
    operation_submit(operation=op, actor=w.edu_officer)
    approval = approve_all(op, w.edu_officer)  # the next (final) step is 中心资产管理处: two people hold it

    wins, losses = _race([(u, lambda u=u: approval_approve(approval=approval, actor=u, comment="同意"))
                          for u in (w.center, w.center2)])

    assert len(wins) == 1 and len(losses) == 1
    assert "不能重复办理" in losses[0].message or "不能再办理" in losses[0].message or "已被他人办理" in losses[0].message
    assert ApprovalAction.objects.filter(request=approval, kind="approve").count() == 2  # unit + one center
    assert AssetEvent.objects.filter(asset=asset, kind=EventKind.DISPOSED).count() == 1
    assert AssetMovement.objects.filter(asset=asset, kind="disposal").count() == 1
    assert Asset.objects.get(pk=asset.pk).status == AssetStatus.DISPOSED
    assert AssetOperation.objects.get(pk=op.pk).status == OperationStatus.DONE


def test_a_double_submit_starts_one_approval(mini_city):
    w = build_world(mini_city)
    asset = card(mini_city.edu)
    op = operation_create(kind="disposal", unit=mini_city.edu, actor=w.edu_officer, assets=[asset],
                          occurred_on=today(), reason="报废", disposal_method="scrap")

    wins, losses = _race([(w.edu_officer, lambda: operation_submit(operation=op, actor=w.edu_officer))
                          for _ in range(2)])

    assert len(wins) == 1 and len(losses) == 1
    assert "重复提交" in losses[0].message or "审批中" in losses[0].message
    assert ApprovalRequest.objects.filter(object_id=op.pk).count() == 1
    # one 待处置 mark, not two
    assert AssetEvent.objects.filter(asset=asset, operation=op, status_after=AssetStatus.PENDING_DISPOSAL).count() == 1
    assert approval_of(op).tasks.filter(status="pending").count() == 1


def test_two_documents_disposing_of_the_same_asset_at_once_one_wins(mini_city):
    w = build_world(mini_city)
    asset, other = card(mini_city.edu), card(mini_city.edu)

    def create(reason: str) -> AssetOperation:
        return operation_create(kind="disposal", unit=mini_city.edu, actor=w.edu_officer, assets=[other, asset],
                                occurred_on=today(), reason=reason, disposal_method="scrap")

    wins, losses = _race([(w.edu_officer, lambda: create("甲")), (w.edu_officer, lambda: create("乙"))])

    assert len(wins) == 1 and len(losses) == 1
    assert "不能同时办理两张业务单" in str(losses[0].fields)
    assert AssetOperation.objects.count() == 1
    assert AssetOperationLine.objects.filter(asset=asset).count() == 1
