"""Reconciling a rule's findings with its live alerts: open the new, update the changed, close the gone.

Set-based: one query for the live alerts in the domain, bulk writes for the differences, change-log
rows written in bulk (bulk writes skip the signal receivers). Running it twice changes nothing the
second time. The rule row is locked for the whole evaluation so that a sweep and an on-change
evaluation of the same rule never interleave (PostgreSQL: row lock; SQLite: IMMEDIATE transactions).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qinjian.core.audit import Change, _jsonable, bulk_log_changes, snapshot
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import Notification, ObjectChange

from ..choices import LIVE_STATUSES, AlertStatus, CloseReason, Severity
from ..models import Alert, AlertRule
from ..registry import Finding, Rule
from .config import rule_config

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


def reconcile(config: AlertRule, findings: Iterable[Finding], *, object_ids: set[str] | None) -> SweepResult:
    """Make the live alerts of ``config`` match ``findings`` (within ``object_ids`` when given)."""
    now = timezone.now()
    wanted: dict[str, Finding] = {}
    for finding in findings:
        if object_ids is not None and str(finding.object_id) not in object_ids:
            continue  # a rule may only speak about the objects it was asked about
        wanted[finding.key[:200]] = finding
    live = Alert.objects.filter(rule=config, status__in=LIVE_STATUSES)
    existing: dict[str, Alert] = {}
    if object_ids is None:
        existing = {a.key: a for a in live}
    else:
        ordered = sorted(object_ids)
        for start in range(0, len(ordered), BATCH):
            existing.update((a.key, a) for a in live.filter(object_id__in=ordered[start:start + BATCH]))

    content_type = config.content_type or ContentType.objects.get_for_model(Alert)
    created: list[Alert] = []
    updated: list[Alert] = []
    before: dict[int, dict[str, Any]] = {}
    for key, finding in wanted.items():
        severity = finding.severity or config.severity
        values = {"severity": severity, "unit_id": finding.unit_id,
                  "object_repr": (finding.object_repr or str(finding.object_id))[:200],
                  "title": finding.title[:200], "message": finding.message, "data": dict(finding.data)}
        alert = existing.get(key)
        if alert is None:
            created.append(Alert(rule=config, key=key, status=AlertStatus.OPEN, content_type=content_type,
                                 object_id=str(finding.object_id), opened_at=now,
                                 notified_at=now if severity == Severity.DANGER else None, **values))
            continue
        if all(getattr(alert, k) == v for k, v in values.items()):
            continue
        before[alert.pk] = snapshot(alert)
        escalated = severity == Severity.DANGER and alert.notified_at is None
        for k, v in values.items():
            setattr(alert, k, v)
        alert.changed_at = alert.updated_at = now
        if escalated:
            alert.notified_at = now
            alert._qj_notify = True  # type: ignore[attr-defined]
        updated.append(alert)
    stale = [a for key, a in existing.items() if key not in wanted]

    Alert.objects.bulk_create(created, batch_size=BATCH)
    Alert.objects.bulk_update(updated, [*UPDATE_FIELDS, "changed_at", "updated_at", "notified_at"],
                              batch_size=BATCH)
    log_bulk(created, ObjectChange.Action.CREATE, message="预警发生")
    log_bulk(updated, ObjectChange.Action.UPDATE, before=before, message="预警数据变化")
    close_alerts(stale, reason=CloseReason.RESOLVED, now=now)
    notified = notify_severe([a for a in created if a.notified_at is not None]
                             + [a for a in updated if getattr(a, "_qj_notify", False)])
    total = Alert.objects.filter(rule=config, status__in=LIVE_STATUSES).count() if object_ids is None else 0
    return SweepResult(opened=len(created), updated=len(updated), closed=len(stale), live=total,
                       notified=notified)


def close_alerts(alerts: Sequence[Alert], *, reason: str, now: datetime, user: Any = None,
                 note: str = "") -> None:
    if not alerts:
        return
    values = {"status": AlertStatus.CLOSED, "closed_at": now, "updated_at": now, "close_reason": reason,
              "closed_by": user, "close_note": note}
    fields = ("status", "closed_at", "close_reason", "closed_by_id", "close_note")
    before = {}
    for alert in alerts:
        before[alert.pk] = {f: _jsonable(getattr(alert, f)) for f in fields}
        for key, value in values.items():
            setattr(alert, key, value)
    # the same values for every row: a plain UPDATE per batch (bulk_update's CASE per row is far slower)
    pks = [a.pk for a in alerts]
    for start in range(0, len(pks), BATCH):
        Alert.objects.filter(pk__in=pks[start:start + BATCH]).update(**values)
    log_bulk(alerts, ObjectChange.Action.UPDATE, before=before, message=CloseReason(reason).label, fields=fields)


def log_bulk(alerts: Sequence[Alert], action: str, *, before: dict[int, dict[str, Any]] | None = None,
             message: str = "", fields: Sequence[str] = ()) -> None:
    """The change-log rows the signal receivers would have written for these bulk writes (``fields``:
    only these attnames, when the write touched nothing else)."""
    changes = []
    for alert in alerts:
        after = {f: _jsonable(getattr(alert, f)) for f in fields} if fields else snapshot(alert)
        prior = (before or {}).get(alert.pk)
        if prior is not None:
            prior = {k: v for k, v in prior.items() if k in after}
        changes.append(Change(alert, action, before=prior, after=after, message=message))
    bulk_log_changes(changes, batch_size=BATCH)


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


def notify_severe(alerts: Sequence[Alert]) -> int:
    """站内消息 for newly severe alerts (each alert is marked notified once, so re-sweeps send nothing)."""
    if not alerts:
        return 0
    recipients = alert_recipients(a.unit_id for a in alerts)
    rows = [
        Notification(recipient_id=user_id, level=Notification.Level.DANGER,
                     title=f"严重预警：{alert.title}"[:200], body=alert.message, link=alert.get_absolute_url())
        for alert in alerts for user_id in sorted(recipients.get(alert.unit_id, ()))
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
