"""The rule API for modules.

A module declares a rule in its ``rules.py`` (imported from its AppConfig.ready)::

    @register_rule
    class UnitOverQuota(Rule):
        code = "org.unit_over_quota"
        name = "单位超编"
        module = "组织机构"
        model = Unit                      # the objects alerts link to
        severity = Severity.WARNING       # default level of its findings
        parameters = (Parameter("severe_percent", "严重超编比例（%）", default=10, minimum=0),)
        watches = (Watch(Person, targets=lambda v: [v["unit_id"]], fields=("unit_id", "is_active")),)

        def sweep(self) -> Iterable[Finding]: ...              # every finding over all objects
        def evaluate_many(self, ids) -> Iterable[Finding]: ... # findings for these objects only

``evaluate(obj)`` (one object) defaults to ``evaluate_many([obj.pk])``; ``evaluate_many`` defaults to
``evaluate`` per object. Thresholds are read with ``self.param(name)`` from the rule's stored
parameters (the sysadmin edits them), never written as literals in the rule's logic.

Set-based rules (any rule over more than a few hundred objects): ``sweep()`` runs one query (an
aggregate or a filter that returns only the objects where the condition holds, read with
``.values(...).iterator()``) and yields a ``Finding`` per row; ``evaluate_many(ids)`` runs the same
query restricted to ``pk__in=ids``. Do not leave ``evaluate()`` per object for large models: the
defaults fall back to one query per object. Yielding is all a rule does — the alert center compares
the findings with the rule's live alerts in memory and writes only the differences, in bulk (new,
changed and resolved alerts and their change-log rows; no query per finding), so 20,000 findings cost
about as much as reading 20,000 rows. Keys must be stable (``"asset:<pk>:idle"``), and ``data`` small.
See ``qinjian/org/rules.py`` (单位超编) for the pattern.

On change: after a transaction that saved or deleted a watched model commits, the rule is evaluated
for the affected objects (``qinjian.alerts.signals``). Writers that bypass model signals (bulk
inserts, ``QuerySet.update``) call ``qinjian.alerts.signals.objects_changed(model, ids)`` themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models

from .choices import Frequency, Severity

if TYPE_CHECKING:
    from .models import AlertRule


@dataclass(frozen=True, slots=True)
class Finding:
    """One condition that holds now. ``key`` is stable: the same condition always has the same key.

    ``data`` is JSON; its ``figures`` entry (``[[label, value], ...]``) is shown on the alert's page.
    """

    key: str
    object_id: Any
    unit_id: int
    title: str
    message: str
    severity: int | None = None  # None: the rule's default level
    object_repr: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parameter:
    """A threshold the sysadmin may edit; ``default`` seeds the stored parameters once."""

    name: str
    label: str
    default: int | float | str
    kind: str = "int"  # int | decimal | text
    minimum: float | None = None
    maximum: float | None = None
    help_text: str = ""


@dataclass(frozen=True)
class Watch:
    """A model whose changes can change the rule's outcome.

    ``targets(values)`` maps a row's field values (attname → value; called with the state before and
    after the change) to the ids of the rule's objects to re-evaluate. ``fields``: only changes of
    these attnames matter (empty: every change).
    """

    model: type[models.Model]
    targets: Callable[[Mapping[str, Any]], Iterable[Any]]
    fields: Sequence[str] = ()


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    module: ClassVar[str] = ""
    description: ClassVar[str] = ""
    model: ClassVar[type[models.Model]]
    severity: ClassVar[int] = Severity.WARNING
    frequency: ClassVar[str] = Frequency.HOURLY
    parameters: ClassVar[Sequence[Parameter]] = ()
    watches: ClassVar[Sequence[Watch]] = ()

    def __init__(self, config: AlertRule) -> None:
        self.config = config

    def param(self, name: str) -> Any:
        """The stored value of a declared parameter (its default until the sysadmin sets one)."""
        spec = next((p for p in self.parameters if p.name == name), None)
        if spec is None:
            raise KeyError(f"{self.code}: undeclared parameter {name!r}")
        return (self.config.parameters or {}).get(name, spec.default)

    def sweep(self) -> Iterable[Finding]:
        return self.evaluate_many(self.model._default_manager.values_list("pk", flat=True))

    def evaluate_many(self, ids: Iterable[Any]) -> Iterable[Finding]:
        for obj in self.model._default_manager.filter(pk__in=list(ids)):
            yield from self.evaluate(obj)

    def evaluate(self, obj: models.Model) -> list[Finding]:
        if type(self).evaluate_many is Rule.evaluate_many:
            raise NotImplementedError(f"{self.code} must define evaluate() or evaluate_many()")
        return list(self.evaluate_many([obj.pk]))


_RULES: dict[str, type[Rule]] = {}


def register_rule(cls: type[Rule] | None = None, **attrs: Any) -> Any:
    """Class decorator: ``@register_rule`` or ``@register_rule(code=..., name=..., model=...)``."""

    def wrap(rule_cls: type[Rule]) -> type[Rule]:
        for key, value in attrs.items():
            setattr(rule_cls, key, value)
        for required in ("code", "name", "model"):
            if not getattr(rule_cls, required, None):
                raise TypeError(f"alert rule {rule_cls.__name__} needs {required}")
        if rule_cls.code in _RULES and _RULES[rule_cls.code] is not rule_cls:
            raise ValueError(f"alert rule {rule_cls.code!r} is registered twice")
        names = [p.name for p in rule_cls.parameters]
        if len(names) != len(set(names)):
            raise ValueError(f"alert rule {rule_cls.code!r} declares a parameter twice")
        _RULES[rule_cls.code] = rule_cls
        from . import signals

        signals.connect_rule(rule_cls)
        return rule_cls

    return wrap(cls) if cls is not None else wrap


def unregister_rule(code: str) -> None:
    """For tests that register throw-away rules."""
    cls = _RULES.pop(code, None)
    if cls is not None:
        from . import signals

        signals.disconnect_rule(cls)


def get_rule(code: str) -> type[Rule] | None:
    return _RULES.get(code)


def all_rules() -> list[type[Rule]]:
    return sorted(_RULES.values(), key=lambda r: r.code)


def rule_models() -> set[type[models.Model]]:
    return {r.model for r in _RULES.values()}
