"""Alert-center pages: scope on list/detail/export, handle and close, rules pages, top bar, object tab."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qinjian.alerts.choices import AlertStatus, Severity
from qinjian.alerts.models import Alert, AlertRule
from qinjian.alerts.services import alert_close, sweep_rule
from qinjian.core.models import SecurityEvent

from .conftest import login

pytestmark = pytest.mark.django_db

CODE = "test.flag"


@pytest.fixture
def alerts(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "教育局情况"), mini_city.edu_school.pk: (Severity.DANGER, "一中情况"),
                       mini_city.health.pk: (None, "卫健委情况")}
    sweep_rule(code=CODE)
    return {a.unit_id: a for a in Alert.objects.all()}


def _pks(response) -> set[int]:
    return {row.pk for row in response.context["table"].rows}


def test_list_is_scoped_and_filtered(client, alerts, users, mini_city):
    login(client, users["edu"])
    response = client.get(reverse("alerts:alert_list"))
    assert response.status_code == 200
    assert _pks(response) == {alerts[mini_city.edu.pk].pk, alerts[mini_city.edu_school.pk].pk}
    assert "卫健委情况" not in response.content.decode()
    response = client.get(reverse("alerts:alert_list") + f"?severity={Severity.DANGER}")
    assert _pks(response) == {alerts[mini_city.edu_school.pk].pk}
    response = client.get(reverse("alerts:alert_list") + "?q=一中")
    assert _pks(response) == {alerts[mini_city.edu_school.pk].pk}
    response = client.get(reverse("alerts:alert_list") + f"?unit={mini_city.edu.pk}")
    assert _pks(response) == {alerts[mini_city.edu.pk].pk}
    response = client.get(reverse("alerts:alert_list") + f"?unit={mini_city.edu.pk}&include_sub=on")
    assert len(_pks(response)) == 2
    # a unit outside the scope is a filter error that matches nothing, never a wider set
    response = client.get(reverse("alerts:alert_list") + f"?unit={mini_city.health.pk}")
    assert response.status_code == 200 and _pks(response) == set()
    response = client.get(reverse("alerts:alert_list") + "?opened_from=2000-01-01&opened_to=2999-12-31&sort=-severity")
    assert len(_pks(response)) == 2
    response = client.get(reverse("alerts:alert_list") + "?opened_from=not-a-date&severity=99&page=x")
    assert response.status_code == 200


def test_closed_alerts_leave_the_default_list(client, alerts, users, mini_city):
    alert_close(alert=alerts[mini_city.edu.pk], user=users["edu"], note="已核实")
    login(client, users["edu"])
    assert _pks(client.get(reverse("alerts:alert_list"))) == {alerts[mini_city.edu_school.pk].pk}
    assert _pks(client.get(reverse("alerts:alert_list") + "?status=closed")) == {alerts[mini_city.edu.pk].pk}
    assert len(_pks(client.get(reverse("alerts:alert_list") + "?status="))) == 2


def test_detail_scope_and_pages_render(client, alerts, users, mini_city):
    login(client, users["edu"])
    mine = alerts[mini_city.edu.pk]
    response = client.get(reverse("alerts:alert_detail", args=[mine.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "教育局情况" in body and reverse("org:unit_detail", args=[mini_city.edu.pk]) in body
    assert client.get(reverse("alerts:alert_detail", args=[mine.pk]) + "?tab=history").status_code == 200
    other = alerts[mini_city.health.pk]
    for name in ("alert_detail", "alert_handle", "alert_close"):
        assert client.get(reverse(f"alerts:{name}", args=[other.pk])).status_code == 404
    before = list(Alert.objects.order_by("pk").values_list("status", "handle_note"))
    assert client.post(reverse("alerts:alert_handle", args=[other.pk]), {"note": "越权"}).status_code == 404
    assert client.post(reverse("alerts:alert_close", args=[other.pk]), {"note": "越权"}).status_code == 404
    assert list(Alert.objects.order_by("pk").values_list("status", "handle_note")) == before


def test_handle_and_close_through_the_pages(client, alerts, users, mini_city):
    login(client, users["edu"])
    alert = alerts[mini_city.edu.pk]
    url = reverse("alerts:alert_handle", args=[alert.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"note": ""})
    assert response.status_code == 200 and "请填写说明。" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN
    response = client.post(url, {"note": "已申请核增编制"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.handled_by, alert.handle_note) == ("handled", users["edu"], "已申请核增编制")
    response = client.post(url, {"note": "再次"})
    assert "不能再标记为已处理" in response.content.decode()
    response = client.post(reverse("alerts:alert_close", args=[alert.pk]), {"note": "已整改"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.close_note, alert.closed_by) == ("closed", "已整改", users["edu"])


def test_staff_and_sysadmin_see_no_alerts(client, alerts, users, mini_city):
    login(client, users["staff"])
    assert _pks(client.get(reverse("alerts:alert_list"))) == set()
    assert client.get(reverse("alerts:alert_detail", args=[alerts[mini_city.edu.pk].pk])).status_code == 404
    login(client, users["sysadmin"])
    assert client.get(reverse("alerts:alert_list")).status_code == 403
    assert client.get(reverse("alerts:alert_detail", args=[alerts[mini_city.edu.pk].pk])).status_code == 403


def test_export_is_the_scoped_filtered_set(client, alerts, users, mini_city):
    login(client, users["edu"])
    response = client.get(reverse("alerts:alert_list") + "?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                     else response.content)).active
    text = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    flat = " ".join(str(c) for row in text for c in row)
    assert "示范市教育局被标记" in flat and "示范市第一中学被标记" in flat and "卫健委" not in flat
    event = SecurityEvent.objects.filter(event_type="export").latest("pk")
    assert event.detail["obj_count"] == 2
    login(client, users["sysadmin"])
    assert client.get(reverse("alerts:alert_list") + "?export=xlsx").status_code == 403


def test_rules_pages_are_the_sysadmins(client, alerts, users):
    rule = AlertRule.objects.get(code=CODE)
    login(client, users["edu"])
    for url in (reverse("alerts:alertrule_list"), reverse("alerts:alertrule_detail", args=[rule.pk]),
                reverse("alerts:alertrule_edit", args=[rule.pk])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("alerts:alertrule_sweep", args=[rule.pk])).status_code == 403
    login(client, users["sysadmin"])
    response = client.get(reverse("alerts:alertrule_list"))
    assert response.status_code == 200
    assert {r.code: r.live_count for r in response.context["table"].rows}[CODE] == 3
    response = client.get(reverse("alerts:alertrule_detail", args=[rule.pk]))
    assert response.status_code == 200 and "测试上限" in response.content.decode()
    edit = reverse("alerts:alertrule_edit", args=[rule.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"enabled": "on", "severity": "20", "frequency": "hourly", "param_limit": "x"})
    assert response.status_code == 200 and "请填写数字。" in response.content.decode()
    assert AlertRule.objects.get(pk=rule.pk).parameters == {"limit": 5}
    response = client.post(edit, {"enabled": "on", "severity": "30", "frequency": "daily", "param_limit": "8"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.parameters, rule.severity, rule.frequency) == ({"limit": 8}, 30, "daily")
    assert SecurityEvent.objects.filter(event_type="config_changed", object_id=str(rule.pk)).count() == 1


def test_sweep_now_from_the_rule_page(client, flag_rule, users, mini_city):
    rule = AlertRule.objects.get(code=CODE)
    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    login(client, users["sysadmin"])
    response = client.post(reverse("alerts:alertrule_sweep", args=[rule.pk]), follow=True)
    assert response.status_code == 200
    assert "扫描完成：新增 1 条" in response.content.decode()
    assert Alert.objects.count() == 1
    rule.refresh_from_db()
    assert rule.last_sweep_result["opened"] == 1
    from qinjian.jobs.models import JobRun

    job = JobRun.objects.get(kind="alerts.sweep")  # a tracked job with its own progress page
    assert (job.status, job.user, job.counts["新增"]) == (JobRun.Status.SUCCEEDED, users["sysadmin"], 1)
    assert response.redirect_chain[-1][0] == job.get_absolute_url()


def test_top_bar_counts_open_alerts_in_scope(client, alerts, users, mini_city):
    login(client, users["edu"])
    response = client.get(reverse("alerts:alert_list"))
    badges = response.context["qj_badges"]
    assert [(b.count, b.label) for b in badges] == [(2, "待处理预警")]
    login(client, users["office"])
    assert client.get(reverse("core:home")).context["qj_badges"][0].count == 3
    login(client, users["sysadmin"])
    assert client.get(reverse("alerts:alertrule_list")).context["qj_badges"] == []


def test_alert_tab_on_the_unit_page(client, alerts, users, mini_city):
    login(client, users["edu"])
    url = reverse("org:unit_detail", args=[mini_city.edu.pk])
    response = client.get(url)
    tab = next(t for t in response.context["tabs"] if t["key"] == "alerts")
    assert (tab["title"], tab["count"]) == ("预警", 1)
    response = client.get(url + "?tab=alerts")
    assert response.status_code == 200 and "示范市教育局被标记" in response.content.decode()


def test_an_invalid_filter_says_so_instead_of_an_empty_list(client, alerts, users):
    login(client, users["edu"])
    page = client.get(reverse("alerts:alert_list") + "?opened_from=not-a-date").content.decode()
    assert "筛选条件有误，未查询" in page and "is-invalid" in page
    assert "没有符合条件的记录" not in page
    page = client.get(reverse("alerts:alert_list") + "?q=没有这样的预警").content.decode()
    assert "没有符合条件的记录" in page and "筛选条件有误" not in page
