"""Set-based reconciliation: many findings cost a fixed number of queries; the rows and change-log rows
written in bulk are the ones the model and signal path would have written; sweeps stay idempotent."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinjian.alerts.choices import AlertStatus, CloseReason, Severity
from qinjian.alerts.models import Alert
from qinjian.alerts.registry import Finding, Rule, register_rule, unregister_rule
from qinjian.alerts.services import evaluate_objects, rule_config, sweep_rule
from qinjian.alerts.services.rows import update_rows
from qinjian.core import context
from qinjian.core.audit import created_values, snapshot
from qinjian.core.models import Notification, ObjectChange
from qinjian.org.choices import AdminLevel, UnitType
from qinjian.org.models import Unit
from qinjian.testing.factories import make_user

pytestmark = pytest.mark.django_db

CODE = "test.many"


class ManyRule(Rule):
    """One finding per unit listed in ``levels`` (unit id → (severity or None, message)); set-based."""

    code = CODE
    name = "测试批量"
    module = "测试"
    model = Unit
    levels: dict[int, tuple[int | None, str]] = {}

    def sweep(self) -> Iterator[Finding]:
        return self.evaluate_many(list(self.levels))

    def evaluate_many(self, ids: Iterable[Any]) -> Iterator[Finding]:
        wanted = [i for i in ids if i in self.levels]
        for pk, name in Unit.objects.filter(pk__in=wanted).values_list("pk", "name").iterator():
            severity, message = self.levels[pk]
            yield Finding(key=f"many:{pk}", object_id=pk, unit_id=pk, object_repr=name, title=f"{name}：批量",
                          message=message, severity=severity, data={"说明": message, "n": pk})


@pytest.fixture
def many_rule(db):
    ManyRule.levels = {}
    register_rule(ManyRule)
    rule_config(CODE)
    yield ManyRule
    unregister_rule(CODE)
    ManyRule.levels = {}


@pytest.fixture
def units(mini_city) -> list[Unit]:
    """240 units under the city (bulk, as the benchmark builds them)."""
    root = mini_city.city
    made = Unit.objects.bulk_create(
        [Unit(code=f"M{n:04d}", name=f"批量单位{n}", unit_type=UnitType.PARTY_GOV, level=AdminLevel.CITY,
              parent=root, depth=root.depth + 1) for n in range(240)])
    for unit in made:
        unit.tree_path = root.tree_path + Unit.path_segment(unit.pk) + "/"
    Unit.objects.bulk_update(made, ["tree_path"])
    return made


def alert_changes() -> Any:
    return ObjectChange.objects.filter(content_type__app_label="alerts", content_type__model="alert")


def sweep_counting(code: str = CODE) -> tuple[Any, int]:
    """The sweep's result and its number of statements (bulk inserts count once per batch or not at all:
    ``executemany``/``COPY`` bypass the query log)."""
    with CaptureQueriesContext(connection) as queries:
        result = sweep_rule(code=code)
    return result, len(queries.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_alerts(many_rule, units):
    def cost(levels: dict[int, tuple[int | None, str]]) -> tuple[Any, int]:
        many_rule.levels = levels
        result, count = sweep_counting()
        return result, count

    counts = {}
    for size in (10, 240):
        chosen = units[:size]
        result, counts["open", size] = cost({u.pk: (None, "甲") for u in chosen})
        assert result.opened == size
        result, counts["update", size] = cost({u.pk: (Severity.DANGER, "乙") for u in chosen})
        assert result.updated == size
        result, counts["close", size] = cost({})
        assert result.closed == size
    # 24 times the alerts: the same statements, at most a few more batches (SQLite's change-log INSERTs
    # take ~60 rows each) — never a query per alert
    for kind in ("open", "update", "close"):
        assert counts[kind, 240] <= counts[kind, 10] + 4, counts


def test_second_sweep_writes_nothing(many_rule, units):
    many_rule.levels = {u.pk: (Severity.DANGER if u.pk % 2 else None, "超") for u in units}
    first = sweep_rule(code=CODE)
    assert (first.opened, first.live) == (240, 240)
    before = (list(Alert.objects.order_by("pk").values_list("pk", "status", "severity", "message", "updated_at")),
              alert_changes().count())
    result = sweep_rule(code=CODE)
    assert (result.opened, result.updated, result.closed, result.live) == (0, 0, 0, 240)
    assert (list(Alert.objects.order_by("pk").values_list("pk", "status", "severity", "message", "updated_at")),
            alert_changes().count()) == before


def test_bulk_opened_rows_and_their_log_match_the_model_path(many_rule, units, mini_city):
    user = make_user("center_office", mini_city.center, username="sweeper")
    many_rule.levels = {u.pk: (Severity.DANGER if n % 3 == 0 else None, f"第{n}条，含“引号”和\\反斜杠")
                        for n, u in enumerate(units)}
    started = timezone.now()
    with context.acting(user=user, source="job"):
        sweep_rule(code=CODE)
    alerts = {a.unit_id: a for a in Alert.objects.filter(rule__code=CODE)}
    assert len(alerts) == 240
    for n, unit in enumerate(units):
        alert = alerts[unit.pk]
        assert (alert.key, alert.object_id, alert.object_repr, alert.title) == (
            f"many:{unit.pk}", str(unit.pk), unit.name, f"{unit.name}：批量")
        assert alert.message == f"第{n}条，含“引号”和\\反斜杠"
        assert alert.data == {"说明": alert.message, "n": unit.pk}
        assert alert.severity == (Severity.DANGER if n % 3 == 0 else Severity.WARNING)
        assert alert.status == AlertStatus.OPEN and alert.created_by_id == user.pk
        assert alert.opened_at == alert.created_at == alert.updated_at and alert.opened_at >= started
        assert (alert.notified_at is not None) == (n % 3 == 0)
        assert alert.linked_object == unit
    logs = {c.object_id: c for c in alert_changes().filter(action="create")}
    assert len(logs) == 240
    for alert in alerts.values():
        log = logs[str(alert.pk)]
        assert log.after == created_values(snapshot(alert))  # what the post_save receiver would have written
        assert (log.object_repr, log.message, log.user_id, log.source) == (alert.title, "预警发生", user.pk, "job")


def test_bulk_updates_log_only_what_changed_and_notify_on_escalation(many_rule, units, mini_city):
    admin = make_user("unit_admin", units[0], scope="unit_tree", username="m0-admin")
    many_rule.levels = {u.pk: (None, "旧") for u in units}
    sweep_rule(code=CODE)
    assert Notification.objects.count() == 0
    many_rule.levels = {u.pk: (Severity.DANGER if n < 5 else None, "新") for n, u in enumerate(units)}
    result = sweep_rule(code=CODE)
    assert (result.opened, result.updated, result.closed, result.notified) == (0, 240, 0, 1)
    note = Notification.objects.get()
    first = Alert.objects.get(unit=units[0])
    assert (note.recipient_id, note.link) == (admin.pk, f"/alerts/{first.pk}/")
    assert first.severity == Severity.DANGER and first.notified_at is not None and first.changed_at is not None
    assert set(Alert.objects.values_list("message", flat=True)) == {"新"}
    update = alert_changes().get(action="update", object_id=str(first.pk))
    assert update.changed_fields == ["changed_at", "message", "notified_at", "severity"]
    assert (update.before["message"], update.after["message"]) == ("旧", "新")
    assert (update.before["severity"], update.after["severity"]) == (Severity.WARNING, Severity.DANGER)
    plain = alert_changes().get(action="update", object_id=str(Alert.objects.get(unit=units[9]).pk))
    assert plain.changed_fields == ["changed_at", "message"]
    # escalated once: a later sweep that keeps it severe sends nothing more
    assert sweep_rule(code=CODE).notified == 0 and Notification.objects.count() == 1


def test_bulk_close_and_reopen(many_rule, units):
    many_rule.levels = {u.pk: (None, "有") for u in units}
    sweep_rule(code=CODE)
    many_rule.levels = {u.pk: (None, "有") for u in units[:40]}
    result = sweep_rule(code=CODE)
    assert (result.closed, result.live) == (200, 40)
    closed = Alert.objects.filter(status=AlertStatus.CLOSED)
    assert closed.count() == 200 and set(closed.values_list("close_reason", flat=True)) == {CloseReason.RESOLVED}
    assert all(a.closed_at is not None and a.closed_by_id is None for a in closed)
    log = alert_changes().filter(action="update", object_id=str(closed.first().pk)).get()
    assert log.changed_fields == ["close_reason", "closed_at", "status"]
    assert (log.before["status"], log.after["status"], log.message) == ("open", "closed", "条件已消除（自动关闭）")
    # the condition returns: new alerts, the closed ones stay closed
    many_rule.levels = {u.pk: (None, "有") for u in units}
    result = sweep_rule(code=CODE)
    assert (result.opened, result.live) == (200, 240)
    assert Alert.objects.count() == 440


def test_on_change_evaluation_of_many_objects_touches_only_them(many_rule, units):
    many_rule.levels = {u.pk: (None, "甲") for u in units}
    sweep_rule(code=CODE)
    many_rule.levels = {u.pk: (None, "乙") for u in units[:100]}  # the other 140 resolved, but not asked about
    result = evaluate_objects(code=CODE, ids=[u.pk for u in units[:120]])
    assert (result.opened, result.updated, result.closed) == (0, 100, 20)
    assert Alert.objects.live().count() == 220
    assert Alert.objects.filter(message="乙").count() == 100


def test_update_rows_round_trips_types(mini_city):
    rule = rule_config("org.unit_over_quota")[1]
    now = timezone.now().replace(microsecond=123456)
    later = now + timedelta(hours=1)
    rows = [{"created_at": now, "updated_at": now, "rule_id": rule.pk, "key": f"k{n}", "severity": 20,
             "status": "open", "unit_id": mini_city.edu.pk, "content_type_id": rule.content_type_id,
             "object_id": str(n), "object_repr": "对象", "title": f"标题{n}", "message": "内容\n第二行",
             "data": {"嵌套": [1, 2.5, None, "文字"]}, "opened_at": now, "notified_at": None} for n in range(3)]
    for row in rows:
        Alert.objects.create(**row)
    saved = list(Alert.objects.filter(key__startswith="k").order_by("key"))
    assert update_rows(Alert, [(saved[0].pk, {"notified_at": later, "data": {"x": "新", "n": [1, None]},
                                              "unit_id": mini_city.health.pk, "message": "改\n后"})],
                       ["notified_at", "data", "unit_id", "message"]) == 1
    saved[0].refresh_from_db()
    assert (saved[0].notified_at, saved[0].data, saved[0].unit_id, saved[0].message) == (
        later, {"x": "新", "n": [1, None]}, mini_city.health.pk, "改\n后")
    assert Alert.objects.get(pk=saved[1].pk).notified_at is None
