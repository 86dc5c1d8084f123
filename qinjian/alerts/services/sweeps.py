"""Reconciling a rule's findings with its live alerts: open the new, update the changed, close the gone.

Set-based: one query for the live alerts in the domain (plain rows, no model instances), bulk
writes for the differences (``qinjian.core.bulk_insert`` for new alerts, ``rows.update_rows``), change-log rows written in bulk through
``qinjian.core.audit.bulk_log_changes`` (bulk writes skip the signal receivers). No query per alert. Running it twice changes nothing the
second time. The rule row is locked for the whole evaluation so that a sweep and an on-change
evaluation of the same rule never interleave (PostgreSQL: row lock; SQLite: IMMEDIATE transactions).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.db.models.base import ModelState
from django.urls import reverse
from django.utils import timezone

from qinjian.core import context
from qinjian.core.audit import Change, _jsonable, bulk_log_changes
from qinjian.core.bulk_insert import allocate_ids, insert_rows
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import Notification, ObjectChange

from ..choices import LIVE_STATUSES, AlertStatus, CloseReason, Severity
from ..models import Alert, AlertRule
from ..registry import Finding, Rule
from .config import rule_config
from .rows import update_rows

BATCH = 1000
UPDATE_FIELDS = ("severity", "unit_id", "object_repr", "title", "message", "data")


@dataclass
class SweepResult:
    opened: int = 0
    updated: int = 0
    closed: int = 0
    live: int = 0
    ms: int = 0
    notified: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sweep_rule(*, code: str) -> SweepResult:
    """Evaluate the rule over everything it covers and reconcile its alerts."""
    rule_cls, config = rule_config(code)
    if not config.enabled:
        raise ValidationFailed(f"预警规则“{config.name}”已停用，不能扫描。", code="rule_disabled")
    started = time.perf_counter()
    with transaction.atomic():
        config = AlertRule.objects.select_for_update().get(pk=config.pk)
        result = reconcile(config, rule_cls(config).sweep(), object_ids=None)
        result.ms = round((time.perf_counter() - started) * 1000)
        AlertRule.objects.filter(pk=config.pk).update(last_sweep_at=timezone.now(),
                                                      last_sweep_result=result.as_dict())
    return result


def evaluate_objects(*, code: str, ids: Iterable[Any]) -> SweepResult | None:
    """Evaluate the rule for these objects only (on change); alerts of other objects are untouched."""
    rule_cls, config = rule_config(code)
    if not config.enabled:
        return None
    wanted = sorted({str(i) for i in ids})
    if not wanted:
        return SweepResult()
    with transaction.atomic():
        config = AlertRule.objects.select_for_update().get(pk=config.pk)
        rule: Rule = rule_cls(config)
        findings = rule.evaluate_many(sorted({_native(i) for i in ids}))
        return reconcile(config, findings, object_ids=set(wanted))


def _native(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


# Columns read for each live alert: enough to compare with a finding, to log the change and to close it.
LIVE_COLUMNS = ("pk", "key", "object_id", "status", *UPDATE_FIELDS, "changed_at", "notified_at", "closed_at",
                "close_reason", "closed_by_id", "close_note")
CLOSE_FIELDS = ("status", "closed_at", "close_reason", "closed_by_id", "close_note")
_URL_PLACEHOLDER = 987654321
# Columns of a new alert that differ from row to row (the others are the same for the whole sweep).
_VARYING = frozenset({"id", "key", "object_id", *UPDATE_FIELDS, "notified_at"})


def _stand_in(pk: Any, title: str) -> Alert:
    """An Alert carrying only what the change log reads from it (type, pk, ``str``): building 20,000 full
    instances costs more than writing them."""
    alert = Alert.__new__(Alert)
    alert.__dict__.update(id=pk, title=title, _state=ModelState())
    return alert


def _audit_fields() -> list[str]:
    excluded = Alert.audit_excluded_fields | {"created_at", "updated_at"}
    return [f.attname for f in Alert._meta.concrete_fields if f.name not in excluded]


def _live_rows(config: AlertRule, object_ids: set[str] | None) -> dict[str, dict[str, Any]]:
    live = Alert.objects.filter(rule=config, status__in=LIVE_STATUSES).order_by()
    if object_ids is None:
        return {row["key"]: row for row in live.values(*LIVE_COLUMNS).iterator(chunk_size=5000)}
    out: dict[str, dict[str, Any]] = {}
    ordered = sorted(object_ids)
    for start in range(0, len(ordered), BATCH):
        out.update((row["key"], row) for row in live.filter(object_id__in=ordered[start:start + BATCH])
                   .values(*LIVE_COLUMNS))
    return out


def reconcile(config: AlertRule, findings: Iterable[Finding], *, object_ids: set[str] | None) -> SweepResult:
    """Make the live alerts of ``config`` match ``findings`` (within ``object_ids`` when given).

    Set-based whatever the numbers: one read of the live alerts, then bulk inserts for the new,
    one ``executemany`` for the changed, one ``UPDATE`` per 1,000 for the gone, and their change-log rows
    through ``bulk_log_changes`` — no query per alert.
    """
    now = timezone.now()
    wanted: dict[str, Finding] = {}
    for finding in findings:
        if object_ids is not None and str(finding.object_id) not in object_ids:
            continue  # a rule may only speak about the objects it was asked about
        wanted[finding.key[:200]] = finding
    existing = _live_rows(config, object_ids)

    ctx_user = context.current().user
    creator_id = ctx_user.pk if getattr(ctx_user, "is_authenticated", False) else None
    content_type_id = config.content_type_id or ContentType.objects.get_for_model(Alert).pk
    new_rows: list[dict[str, Any]] = []
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (live row, new values)
    for key, finding in wanted.items():
        severity = finding.severity or config.severity
        values = {"severity": severity, "unit_id": finding.unit_id,
                  "object_repr": (finding.object_repr or str(finding.object_id))[:200],
                  "title": finding.title[:200], "message": finding.message, "data": dict(finding.data)}
        row = existing.get(key)
        if row is None:
            new_rows.append({
                "created_at": now, "updated_at": now, "created_by_id": creator_id, "rule_id": config.pk,
                "key": key, "status": AlertStatus.OPEN, "content_type_id": content_type_id,
                "object_id": str(finding.object_id)[:64], "opened_at": now,
                "notified_at": now if severity == Severity.DANGER else None, **values})
            continue
        if all(row[k] == v for k, v in values.items()):
            continue
        values["changed_at"] = values["updated_at"] = now
        values["notified_at"] = row["notified_at"]
        if severity == Severity.DANGER and row["notified_at"] is None:
            values["notified_at"] = now
            values["_notify"] = True
        changed.append((row, values))
    stale = [row for key, row in existing.items() if key not in wanted]

    created = _insert_alerts(new_rows)
    _update_alerts(changed)
    _close_rows(stale, reason=CloseReason.RESOLVED, now=now)
    notified = notify_severe(
        [(r["id"], r["unit_id"], r["title"], r["message"]) for r in created if r["notified_at"] is not None]
        + [(row["pk"], v["unit_id"], v["title"], v["message"]) for row, v in changed if v.get("_notify")])
    total = Alert.objects.filter(rule=config, status__in=LIVE_STATUSES).count() if object_ids is None else 0
    return SweepResult(opened=len(created), updated=len(changed), closed=len(stale), live=total,
                       notified=notified)


def _insert_alerts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the new alerts (ids reserved first, so nothing is read back; SQLite ``executemany``,
    PostgreSQL ``COPY`` — ``qinjian.core.bulk_insert``); the ids are set on the rows, each is logged as
    预警发生 with the snapshot the post_save receiver would have written."""
    if not rows:
        return rows
    fields = [f.attname for f in Alert._meta.concrete_fields]
    defaults = {f.attname: f.get_default() for f in Alert._meta.concrete_fields}
    with transaction.atomic():
        for row, pk in zip(rows, allocate_ids(Alert, len(rows)), strict=True):
            row["id"] = pk
            for name in fields:
                if name not in row:
                    row[name] = defaults[name]
        insert_rows(Alert, fields, ([row[name] for name in fields] for row in rows))
    logged = _audit_fields()
    varying = [f for f in logged if f in _VARYING]
    shared = {f: _jsonable(rows[0][f]) for f in logged if f not in _VARYING}
    bulk_log_changes(
        (Change(_stand_in(row["id"], row["title"]), ObjectChange.Action.CREATE,
                after={**shared, **{f: _jsonable(row[f]) for f in varying}}, message="预警发生")
         for row in rows), batch_size=BATCH)
    return rows


