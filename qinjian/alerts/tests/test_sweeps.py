"""Reconciliation: open, update, close; idempotent sweeps; handled alerts; notifications; rule rows."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from qinjian.alerts.choices import AlertStatus, CloseReason, Severity
from qinjian.alerts.models import Alert, AlertRule
from qinjian.alerts.registry import Parameter, Rule, all_rules, get_rule, register_rule, unregister_rule
from qinjian.alerts.services import (
    alert_close,
    alert_handle,
    evaluate_objects,
    rule_config,
    rule_sync,
    rule_update,
    sweep_rule,
)
from qinjian.core.errors import Conflict, ValidationFailed
from qinjian.core.models import Notification, ObjectChange
from qinjian.org.models import Unit

pytestmark = pytest.mark.django_db

CODE = "test.flag"


def changes() -> int:
    return ObjectChange.objects.filter(content_type__app_label="alerts", content_type__model="alert").count()


def state() -> tuple:
    return (list(Alert.objects.order_by("pk").values_list("pk", "status", "severity", "message", "handle_note")),
            changes(), Notification.objects.count())


# --- registration -------------------------------------------------------------------------------------

def test_registered_rules_are_listed_and_synced(flag_rule):
    assert get_rule(CODE) is flag_rule
    assert get_rule("org.unit_over_quota") is not None
    assert CODE in [r.code for r in all_rules()]
    row = AlertRule.objects.get(code=CODE)
    assert (row.name, row.module, row.severity, row.enabled, row.parameters) == ("测试标记", "测试", 20, True,
                                                                                {"limit": 5})
    assert row.content_type.model == "unit"


def test_registration_needs_code_name_model_and_refuses_duplicates(flag_rule):
    class Nameless(Rule):
        code = "test.nameless"
        model = Unit

    with pytest.raises(TypeError):
        register_rule(Nameless)

    class Twin(Rule):
        code = CODE
        name = "重复"
        model = Unit

    with pytest.raises(ValueError):
        register_rule(Twin)
    assert get_rule(CODE) is flag_rule


def test_decorator_with_attributes(db):
    @register_rule(code="test.deco", name="装饰器规则", model=Unit, severity=Severity.INFO)
    class Deco(Rule):
        def evaluate(self, obj):
            return []

    try:
        assert get_rule("test.deco") is Deco
        assert (Deco.name, Deco.severity) == ("装饰器规则", Severity.INFO)
        assert sweep_rule(code="test.deco").as_dict()["opened"] == 0
    finally:
        unregister_rule("test.deco")


def test_sync_keeps_edited_parameters_and_adds_new_ones(flag_rule):
    row = AlertRule.objects.get(code=CODE)
    rule_update(rule=row, enabled=True, severity=Severity.WARNING, frequency="daily", parameters={"limit": "9"})
    flag_rule.parameters = (*flag_rule.parameters, Parameter("extra", "新增参数", default=3))
    try:
        row = rule_sync(flag_rule)
    finally:
        flag_rule.parameters = flag_rule.parameters[:1]
    assert row.parameters == {"limit": 9, "extra": 3}
    assert row.frequency == "daily"


# --- sweeps ---------------------------------------------------------------------------------------------

def test_sweep_opens_then_second_sweep_changes_nothing(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲"), mini_city.health.pk: (Severity.INFO, "乙")}
    first = sweep_rule(code=CODE)
    assert (first.opened, first.updated, first.closed, first.live) == (2, 0, 0, 2)
    edu = Alert.objects.get(unit=mini_city.edu)
    assert (edu.severity, edu.status, edu.title, edu.message, edu.object_id, edu.data) == (
        Severity.WARNING, AlertStatus.OPEN, "示范市教育局被标记", "甲", str(mini_city.edu.pk), {"limit": 5})
    assert edu.linked_object == mini_city.edu
    assert Alert.objects.get(unit=mini_city.health).severity == Severity.INFO
    assert changes() == 2
    before = state()
    second = sweep_rule(code=CODE)
    assert (second.opened, second.updated, second.closed, second.live) == (0, 0, 0, 2)
    assert state() == before
    row = AlertRule.objects.get(code=CODE)
    assert row.last_sweep_at is not None and row.last_sweep_result["live"] == 2


def test_changed_finding_updates_and_gone_finding_closes(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲"), mini_city.health.pk: (None, "乙")}
    sweep_rule(code=CODE)
    flag_rule.flags = {mini_city.edu.pk: (None, "甲变了")}
    result = sweep_rule(code=CODE)
    assert (result.opened, result.updated, result.closed, result.live) == (0, 1, 1, 1)
    edu = Alert.objects.get(unit=mini_city.edu)
    assert (edu.message, edu.status, edu.changed_at is not None) == ("甲变了", AlertStatus.OPEN, True)
    health = Alert.objects.get(unit=mini_city.health)
    assert (health.status, health.close_reason, health.closed_by) == (AlertStatus.CLOSED, CloseReason.RESOLVED,
                                                                      None)
    update = ObjectChange.objects.filter(object_id=str(edu.pk), action="update").get()
    assert update.before["message"] == "甲" and update.after["message"] == "甲变了"
    assert update.changed_fields == ["changed_at", "message"]


def test_condition_returning_after_close_opens_a_new_alert(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    sweep_rule(code=CODE)
    flag_rule.flags = {}
    sweep_rule(code=CODE)
    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    assert sweep_rule(code=CODE).opened == 1
    assert list(Alert.objects.order_by("pk").values_list("status", flat=True)) == ["closed", "open"]


def test_one_live_alert_per_rule_and_key(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    sweep_rule(code=CODE)
    alert = Alert.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(rule=alert.rule, key=alert.key, unit=alert.unit, content_type=alert.content_type,
                             object_id=alert.object_id, object_repr="x", title="x", message="x",
                             opened_at=alert.opened_at)


def test_on_change_evaluation_touches_only_the_given_objects(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲"), mini_city.health.pk: (None, "乙")}
    sweep_rule(code=CODE)
    flag_rule.flags = {}
    result = evaluate_objects(code=CODE, ids=[mini_city.edu.pk])
    assert (result.opened, result.closed) == (0, 1)
    assert dict(Alert.objects.values_list("unit_id", "status")) == {
        mini_city.edu.pk: AlertStatus.CLOSED, mini_city.health.pk: AlertStatus.OPEN}


def test_parameters_come_from_the_rule_row(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    row = AlertRule.objects.get(code=CODE)
    rule_update(rule=row, enabled=True, severity=Severity.DANGER, frequency="hourly", parameters={"limit": "12"})
    sweep_rule(code=CODE)
    alert = Alert.objects.get()
    assert (alert.data, alert.severity) == ({"limit": 12}, Severity.DANGER)


def test_rule_update_validates_and_refuses_without_changes(flag_rule):
    row = AlertRule.objects.get(code=CODE)
    with pytest.raises(ValidationFailed) as exc:
        rule_update(rule=row, enabled=True, severity=99, frequency="weekly", parameters={"limit": "-1"})
    assert exc.value.fields == {"severity": ["请选择级别。"], "frequency": ["请选择扫描频率。"],
                                "param_limit": ["不能小于 0。"]}
    for bad, message in (("abc", "请填写数字。"), ("1.5", "请填写整数。"), ("", "请填写。"), ("NaN", "请填写数字。")):
        with pytest.raises(ValidationFailed) as exc:
            rule_update(rule=row, enabled=True, severity=20, frequency="hourly", parameters={"limit": bad})
        assert exc.value.fields == {"param_limit": [message]}
    row.refresh_from_db()
    assert row.parameters == {"limit": 5} and row.frequency == "hourly"


def test_disabling_a_rule_closes_its_alerts_and_stops_sweeps(flag_rule, mini_city):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    sweep_rule(code=CODE)
    row = AlertRule.objects.get(code=CODE)
    rule_update(rule=row, enabled=False, severity=20, frequency="hourly", parameters={})
    assert Alert.objects.get().close_reason == CloseReason.RULE_DISABLED
    with pytest.raises(ValidationFailed):
        sweep_rule(code=CODE)
    assert evaluate_objects(code=CODE, ids=[mini_city.edu.pk]) is None
    assert Alert.objects.live().count() == 0


# --- handle and close -------------------------------------------------------------------------------------

def test_handled_alert_that_still_holds_stays_handled_then_closes_by_itself(flag_rule, mini_city, users):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    sweep_rule(code=CODE)
    alert = alert_handle(alert=Alert.objects.get(), user=users["edu"], note="已提出核增编制申请")
    assert (alert.status, alert.handled_by, alert.handle_note) == (AlertStatus.HANDLED, users["edu"],
                                                                   "已提出核增编制申请")
    flag_rule.flags = {mini_city.edu.pk: (None, "甲，数字变了")}
    result = sweep_rule(code=CODE)
    assert (result.opened, result.updated, result.live) == (0, 1, 1)
    alert.refresh_from_db()
    assert (alert.status, alert.message) == (AlertStatus.HANDLED, "甲，数字变了")
    flag_rule.flags = {}
    assert sweep_rule(code=CODE).closed == 1
    alert.refresh_from_db()
    assert (alert.status, alert.close_reason, alert.handle_note) == (AlertStatus.CLOSED, CloseReason.RESOLVED,
                                                                     "已提出核增编制申请")
    assert Alert.objects.count() == 1


def test_handle_and_close_rules(flag_rule, mini_city, users):
    flag_rule.flags = {mini_city.edu.pk: (None, "甲")}
    sweep_rule(code=CODE)
    alert = Alert.objects.get()
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        alert_handle(alert=alert, user=users["edu"], note="  ")
    assert exc.value.fields == {"note": ["请填写处理说明。"]}
    with pytest.raises(ValidationFailed):
        alert_close(alert=alert, user=users["edu"], note="")
    assert state() == before
    alert_handle(alert=alert, user=users["edu"], note="处理中")
    with pytest.raises(Conflict):
        alert_handle(alert=alert, user=users["edu"], note="再处理")
    closed = alert_close(alert=alert, user=users["edu"], note="经核实已整改")
    assert (closed.status, closed.close_reason, closed.closed_by, closed.close_note) == (
        AlertStatus.CLOSED, CloseReason.MANUAL, users["edu"], "经核实已整改")
    with pytest.raises(Conflict):
        alert_close(alert=closed, user=users["edu"], note="再关")
    history = list(ObjectChange.objects.filter(object_id=str(alert.pk), content_type__model="alert")
                   .order_by("pk").values_list("action", flat=True))
    assert history == ["create", "update", "update"]


# --- notifications ------------------------------------------------------------------------------------------

def test_severe_alert_notifies_the_units_admins_once(flag_rule, mini_city, users):
    flag_rule.flags = {mini_city.health.pk: (Severity.DANGER, "严重情况"), mini_city.edu.pk: (None, "一般情况")}
    result = sweep_rule(code=CODE)
    assert result.notified == 1
    note = Notification.objects.get()
    alert = Alert.objects.get(unit=mini_city.health)
    assert (note.recipient, note.level, note.title, note.body, note.link) == (
        users["health"], "danger", "严重预警：示范市卫生健康委员会被标记", "严重情况", alert.get_absolute_url())
    flag_rule.flags[mini_city.health.pk] = (Severity.DANGER, "严重情况，数字变了")
    sweep_rule(code=CODE)
    sweep_rule(code=CODE)
    assert Notification.objects.count() == 1
    # the edu alert becomes severe: its admin is told once
    flag_rule.flags[mini_city.edu.pk] = (Severity.DANGER, "升级")
    assert sweep_rule(code=CODE).notified == 1
    sweep_rule(code=CODE)
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["edu-admin",
                                                                                           "health-admin"]


def test_unknown_rule_is_a_domain_error(db):
    with pytest.raises(ValidationFailed):
        rule_config("no.such.rule")
