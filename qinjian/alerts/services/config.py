"""Rule rows: kept in step with the registered rules; parameters edited by the system administrator."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from qinjian.core import security_log
from qinjian.core.errors import ValidationFailed

from ..choices import LIVE_STATUSES, AlertStatus, CloseReason, Frequency, Severity
from ..models import Alert, AlertRule
from ..registry import Parameter, Rule, all_rules, get_rule


def _row_defaults(rule_cls: type[Rule]) -> dict[str, Any]:
    return {
        "name": rule_cls.name,
        "module": rule_cls.module,
        "description": rule_cls.description,
        "content_type": ContentType.objects.get_for_model(rule_cls.model, for_concrete_model=True),
    }


def rule_sync(rule_cls: type[Rule]) -> AlertRule:
    """The rule's row, created with its declared defaults; later only missing parameters are added."""
    row = AlertRule.objects.filter(code=rule_cls.code).first()
    defaults = {p.name: p.default for p in rule_cls.parameters}
    if row is None:
        row = AlertRule(code=rule_cls.code, severity=rule_cls.severity, frequency=rule_cls.frequency,
                        parameters=defaults, **_row_defaults(rule_cls))
        row.save()
        return row
    changed = {k: v for k, v in _row_defaults(rule_cls).items() if getattr(row, k) != v}
    missing = {k: v for k, v in defaults.items() if k not in (row.parameters or {})}
    if changed or missing:
        for key, value in changed.items():
            setattr(row, key, value)
        row.parameters = {**(row.parameters or {}), **missing}
        row.save()
    return row


def rules_sync(**_kwargs: Any) -> None:
    """post_migrate: a row for every registered rule."""
    for rule_cls in all_rules():
        rule_sync(rule_cls)


def rule_config(code: str) -> tuple[type[Rule], AlertRule]:
    rule_cls = get_rule(code)
    if rule_cls is None:
        raise ValidationFailed(f"预警规则“{code}”不存在。", code="unknown_rule")
    row = AlertRule.objects.filter(code=code).first()
    return rule_cls, row if row is not None else rule_sync(rule_cls)


def _parse(spec: Parameter, raw: Any) -> tuple[Any, str]:
    text = str(raw if raw is not None else "").strip()
    if text == "":
        return None, "请填写。"
    if spec.kind == "text":
        return text[:200], ""
    try:
        number = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None, "请填写数字。"
    if not number.is_finite():
        return None, "请填写数字。"
    if spec.kind == "int" and number != number.to_integral_value():
        return None, "请填写整数。"
    if spec.minimum is not None and number < Decimal(str(spec.minimum)):
        return None, f"不能小于 {spec.minimum:g}。"
    if spec.maximum is not None and number > Decimal(str(spec.maximum)):
        return None, f"不能大于 {spec.maximum:g}。"
    return (int(number) if spec.kind == "int" else float(number)), ""


@transaction.atomic
def rule_update(*, rule: AlertRule, enabled: bool, severity: int, frequency: str,
                parameters: dict[str, Any]) -> AlertRule:
    """Change a rule's switch, default level, frequency and parameters (the sysadmin's form and API).

    Disabling a rule closes its live alerts: nobody would be told when they resolve.
    """
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    rule_cls = get_rule(rule.code)
    errors: dict[str, list[str]] = {}
    if severity not in Severity.values:
        errors["severity"] = ["请选择级别。"]
    if frequency not in Frequency.values:
        errors["frequency"] = ["请选择扫描频率。"]
    values = dict(rule.parameters or {})
    for spec in (rule_cls.parameters if rule_cls else ()):
        if spec.name not in parameters:
            continue
        value, error = _parse(spec, parameters[spec.name])
        if error:
            errors[f"param_{spec.name}"] = [error]
        else:
            values[spec.name] = value
    if errors:
        raise ValidationFailed("规则设置有误，请检查标红的字段。", fields=errors)
    before = {"enabled": rule.enabled, "severity": rule.severity, "frequency": rule.frequency,
              "parameters": rule.parameters}
    rule.enabled, rule.severity, rule.frequency, rule.parameters = bool(enabled), severity, frequency, values
    rule.save()
    after = {"enabled": rule.enabled, "severity": rule.severity, "frequency": rule.frequency,
             "parameters": rule.parameters}
    if before != after:
        security_log.record("config_changed", obj=rule, action="alert_rule_update",
                            before=before, after=after)
    if before["enabled"] and not rule.enabled:
        _close_all(rule)
    return rule


def _close_all(rule: AlertRule) -> None:
    from .sweeps import close_alerts

    live = list(Alert.objects.filter(rule=rule, status__in=LIVE_STATUSES))
    close_alerts(live, reason=CloseReason.RULE_DISABLED, now=timezone.now())


__all__ = ["AlertStatus", "rule_config", "rule_sync", "rule_update", "rules_sync"]
