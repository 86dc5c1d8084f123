"""Alert center services: rule rows and parameters, sweeps and on-change evaluation, alert actions."""

from .actions import alert_close, alert_handle
from .config import rule_config, rule_sync, rule_update, rules_sync
from .sweeps import SweepResult, evaluate_objects, reconcile, sweep_all, sweep_rule

__all__ = ["SweepResult", "alert_close", "alert_handle", "evaluate_objects", "reconcile", "rule_config",
           "rule_sync", "rule_update", "rules_sync", "sweep_all", "sweep_rule"]
