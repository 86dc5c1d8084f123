"""Two approvers acting on the same step at the same moment: exactly one decision (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from qinjian.core import context
from qinjian.core.errors import DomainError
from qinjian.core.models import ObjectChange
from qinjian.org.models import Unit
from qinjian.workflow.choices import RequestStatus, TaskStatus
from qinjian.workflow.models import ApprovalAction, ApprovalRequest
from qinjian.workflow.services import approval_approve, approval_submit

from .conftest import staffing_request


def _race(approval: ApprovalRequest, actors: list[Any], **kwargs: Any) -> tuple[list[str], list[DomainError]]:
    barrier = threading.Barrier(len(actors))
    wins: list[str] = []
    losses: list[DomainError] = []
    unexpected: list[BaseException] = []

    def worker(actor: Any) -> None:
        try:
            with context.acting(user=actor, source="web"):
                barrier.wait(timeout=10)
                approval_approve(approval=approval, actor=actor, comment="同意", **kwargs)
            wins.append(actor.username)
        except DomainError as exc:
            losses.append(exc)
        except BaseException as exc:  # pragma: no cover - reported below
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert unexpected == []
    return wins, losses


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("pass_task", [False, True])
def test_two_approvers_at_once_make_exactly_one_decision(people, pass_task):
    edu = people.city.edu
    req = staffing_request(edu, admin_delta=2)  # one step: the first approval is the final decision
    approval = approval_submit(obj=req, actor=people.edu_admin)
    task = approval.tasks.get()
    kwargs = {"task": task} if pass_task else {}

    wins, losses = _race(approval, [people.office, people.office2], **kwargs)

    assert len(wins) == 1 and len(losses) == 1
    assert "不能重复办理" in losses[0].message or "不能再办理" in losses[0].message
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    task.refresh_from_db()
    assert task.status == TaskStatus.APPROVED and task.acted_by.username == wins[0]
    assert ApprovalAction.objects.filter(request=approval, kind="approve").count() == 1
    assert Unit.objects.get(pk=edu.pk).quota_admin == 42
    assert ObjectChange.objects.filter(object_id=str(edu.pk), message__startswith="编制调整").count() == 1
