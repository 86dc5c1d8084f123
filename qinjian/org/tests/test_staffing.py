"""编制调整申请 end to end: the two-step flow through the pages and the API; scope and denials."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from qinjian.accounts.api.authentication import token_create
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import ObjectChange
from qinjian.org.models import StaffingChangeRequest, Unit
from qinjian.org.services.staffing import staffing_request_create
from qinjian.workflow.choices import RequestStatus
from qinjian.workflow.models import ApprovalAction, ApprovalRequest, ApprovalTask
from qinjian.workflow.tests.conftest import People, build_people, staffing_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(mini_city: Any) -> People:
    return build_people(mini_city)


def browser_as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_as(user: Any) -> APIClient:
    _, key = token_create(user=user, name="测试")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def state() -> tuple[Any, ...]:
    return (StaffingChangeRequest.objects.count(), ApprovalRequest.objects.count(), ApprovalTask.objects.count(),
            ApprovalAction.objects.count(), list(Unit.objects.order_by("pk").values_list("quota_admin", flat=True)),
            list(ApprovalTask.objects.order_by("pk").values_list("status", flat=True)))


# --- services ------------------------------------------------------------------------------------

def test_create_validates_in_chinese(people):
    edu = people.city.edu
    with pytest.raises(ValidationFailed) as exc:
        staffing_request_create(unit=edu, new_quota_admin=40, new_quota_institution=0, new_quota_worker=0,
                                reason="")
    assert exc.value.fields == {"reason": ["请填写调整理由。"]}
    with pytest.raises(ValidationFailed) as exc:
        staffing_request_create(unit=edu, new_quota_admin=40, new_quota_institution=0, new_quota_worker=0,
                                reason="无变化")
    assert exc.value.fields["new_quota_admin"] == ["拟调整的编制数与现有编制数相同，没有需要调整的内容。"]
    with pytest.raises(ValidationFailed) as exc:
        staffing_request_create(unit=edu, new_quota_admin=-1, new_quota_institution=0, new_quota_worker=0,
                                reason="负数")
    assert exc.value.fields["new_quota_admin"] == ["编制数应为 0 到 100000 之间的整数。"]
    assert StaffingChangeRequest.objects.count() == 0


def test_total_change_counts_increases_and_decreases(people):
    req = staffing_request_create(unit=people.city.edu, new_quota_admin=43, new_quota_institution=0,
                                  new_quota_worker=0, reason="调整")
    req.new_quota_worker = 0
    assert req.total_change == 3
    assert req.changes() == [("行政编制", 40, 43)]
    assert str(req) == f"{req.number} 示范市教育局编制调整"


# --- pages ---------------------------------------------------------------------------------------

def test_two_step_flow_through_the_pages(people):
    edu = people.city.edu
    applicant = browser_as(people.edu_admin)
    page = applicant.get(f"/org/staffing/new/?unit={edu.pk}")
    assert page.status_code == 200 and page.context["form"].initial["new_quota_admin"] == 40
    response = applicant.post("/org/staffing/new/", {
        "unit": edu.pk, "new_quota_admin": 46, "new_quota_institution": 0, "new_quota_worker": 0,
        "reason": "新增督导职能，依据示编〔2026〕5号"})
    req = StaffingChangeRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/org/staffing/{req.pk}/"
    assert req.status == RequestStatus.DRAFT and req.total_change == 6
    detail = applicant.get(f"/org/staffing/{req.pk}/")
    assert "提交审批" in detail.content.decode()
    response = applicant.post(f"/org/staffing/{req.pk}/submit/")
    assert response.status_code == 302
    approval = ApprovalRequest.objects.get()
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING
    # once under approval it cannot be edited
    assert applicant.get(f"/org/staffing/{req.pk}/edit/").status_code == 404

    office = browser_as(people.office)
    inbox = office.get("/approvals/")
    assert inbox.status_code == 200 and approval.number in inbox.content.decode()
    page = office.get(f"/approvals/requests/{approval.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "办理：中心综合处审核" in body and "同意" in body
    task = approval.tasks.get()
    response = office.post(f"/approvals/requests/{approval.pk}/approve/", {"comment": "材料齐全", "task": task.pk})
    assert response.status_code == 302
    # the same form posted again (double click): refused, nothing changes
    before = state()
    again = office.post(f"/approvals/requests/{approval.pk}/approve/", {"comment": "材料齐全", "task": task.pk})
    assert again.status_code == 409 and "不能重复办理" in again.content.decode()
    assert state() == before

    leader = browser_as(people.leader)
    assert approval.number in leader.get("/approvals/").content.decode()
    response = leader.post(f"/approvals/requests/{approval.pk}/approve/", {"comment": "同意"})
    assert response.status_code == 302
    edu.refresh_from_db()
    assert edu.quota_admin == 46
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    assert approval.number in leader.get("/approvals/done/").content.decode()
    assert approval.number in applicant.get("/approvals/mine/").content.decode()

    # the 审批 tab on the request's and the unit's pages, with the trail
    tab = applicant.get(f"/org/staffing/{req.pk}/?tab=approvals").content.decode()
    assert approval.number in tab and "材料齐全" in tab and "中心领导" in tab
    unit_tab = applicant.get(f"/org/units/{edu.pk}/?tab=approvals").content.decode()
    assert approval.number in unit_tab


def test_reject_without_reason_on_the_page_shows_the_error_and_changes_nothing(people):
    req = staffing_request(people.city.edu)
    from qinjian.workflow.services import approval_submit

    approval = approval_submit(obj=req, actor=people.edu_admin)
    office = browser_as(people.office)
    before = state()
    response = office.post(f"/approvals/requests/{approval.pk}/reject/", {"comment": ""})
    assert response.status_code == 400 and "驳回须填写理由" in response.content.decode()
    assert state() == before


def test_other_units_and_unassigned_users_are_refused_on_the_pages(people):
    from qinjian.workflow.services import approval_submit

    req = staffing_request(people.city.edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    before = state()
    outsider = browser_as(people.health_admin)
    assert outsider.get(f"/org/staffing/{req.pk}/").status_code == 404
    assert outsider.get(f"/approvals/requests/{approval.pk}/").status_code == 404
    for verb in ("approve", "reject", "return", "withdraw", "comment"):
        assert outsider.post(f"/approvals/requests/{approval.pk}/{verb}/", {"comment": "x"}).status_code == 404
    assert approval.number not in outsider.get("/approvals/").content.decode()
    # the applicant sees the request but may not approve it
    applicant = browser_as(people.edu_admin)
    response = applicant.post(f"/approvals/requests/{approval.pk}/approve/", {"comment": ""})
    assert response.status_code == 403 and "您不是当前审批环节的审批人" in response.content.decode()
    # the leader is not yet assigned: may see it (scope 全部) but not act
    leader = browser_as(people.leader)
    assert leader.get(f"/approvals/requests/{approval.pk}/").status_code == 200
    assert leader.post(f"/approvals/requests/{approval.pk}/approve/", {}).status_code == 403
    assert state() == before


def test_withdraw_and_comment_on_the_page(people):
    from qinjian.workflow.services import approval_submit

    req = staffing_request(people.city.edu)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    applicant = browser_as(people.edu_admin)
    assert applicant.post(f"/approvals/requests/{approval.pk}/comment/", {"comment": "请尽快"}).status_code == 302
    assert applicant.post(f"/approvals/requests/{approval.pk}/withdraw/", {}).status_code == 302
    approval.refresh_from_db()
    req.refresh_from_db()
    assert approval.status == req.status == RequestStatus.WITHDRAWN
    assert list(approval.actions.values_list("kind", flat=True)) == ["submit", "comment", "withdraw"]
    # editable again
    assert applicant.get(f"/org/staffing/{req.pk}/edit/").status_code == 200


# --- API -----------------------------------------------------------------------------------------

def test_two_step_flow_through_the_api(people):
    edu = people.city.edu
    applicant = api_as(people.edu_admin)
    response = applicant.post("/api/org/staffing-requests/", {
        "unit": edu.pk, "new_quota_admin": 50, "new_quota_institution": 2, "new_quota_worker": 0,
        "reason": "新增职能"}, format="json")
    assert response.status_code == 201, response.json()
    req_id = response.json()["id"]
    assert response.json()["total_change"] == 12
    response = applicant.post(f"/api/org/staffing-requests/{req_id}/submit/", {}, format="json")
    assert response.status_code == 201, response.json()
    approval_id = response.json()["id"]
    assert [s["name"] for s in response.json()["steps"]] == ["中心综合处审核", "中心领导审批"]

    office = api_as(people.office)
    tasks = office.get("/api/approvals/tasks/").json()
    assert [t["request"] for t in tasks["results"]] == [approval_id]
    task_id = tasks["results"][0]["id"]
    ok = office.post(f"/api/approvals/requests/{approval_id}/approve/", {"comment": "同意", "task": task_id},
                     format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "pending" and ok.json()["current_step"] == 1
    twice = office.post(f"/api/approvals/requests/{approval_id}/approve/", {"task": task_id}, format="json")
    assert twice.status_code == 409
    assert twice.json() == {"code": "conflict", "message": "该审批环节已办理（已同意），不能重复办理。", "fields": {}}

    outsider = api_as(people.health_admin)
    before = state()
    assert outsider.get(f"/api/approvals/requests/{approval_id}/").status_code == 404
    assert outsider.post(f"/api/approvals/requests/{approval_id}/approve/", {}, format="json").status_code == 404
    not_yours = applicant.post(f"/api/approvals/requests/{approval_id}/approve/", {}, format="json")
    assert not_yours.status_code == 403 and not_yours.json()["code"] == "permission_denied"
    assert not_yours.json()["message"] == "您不是当前审批环节的审批人，无权办理。"
    assert state() == before

    leader = api_as(people.leader)
    done = leader.post(f"/api/approvals/requests/{approval_id}/approve/", {"comment": "同意"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert [a["kind"] for a in done.json()["trail"]] == ["submit", "approve", "approve"]
    edu.refresh_from_db()
    assert (edu.quota_admin, edu.quota_institution) == (50, 2)
    assert ObjectChange.objects.filter(object_id=str(edu.pk), message__contains="依据 SP-").count() == 1
    detail = applicant.get(f"/api/approvals/requests/{approval_id}/")
    assert detail.status_code == 200 and detail.json()["can_act"] is False
    mine = applicant.get("/api/approvals/requests/?box=mine").json()
    assert [r["id"] for r in mine["results"]] == [approval_id]
    assert office.get("/api/approvals/tasks/?box=done").json()["results"][0]["status"] == "approved"


def test_api_submit_generic_and_errors(people):
    applicant = api_as(people.edu_admin)
    req = staffing_request(people.city.edu)
    bad = applicant.post("/api/approvals/requests/submit/", {"object_type": "org.unit", "object_id": 1},
                         format="json")
    assert bad.status_code == 400 and bad.json()["fields"] == {"object_type": ["未接入审批的对象类型。"]}
    other = staffing_request(people.city.health)
    assert applicant.post("/api/approvals/requests/submit/", {"object_type": "org.staffingchangerequest",
                                                              "object_id": other.pk}, format="json").status_code == 404
    ok = applicant.post("/api/approvals/requests/submit/", {"object_type": "org.staffingchangerequest",
                                                            "object_id": req.pk}, format="json")
    assert ok.status_code == 201 and ok.json()["status"] == "pending"
    again = applicant.post("/api/approvals/requests/submit/", {"object_type": "org.staffingchangerequest",
                                                               "object_id": req.pk}, format="json")
    assert again.status_code == 409 and "正在审批中" in again.json()["message"]
    reject = api_as(people.office).post(f"/api/approvals/requests/{ok.json()['id']}/reject/", {"comment": ""},
                                        format="json")
    assert reject.status_code == 400
    assert reject.json() == {"code": "validation_error", "message": "驳回须填写理由。",
                             "fields": {"comment": ["驳回须填写理由。"]}}
    unknown = applicant.post(f"/api/approvals/requests/{ok.json()['id']}/comment/", {"coment": "x"}, format="json")
    assert unknown.status_code == 400 and "coment" in unknown.json()["fields"]


def test_api_revise_after_return(people):
    from qinjian.workflow.services import approval_return, approval_submit

    req = staffing_request(people.city.edu, admin_delta=8)
    approval = approval_submit(obj=req, actor=people.edu_admin)
    applicant = api_as(people.edu_admin)
    body = {"new_quota_admin": 42, "new_quota_institution": 0, "new_quota_worker": 0, "reason": "改为增加 2 名"}
    refused = applicant.post(f"/api/org/staffing-requests/{req.pk}/revise/", body, format="json")
    assert refused.status_code == 409 and "正在审批中" in refused.json()["message"]
    approval_return(approval=approval, actor=people.office, comment="请核减")
    ok = applicant.post(f"/api/org/staffing-requests/{req.pk}/revise/", body, format="json")
    assert ok.status_code == 200 and ok.json()["total_change"] == 2 and ok.json()["status"] == "returned"
    assert api_as(people.health_admin).post(f"/api/org/staffing-requests/{req.pk}/revise/", body,
                                            format="json").status_code == 404
    again = applicant.post(f"/api/org/staffing-requests/{req.pk}/submit/", {}, format="json")
    assert again.status_code == 201 and again.json()["round"] == 2
    assert [s["name"] for s in again.json()["steps"]] == ["中心综合处审核"]
    page = browser_as(people.edu_admin).get(f"/org/staffing/{req.pk}/").content.decode()
    assert "已退回修改" not in page  # pending again: no return notice


def test_unit_options_carry_current_quotas_for_the_form_script(people):
    """Changing the unit refills the quota fields: each option carries that unit's current quotas and the
    page loads the script that copies them (no inline JS)."""
    import re

    edu, school = people.city.edu, people.city.edu_school
    Unit.objects.filter(pk=school.pk).update(quota_admin=7, quota_institution=55, quota_worker=3)
    page = browser_as(people.edu_admin).get("/org/staffing/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<script src="/static/org/staffing_form.js"></script>' in html
    assert re.search(r'<select name="unit"[^>]*data-qj-quota-source', html)
    option = re.search(rf'<option value="{school.pk}"[^>]*>', html).group(0)
    assert 'data-quota-admin="7"' in option and 'data-quota-institution="55"' in option
    assert 'data-quota-worker="3"' in option
    edu_option = re.search(rf'<option value="{edu.pk}"[^>]*>', html).group(0)
    assert f'data-quota-admin="{Unit.objects.get(pk=edu.pk).quota_admin}"' in edu_option
    for name, key in (("new_quota_admin", "quota_admin"), ("new_quota_institution", "quota_institution"),
                      ("new_quota_worker", "quota_worker")):
        assert re.search(rf'<input[^>]*name="{name}"[^>]*data-qj-quota="{key}"|'
                         rf'<input[^>]*data-qj-quota="{key}"[^>]*name="{name}"', html)
    # units outside the user's scope are not offered (nor their quotas)
    assert f'<option value="{people.city.health.pk}"' not in html