def _update_alerts(changed: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    if not changed:
        return
    fields = [*UPDATE_FIELDS, "changed_at", "updated_at", "notified_at"]
    update_rows(Alert, [(row["pk"], values) for row, values in changed], fields)
    logged = [f for f in (*UPDATE_FIELDS, "changed_at", "notified_at") if f not in Alert.audit_excluded_fields]
    changes = []
    for row, values in changed:
        diff = [f for f in logged if row[f] != values[f]]  # the log keeps what changed, as the signal path shows it
        changes.append(Change(_stand_in(row["pk"], values["title"]), ObjectChange.Action.UPDATE,
                              before={f: _jsonable(row[f]) for f in diff},
                              after={f: _jsonable(values[f]) for f in diff}, message="预警数据变化"))
    bulk_log_changes(changes, batch_size=BATCH)


def _close_rows(rows: Sequence[Mapping[str, Any]], *, reason: str, now: datetime, user: Any = None,
                note: str = "") -> None:
    """Close these live alerts (rows with pk, title and the CLOSE_FIELDS) and log each closing."""
    if not rows:
        return
    values = {"status": AlertStatus.CLOSED, "closed_at": now, "updated_at": now, "close_reason": reason,
              "closed_by": user, "close_note": note}
    after = {"status": AlertStatus.CLOSED.value, "closed_at": _jsonable(now), "close_reason": str(reason),
             "closed_by_id": getattr(user, "pk", None), "close_note": note}
    # the same values for every row: a plain UPDATE per batch (bulk_update's CASE per row is far slower)
    pks = [r["pk"] for r in rows]
    for start in range(0, len(pks), BATCH):
        Alert.objects.filter(pk__in=pks[start:start + BATCH]).update(**values)
    message = CloseReason(reason).label
    bulk_log_changes(
        (Change(_stand_in(r["pk"], r["title"]), ObjectChange.Action.UPDATE,
                before={f: _jsonable(r[f]) for f in CLOSE_FIELDS}, after=after, message=message) for r in rows),
        batch_size=BATCH)


def close_alerts(alerts: Sequence[Alert], *, reason: str, now: datetime, user: Any = None,
                 note: str = "") -> None:
    """Close these alert instances (rule disabled, …): one UPDATE per 1,000 and their change-log rows."""
    rows = [{"pk": a.pk, "title": a.title, **{f: getattr(a, f) for f in CLOSE_FIELDS}} for a in alerts]
    _close_rows(rows, reason=reason, now=now, user=user, note=note)
    for alert in alerts:
        alert.status, alert.closed_at, alert.updated_at = AlertStatus.CLOSED, now, now
        alert.close_reason, alert.closed_by, alert.close_note = reason, user, note


def alert_recipients(unit_ids: Iterable[int]) -> dict[int, set[int]]:
    """unit id → users holding a unit-administrator role of that unit that may see its alerts."""
    from qinjian.accounts.models import RoleAssignment, RoleKind

    now = timezone.now()
    rows = (RoleAssignment.objects
            .filter(unit_id__in=set(unit_ids), role__kind=RoleKind.UNIT, role__is_active=True, user__is_active=True,
                    role__permissions__content_type__app_label="alerts",
                    role__permissions__codename="view_alert")
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
            .values_list("unit_id", "user_id").distinct())
    out: dict[int, set[int]] = defaultdict(set)
    for unit_id, user_id in rows:
        out[unit_id].add(user_id)
    return out


def notify_severe(alerts: Sequence[tuple[int, int, str, str]]) -> int:
    """站内消息 for newly severe alerts, given as (pk, unit id, title, message); each alert is marked
    notified once (``notified_at``), so re-sweeps send nothing."""
    if not alerts:
        return 0
    recipients = alert_recipients(unit_id for _pk, unit_id, _t, _m in alerts)
    if not recipients:
        return 0
    url = reverse("alerts:alert_detail", args=[_URL_PLACEHOLDER])
    head, _sep, tail = url.partition(str(_URL_PLACEHOLDER))
    rows = [
        Notification(recipient_id=user_id, level=Notification.Level.DANGER,
                     title=f"严重预警：{title}"[:200], body=message, link=f"{head}{pk}{tail}")
        for pk, unit_id, title, message in alerts for user_id in sorted(recipients.get(unit_id, ()))
    ]
    Notification.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def sweep_all() -> list[tuple[str, int]]:
    """Sweep every enabled registered rule now: (rule name, live alerts) per rule swept."""
    from ..registry import all_rules

    out = []
    for rule_cls in all_rules():
        _cls, config = rule_config(rule_cls.code)
        if config.enabled:
            out.append((config.name, sweep_rule(code=rule_cls.code).live))
    return out
