"""Flow definition pages (system administrator) and the inboxes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from qinjian.org.models import StaffingChangeRequest
from qinjian.testing.factories import make_user
from qinjian.workflow.models import FlowDefinition, FlowStep
from qinjian.workflow.services import approval_submit

from .conftest import staffing_request

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _flow_post(ct: ContentType, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data = {"name": "测试流程", "content_type": ct.pk, "priority": "5", "amount_min": "", "amount_max": "",
            "is_active": "on", "description": "", "steps-TOTAL_FORMS": str(len(steps)), "steps-INITIAL_FORMS": "0",
            "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "20", **extra}
    for i, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{i}-{key}"] = value
    return data


STEP = {"name": "综合处审核", "role_code": "center_office", "unit_rule": "scope_all", "fixed_unit": "",
        "min_amount": "", "deadline_value": "2", "deadline_unit": "workdays"}
BLANK = {"name": "", "role_code": "", "unit_rule": "scope_all", "fixed_unit": "", "min_amount": "",
         "deadline_value": "", "deadline_unit": "workdays"}


def test_sysadmin_creates_and_edits_a_flow_without_code(people):
    sysadmin = make_user("sysadmin", people.city.center)
    client = _client(sysadmin)
    ct = ContentType.objects.get_for_model(StaffingChangeRequest)
    assert client.get("/approvals/flows/").status_code == 200
    page = client.get("/approvals/flows/new/")
    assert page.status_code == 200 and "编制调整申请" in page.content.decode()
    response = client.post("/approvals/flows/new/", _flow_post(ct, [STEP, BLANK]))
    flow = FlowDefinition.objects.get(name="测试流程")
    assert response.status_code == 302 and response["Location"] == f"/approvals/flows/{flow.pk}/"
    assert list(flow.steps.values_list("order", "name", "role_code")) == [(1, "综合处审核", "center_office")]
    detail = client.get(f"/approvals/flows/{flow.pk}/").content.decode()
    assert "综合处审核" in detail and "中心综合处" in detail
    edit = client.get(f"/approvals/flows/{flow.pk}/edit/")
    assert edit.status_code == 200 and 'value="综合处审核"' in edit.content.decode()
    leader_step = {**STEP, "name": "领导审批", "role_code": "center_leader", "min_amount": "10"}
    data = _flow_post(ct, [STEP, leader_step])
    response = client.post(f"/approvals/flows/{flow.pk}/edit/", data)
    assert response.status_code == 302
    flow.refresh_from_db()
    assert flow.version == 2
    assert list(flow.steps.values_list("order", "name")) == [(1, "综合处审核"), (2, "领导审批")]
    assert client.post(f"/approvals/flows/{flow.pk}/deactivate/").status_code == 302
    flow.refresh_from_db()
    assert flow.is_active is False


def test_flow_without_steps_or_without_assignee_is_refused_on_the_page(people):
    sysadmin = make_user("sysadmin", people.city.center)
    client = _client(sysadmin)
    ct = ContentType.objects.get_for_model(StaffingChangeRequest)
    count = (FlowDefinition.objects.count(), FlowStep.objects.count())
    response = client.post("/approvals/flows/new/", _flow_post(ct, [BLANK]))
    assert response.status_code == 200 and "流程至少需要一个审批环节" in response.content.decode()
    nobody = {**STEP, "role_code": "center_energy"}
    response = client.post("/approvals/flows/new/", _flow_post(ct, [nobody]))
    body = response.content.decode()
    assert "此环节将无人审批" in body and "中心节能管理科" in body
    assert (FlowDefinition.objects.count(), FlowStep.objects.count()) == count


def test_only_the_system_admin_edits_flows(people):
    ct = ContentType.objects.get_for_model(StaffingChangeRequest)
    count = FlowDefinition.objects.count()
    for user in (people.office, people.edu_admin, people.leader):
        client = _client(user)
        assert client.get("/approvals/flows/").status_code == 403
        assert client.post("/approvals/flows/new/", _flow_post(ct, [STEP])).status_code == 403
    assert FlowDefinition.objects.count() == count


def test_sysadmin_cannot_read_business_approvals(people):
    req = staffing_request(people.city.edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    client = _client(make_user("sysadmin", people.city.center))
    assert client.get("/approvals/").status_code == 403
    assert client.get(f"/approvals/requests/{approval.pk}/").status_code == 403


def test_inbox_badge_and_query_count_do_not_grow_with_rows(people, django_assert_max_num_queries):
    client = _client(people.office)
    for delta in (1, 2, 3):
        req = staffing_request(people.city.edu if delta != 2 else people.city.health, admin_delta=delta)
        approval_submit(obj=req, actor=people.edu_admin if delta != 2 else people.health_admin)
    client.get("/approvals/")  # warm up the session
    with django_assert_max_num_queries(25):
        page = client.get("/approvals/")
    body = page.content.decode()
    assert body.count("SP-2026-") == 3
    assert page.context["view"].inbox_tabs()[0]["count"] == 3
