"""On-change evaluation: signals on the models rules watch, evaluated once per transaction, after commit.

A save or delete of a watched model records the affected objects of each rule; when the transaction
commits, each rule is evaluated for those objects (one reconciliation per rule and transaction). A
rolled-back transaction evaluates nothing. Code that bypasses signals calls :func:`objects_changed`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save, pre_save

if TYPE_CHECKING:
    from .registry import Rule, Watch

log = logging.getLogger(__name__)

_WATCHES: dict[type[models.Model], list[tuple[str, Watch]]] = {}
_state = threading.local()


def connect_rule(rule_cls: type[Rule]) -> None:
    for watch in rule_cls.watches:
        entries = _WATCHES.setdefault(watch.model, [])
        if all(code != rule_cls.code or w is not watch for code, w in entries):
            entries.append((rule_cls.code, watch))


def disconnect_rule(rule_cls: type[Rule]) -> None:
    for model, entries in list(_WATCHES.items()):
        _WATCHES[model] = [(code, w) for code, w in entries if code != rule_cls.code]


def _values(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname, None) for f in instance._meta.concrete_fields}


def _targets(watch: Watch, values: Mapping[str, Any]) -> set[Any]:
    return {t for t in watch.targets(values) if t is not None}


def _on_pre_save(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or sender not in _WATCHES:
        return
    loaded = getattr(instance, "_loaded_values", None)
    instance._qj_alert_before = dict(loaded) if loaded is not None and not instance._state.adding else None  # type: ignore[attr-defined]


def _on_post_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False,
                  **kwargs: Any) -> None:
    if raw or sender not in _WATCHES:
        return
    before = None if created else getattr(instance, "_qj_alert_before", None)
    after = _values(instance)
    for code, watch in _WATCHES[sender]:
        if before is not None and watch.fields and all(before.get(f) == after.get(f) for f in watch.fields):
            continue
        ids = _targets(watch, after)
        if before is not None:
            ids |= _targets(watch, before)
        _schedule(code, ids)


def _on_post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if sender not in _WATCHES:
        return
    values = _values(instance)
    for code, watch in _WATCHES[sender]:
        _schedule(code, _targets(watch, values))


pre_save.connect(_on_pre_save, dispatch_uid="qinjian.alerts.pre_save")
post_save.connect(_on_post_save, dispatch_uid="qinjian.alerts.post_save")
post_delete.connect(_on_post_delete, dispatch_uid="qinjian.alerts.post_delete")


def objects_changed(model: type[models.Model], ids: Iterable[Any]) -> None:
    """Re-evaluate, after commit, every rule over ``model`` for these objects (for bulk writers)."""
    from .registry import all_rules

    wanted = set(ids)
    for rule_cls in all_rules():
        if rule_cls.model is model:
            _schedule(rule_cls.code, wanted)


def _schedule(code: str, ids: set[Any]) -> None:
    if not ids:
        return
    pending = getattr(_state, "pending", None)
    callback = getattr(_state, "callback", None)
    # A batch is live while its callback is still queued on this connection (gone after a rollback).
    queued = callback is not None and connection.in_atomic_block and any(
        func is callback for _sids, func, _robust in connection.run_on_commit)
    if not queued or pending is None:
        batch: dict[str, set[Any]] = {}
        _state.pending = pending = batch

        def run() -> None:
            if getattr(_state, "pending", None) is batch:
                _state.pending = None
                _state.callback = None
            _evaluate_pending(batch)

        _state.callback = run
        pending.setdefault(code, set()).update(ids)
        transaction.on_commit(run, robust=True)
        return
    pending.setdefault(code, set()).update(ids)


def reset_pending() -> None:
    """Forget the batch of the current transaction (tests that capture on-commit callbacks start clean)."""
    _state.pending = None
    _state.callback = None


def _evaluate_pending(pending: dict[str, set[Any]]) -> None:
    from .services import evaluate_objects

    for code, ids in pending.items():
        try:
            evaluate_objects(code=code, ids=ids)
        except Exception:  # the business change is committed already; the hourly sweep catches up
            log.exception("alert rule %s failed on change", code)
