"""Domain hooks: each app declares which of its models go through approvals and what a decision does.

Called from the app's AppConfig.ready()::

    register_approvable(StaffingChangeRequest, amount=lambda r: abs(r.total_change),
                        amount_label="编制变动数", on_approved=..., on_rejected=..., describe=str)

``on_approved(obj, approval)`` / ``on_rejected(obj, approval)`` run inside the deciding transaction
(an exception rolls the decision back); side effects outside the database belong in
``transaction.on_commit``. ``on_status(obj, approval)`` runs on every status change (submit, return,
withdraw, decision) so a domain row can mirror the state. ``applicant_unit(obj)`` names the unit
the request is for (default: ``obj.unit``). ``submit(obj=, actor=, comment=)`` is the domain's own
submit command (default: the engine's ``approval_submit``); the generic submit API looks the object
up in ``Model.objects.scoped(user, submit_action)``. ``details(obj)`` gives (label, text) pairs shown
to the approvers on the request page, so they decide without opening the object.

``variants`` lists (code, label) sub-types of one model that may have flows of their own (e.g. the
kinds of an asset operation: 调拨, 处置 …) and ``variant(obj)`` names the sub-type of an object; a
flow whose variant is blank applies to every sub-type, a specific one wins over it.
``counterpart_unit(obj)`` names the other unit of a two-sided matter (the receiving unit of a
transfer); steps with the unit rule 对方单位 are assigned there and skipped when it is None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

Hook = Callable[[Any, Any], None]


def _noop(obj: Any, approval: Any) -> None:
    return None


@dataclass(frozen=True)
class Approvable:
    model: type[models.Model]
    amount: Callable[[Any], Decimal | int | None]
    amount_label: str
    on_approved: Hook
    on_rejected: Hook
    on_status: Hook
    describe: Callable[[Any], str]
    applicant_unit: Callable[[Any], Any]
    submit: Callable[..., Any] | None
    submit_action: str
    details: Callable[[Any], list[tuple[str, str]]]
    variants: tuple[tuple[str, str], ...] = ()
    variant: Callable[[Any], str] = lambda obj: ""
    counterpart_unit: Callable[[Any], Any] = lambda obj: None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    def amount_of(self, obj: Any) -> Decimal | None:
        value = self.amount(obj)
        return None if value is None else Decimal(value)


_REGISTRY: dict[str, Approvable] = {}


def register_approvable(
    model: type[models.Model],
    *,
    amount: Callable[[Any], Decimal | int | None] | None = None,
    amount_label: str = "金额（元）",
    on_approved: Hook | None = None,
    on_rejected: Hook | None = None,
    on_status: Hook | None = None,
    describe: Callable[[Any], str] | None = None,
    applicant_unit: Callable[[Any], Any] | None = None,
    submit: Callable[..., Any] | None = None,
    submit_action: str = "change",
    details: Callable[[Any], list[tuple[str, str]]] | None = None,
    variants: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
    variant: Callable[[Any], str] | None = None,
    counterpart_unit: Callable[[Any], Any] | None = None,
) -> Approvable:
    spec = Approvable(
        model=model,
        amount=amount or (lambda obj: None),
        amount_label=amount_label,
        on_approved=on_approved or _noop,
        on_rejected=on_rejected or _noop,
        on_status=on_status or _noop,
        describe=describe or str,
        applicant_unit=applicant_unit or (lambda obj: obj.unit),
        submit=submit,
        submit_action=submit_action,
        details=details or (lambda obj: []),
        variants=tuple(variants),
        variant=variant or (lambda obj: ""),
        counterpart_unit=counterpart_unit or (lambda obj: None),
    )
    _REGISTRY[spec.label] = spec
    return spec


def approvable_for(model: type[models.Model] | models.Model) -> Approvable | None:
    return _REGISTRY.get(model._meta.label_lower)


def approvables() -> list[Approvable]:
    return sorted(_REGISTRY.values(), key=lambda a: a.label)


def is_approvable(model: type[models.Model]) -> bool:
    return model._meta.label_lower in _REGISTRY
