"""资产业务单: create and change a draft, submit it into its approval flow; the final approval applies it.

One document is one lifecycle action (验收入账, 领用, 交回, 调拨, 出租出借, 出借收回, 维修, 处置, 价值变动)
on one or more cards of the applicant unit. The document's kind is the approval flow's variant, its
amount (the lines' original value) picks the approval level, and the receiving unit of a transfer
signs in the flow's 对方单位 step.

Rules kept in one place (``TRANSITIONS``): which usage statuses each kind accepts, and what it does
to the card. Nothing happens to the cards until the final approval (``_on_approved``), which runs in
the deciding transaction and applies every line through ``services.ledger`` (card, 履历 and the
ledger journal together). Exception: a disposal marks its cards 待处置 while under approval and
restores their previous status when the request is returned, withdrawn or rejected.

An asset is never in two open documents at once (draft, under approval, returned or withdrawn):
creating, changing and submitting lock the cards (``ledger.lock_assets``) before checking.
Dates: a document takes effect on its approval day, except 验收入账, which books the card on the
acceptance date the applicant entered (业务日期).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from qinjian.core.errors import Conflict, NotAllowed, ValidationFailed
from qinjian.core.numbering import next_number
from qinjian.core.scope import DataScope, active_assignment
from qinjian.org.models import Department, Person, Unit
from qinjian.workflow.choices import RequestStatus
from qinjian.workflow.models import ApprovalRequest
from qinjian.workflow.registry import register_approvable
from qinjian.workflow.services import approval_submit

from ..choices import (
    AssetStatus,
    DisposalMethod,
    EventKind,
    OperationKind,
    OperationStatus,
)
from ..models import Asset, AssetEvent, AssetOperation, AssetOperationLine
from . import ledger

NUMBER_PREFIX = "ZCYW"
REASON_MAX = 2000
MAX_LINES = 500
MAX_AMOUNT = Decimal("10000000000")  # 100 亿元: more on one line is a typing error, not an asset
EARLIEST_DATE = datetime.date(1950, 1, 1)
CENT = Decimal("0.01")

OPEN_STATUSES = (OperationStatus.DRAFT, OperationStatus.PENDING, OperationStatus.RETURNED, OperationStatus.WITHDRAWN)
STAFF_KINDS = (OperationKind.ISSUE, OperationKind.RETURN)
NO_INCOME_METHODS = (DisposalMethod.DONATION, DisposalMethod.FREE_TRANSFER, DisposalMethod.LOSS)

S = AssetStatus


@dataclass(frozen=True)
class Transition:
    """What a kind of document may do to a card: from which usage statuses, and the fields it uses."""

    allowed: tuple[str, ...]
    verb: str
    fields: tuple[str, ...] = ()
    pending_status: str = ""  # the status the cards carry while the document is under approval


# The one table of allowed transitions (a lent asset cannot be disposed of; a disposed one cannot be
# issued; 交回 only for issued assets; 出借收回 only for lent ones; 验收入账 only for 待入账 cards).
TRANSITIONS: dict[str, Transition] = {
    OperationKind.ACCEPTANCE: Transition((S.DRAFT,), "验收入账", ("location",)),
    OperationKind.ISSUE: Transition((S.IN_USE, S.IDLE), "领用", ("person", "department", "location")),
    OperationKind.RETURN: Transition((S.IN_USE,), "交回", ("location",)),
    OperationKind.TRANSFER: Transition((S.IN_USE, S.IDLE), "调拨", ("counterpart_unit",)),
    OperationKind.LOAN: Transition((S.IN_USE, S.IDLE), "出租出借", ("counterparty", "due_on")),
    OperationKind.LOAN_RETURN: Transition((S.LENT,), "收回", ("location",)),
    OperationKind.REPAIR: Transition((S.IN_USE, S.IDLE), "维修", ("counterparty", "cost")),
    OperationKind.DISPOSAL: Transition((S.IN_USE, S.IDLE, S.PENDING_DISPOSAL), "处置",
                                       ("disposal_method", "income", "counterparty"),
                                       pending_status=S.PENDING_DISPOSAL),
    OperationKind.REVALUATION: Transition((S.IN_USE, S.IDLE, S.LENT, S.PENDING_DISPOSAL), "调整价值"),
}

DOCUMENT_FIELDS = ("counterpart_unit", "counterparty", "person", "department", "location", "due_on",
                   "disposal_method", "income", "cost")
EMPTY: dict[str, Any] = {"counterpart_unit": None, "counterparty": "", "person": None, "department": None,
                         "location": "", "due_on": None, "disposal_method": "", "income": None, "cost": None}


@dataclass
class LineSpec:
    asset_id: int
    new_value: Any = None
    note: str = ""


@dataclass
class _Clean:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


# --------------------------------------------------------------------------------------------------
# input helpers
# --------------------------------------------------------------------------------------------------


def _money(value: Any, label: str, name: str, clean: _Clean, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            clean.add(name, f"请填写{label}。")
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        clean.add(name, f"{label}应为数字。")
        return None
    if not amount.is_finite():
        clean.add(name, f"{label}应为数字。")
        return None
    if amount < 0:
        clean.add(name, f"{label}不能为负数。")
        return None
    if amount > MAX_AMOUNT:
        clean.add(name, f"{label}不能超过 100 亿元，请检查是否多输入了位数。")
        return None
    if amount != amount.quantize(CENT):
        clean.add(name, f"{label}最多保留两位小数。")
        return None
    return amount.quantize(CENT)


def _line_specs(assets: Iterable[Any]) -> list[LineSpec]:
    """Assets as cards, ids, or dicts ``{"asset": card or id, "new_value": ..., "note": ...}``."""
    specs: list[LineSpec] = []
    seen: set[int] = set()
    for item in assets or ():
        raw = item.get("asset") if isinstance(item, dict) else item
        asset_id: Any = getattr(raw, "pk", raw)
        try:
            asset_id = int(asset_id)
        except (TypeError, ValueError):
            raise ValidationFailed("所选资产有误，请重新选择。", fields={"assets": ["所选资产有误，请重新选择。"]}) from None
        if asset_id in seen:
            continue
        seen.add(asset_id)
        if isinstance(item, dict):
            note = str(item.get("note") or "").strip()[:200]
            specs.append(LineSpec(asset_id, item.get("new_value"), note))
        else:
            specs.append(LineSpec(asset_id))
    return specs


def _root(unit: Unit) -> str:
    parts = [p for p in (unit.tree_path or "").split("/") if p]
    return parts[0] if parts else ""


def actor_person(actor: Any) -> Person | None:
    person_id = getattr(actor, "person_id", None)
    return Person.objects.select_related("unit", "department").filter(pk=person_id).first() if person_id else None


def is_staff_actor(actor: Any) -> bool:
    """Acting with a data scope of 仅本人 (干部职工): may apply to 领用/交回 for themselves only."""
    assignment = active_assignment(actor)
    return assignment is not None and assignment.scope == DataScope.OWN


def actor_reaches(actor: Any, unit: Unit) -> bool:
    """The actor's active role assignment reaches ``unit`` (their own unit for 干部职工)."""
    if actor is None:
        return True  # the system itself (demo data, jobs)
    assignment = active_assignment(actor)
    if assignment is None:
        return False
    if assignment.scope == DataScope.ALL:
        return True
    if assignment.scope == DataScope.OWN:
        person = actor_person(actor)
        return (person.unit_id if person else assignment.unit_id) == unit.pk
    if assignment.unit is None:
        return False
    if assignment.scope == DataScope.UNIT_TREE:
        return bool(assignment.unit.tree_path) and unit.tree_path.startswith(assignment.unit.tree_path)
    return bool(assignment.unit_id == unit.pk)


def _require_applicant_side(actor: Any, operation: AssetOperation, verb: str) -> None:
    """Only the applicant unit (not the receiving unit of a transfer) changes or submits a document."""
    if actor is None:
        return
    if not actor_reaches(actor, operation.unit):
        raise NotAllowed(f"只有申请单位可以{verb}该业务单。")
    if is_staff_actor(actor):
        mine = operation.created_by_id == actor.pk or (
            operation.person_id is not None and operation.person_id == getattr(actor, "person_id", None))
        if not mine:
            raise NotAllowed(f"只能{verb}本人的业务单。")


# --------------------------------------------------------------------------------------------------
# validation (create, change, submit)
# --------------------------------------------------------------------------------------------------


def _clean_document(*, kind: str, unit: Unit, actor: Any, occurred_on: Any, reason: Any,
                    data: dict[str, Any]) -> _Clean:
    clean = _Clean()
    rule = TRANSITIONS[kind]
    values: dict[str, Any] = dict(EMPTY)

    if not isinstance(occurred_on, datetime.date) or isinstance(occurred_on, datetime.datetime):
        clean.add("occurred_on", "请填写业务日期。")
    elif occurred_on > timezone.localdate():
        clean.add("occurred_on", "业务日期不能晚于今天。")
    elif occurred_on < EARLIEST_DATE:
        clean.add("occurred_on", "业务日期有误，请检查年份。")
    values["occurred_on"] = occurred_on

    text = (reason or "").strip() if isinstance(reason, str) else ""
    if not text:
        clean.add("reason", "请填写事由。")
    elif len(text) > REASON_MAX:
        clean.add("reason", f"事由不能超过 {REASON_MAX} 字。")
    values["reason"] = text

    wanted = {name: data.get(name) for name in rule.fields}
    if kind == OperationKind.TRANSFER:
        target = wanted.get("counterpart_unit")
        if target is None:
            clean.add("counterpart_unit", "请选择调入单位。")
        elif not isinstance(target, Unit):
            clean.add("counterpart_unit", "调入单位有误，请重新选择。")
        elif target.pk == unit.pk:
            clean.add("counterpart_unit", "调入单位不能与调出单位相同。")
        elif not target.is_active:
            clean.add("counterpart_unit", f"调入单位“{target.name}”已停用，不能调入。")
        elif _root(target) != _root(unit):
            clean.add("counterpart_unit", f"调入单位“{target.name}”不在本市单位体系内，不能调拨。"
                                          "跨地区、跨级次的资产划转请按无偿划转办理处置。")
        values["counterpart_unit"] = target if isinstance(target, Unit) else None
    if kind == OperationKind.ISSUE:
        person = wanted.get("person")
        if is_staff_actor(actor):
            person = actor_person(actor)
            if person is None:
                clean.add("person", "您的账户未关联人员信息，不能申请领用，请联系单位信息管理员。")
        if person is None:
            if "person" not in clean.errors:
                clean.add("person", "请选择领用人。")
        elif not isinstance(person, Person):
            clean.add("person", "领用人有误，请重新选择。")
        elif person.unit_id != unit.pk:
            clean.add("person", f"领用人“{person.name}”不是{unit.name}的人员。")
        elif not person.is_active:
            clean.add("person", f"领用人“{person.name}”已停用。")
        values["person"] = person if isinstance(person, Person) else None
        dept = wanted.get("department")
        if dept is None and isinstance(person, Person):
            dept = person.department
        if dept is not None and (not isinstance(dept, Department) or dept.unit_id != unit.pk):
            clean.add("department", "使用部门应为申请单位的部门。")
        values["department"] = dept if isinstance(dept, Department) else None
    if kind == OperationKind.LOAN:
        party = str(wanted.get("counterparty") or "").strip()
        if not party:
            clean.add("counterparty", "请填写承租或借用方。")
        values["counterparty"] = party[:200]
        due = wanted.get("due_on")
        if due is not None and isinstance(occurred_on, datetime.date) and due < occurred_on:
            clean.add("due_on", "约定归还日期不能早于业务日期。")
        values["due_on"] = due
    if kind == OperationKind.REPAIR:
        party = str(wanted.get("counterparty") or "").strip()
        if not party:
            clean.add("counterparty", "请填写维修单位。")
        values["counterparty"] = party[:200]
        values["cost"] = _money(wanted.get("cost"), "维修费用", "cost", clean)
    if kind == OperationKind.DISPOSAL:
        method = wanted.get("disposal_method") or ""
        if not method:
            clean.add("disposal_method", "请选择处置方式。")
        elif method not in DisposalMethod.values:
            clean.add("disposal_method", "处置方式有误，请重新选择。")
        values["disposal_method"] = method
        income = _money(wanted.get("income"), "处置收入", "income", clean)
        if income and method in NO_INCOME_METHODS:
            clean.add("income", f"{DisposalMethod(method).label}不应有处置收入。")
        values["income"] = income
        values["counterparty"] = str(wanted.get("counterparty") or "").strip()[:200]
    if "location" in rule.fields:
        values["location"] = str(wanted.get("location") or "").strip()[:200]
    clean.values = values
    return clean


def _check_assets(*, kind: str, unit: Unit, actor: Any, specs: Sequence[LineSpec], cards: dict[int, Asset],
                  occurred_on: Any, person: Person | None, operation: AssetOperation | None,
                  clean: _Clean) -> None:
    """Each card: of the applicant unit, in a status the kind accepts, in no other open document."""
    rule = TRANSITIONS[kind]
    if not specs:
        clean.add("assets", "请至少选择一项资产。")
        return
    if len(specs) > MAX_LINES:
        clean.add("assets", f"一张业务单最多 {MAX_LINES} 项资产，请分单办理。")
        return
    staff = is_staff_actor(actor)
    problems: list[str] = []
    hidden = 0
    for spec in specs:
        card = cards[spec.asset_id]
        label = f"“{card.code} {card.name}”"
        if card.unit_id != unit.pk:
            if actor_reaches(actor, card.unit) and not staff:
                problems.append(f"资产{label}不属于{unit.name}，不能由本单位申请。")
            else:  # never name a card the actor may not see
                hidden += 1
            continue
        if card.status not in rule.allowed:
            shown = "、".join(S(s).label for s in rule.allowed)
            problems.append(f"资产{label}目前为“{card.get_status_display()}”，不能{rule.verb}"
                            f"（只有{shown}的资产可以{rule.verb}）。")
            continue
        if kind == OperationKind.ISSUE and card.custodian_id is not None and card.custodian_id != getattr(
                person, "pk", None):
            problems.append(f"资产{label}目前由他人使用，请先办理交回再领用。")
        if kind == OperationKind.ISSUE and person is not None and card.custodian_id == person.pk:
            problems.append(f"资产{label}已由{person.name}使用，无需再领用。")
        if kind == OperationKind.RETURN and card.custodian_id is None:
            problems.append(f"资产{label}没有使用人，不需要交回。")
        if staff and kind == OperationKind.RETURN and card.custodian_id != getattr(actor, "person_id", None):
            problems.append(f"资产{label}不是您本人使用的资产，不能由您交回。")
        if isinstance(occurred_on, datetime.date):
            if kind == OperationKind.ACCEPTANCE and occurred_on < card.acquired_on:
                problems.append(f"资产{label}的验收日期不能早于取得日期（{card.acquired_on:%Y-%m-%d}）。")
            elif kind != OperationKind.ACCEPTANCE and card.booked_on and occurred_on < card.booked_on:
                problems.append(f"资产{label}于 {card.booked_on:%Y-%m-%d} 入账，业务日期不能早于入账日期。")
        if kind == OperationKind.REVALUATION:
            value = _money(spec.new_value, f"资产{label}的变动后原值", "lines", clean, required=True)
            if value is not None and value == card.original_value:
                clean.add("lines", f"资产{label}的变动后原值与现原值相同。")
            spec.new_value = value
    if hidden:
        problems.append(f"有 {hidden} 项资产不属于{unit.name}或不在您的管理范围内，不能由本单位申请。")
    if problems:
        clean.errors.setdefault("assets", []).extend(problems)
    busy = (AssetOperationLine.objects.filter(asset_id__in=[s.asset_id for s in specs],
                                              operation__status__in=OPEN_STATUSES)
            .select_related("operation", "asset").order_by("asset_id", "id"))
    if operation is not None and operation.pk:
        busy = busy.exclude(operation_id=operation.pk)
    for line in busy[:20]:
        doc = line.operation
        clean.add("assets", f"资产“{line.asset.code} {line.asset.name}”已在业务单 {doc.number}"
                            f"（{doc.get_kind_display()}，{doc.get_status_display()}）中，不能同时办理两张业务单。")


def _lock_cards(specs: Sequence[LineSpec]) -> dict[int, Asset]:
    try:
        return ledger.lock_assets([s.asset_id for s in specs])
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, fields={"assets": [exc.message]}) from exc


def _raise(clean: _Clean) -> None:
    if clean.errors:
        first = next(iter(clean.errors.values()))[0]
        summary = first if len(clean.errors) == 1 and len(first) < 120 else "业务单有误，请检查标红的内容。"
        raise ValidationFailed(summary, fields=clean.errors)


def _write_lines(operation: AssetOperation, specs: Sequence[LineSpec], cards: dict[int, Asset]) -> None:
    AssetOperationLine.objects.filter(operation=operation).delete()
    lines = []
    for spec in specs:
        card = cards[spec.asset_id]
        lines.append(AssetOperationLine(
            operation=operation, asset=card, original_value=card.original_value, net_value=card.net_value,
            new_value=spec.new_value if operation.kind == OperationKind.REVALUATION else None, note=spec.note))
    AssetOperationLine.objects.bulk_create(lines)
    operation.total_value = sum((c.original_value for c in (cards[s.asset_id] for s in specs)), Decimal("0"))
    operation.line_count = len(specs)


def _specs_of(operation: AssetOperation) -> list[LineSpec]:
    return [LineSpec(line.asset_id, line.new_value, line.note) for line in operation.lines.order_by("id")]


def _document_data(operation: AssetOperation) -> dict[str, Any]:
    return {name: getattr(operation, name) for name in DOCUMENT_FIELDS}


def _not_editable(operation: AssetOperation, verb: str) -> Conflict:
    if operation.status == OperationStatus.PENDING:
        return Conflict(f"业务单 {operation.number} 正在审批中（{operation.approval_number}），不能{verb}。")
    return Conflict(f"业务单 {operation.number} {operation.get_status_display()}，不能{verb}。")


def _locked_operation(operation: AssetOperation) -> AssetOperation:
    return (AssetOperation.objects.select_for_update(of=("self",))
            .select_related("unit", "counterpart_unit", "person", "department").get(pk=operation.pk))


# --------------------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def operation_create(*, kind: str, unit: Unit, actor: Any, assets: Iterable[Any], occurred_on: datetime.date,
                     reason: str, **fields: Any) -> AssetOperation:
    """A draft document; ``assets`` are cards or ids, or dicts with ``asset``/``new_value``/``note``.

    ``fields``: counterpart_unit (调拨), person and department (领用), counterparty (出租出借 borrower,
    维修 vendor, 处置 受让方), due_on, location, disposal_method, income, cost, result (维修结果, kept
    on every line). Fields a kind does not use are ignored.
    """
    unknown = set(fields) - {*DOCUMENT_FIELDS, "result"}
    if unknown:
        raise TypeError(f"operation_create() got unexpected fields: {sorted(unknown)}")
    if kind not in TRANSITIONS:
        raise ValidationFailed("请选择业务类型。", fields={"kind": ["请选择业务类型。"]})
    if not isinstance(unit, Unit):
        raise ValidationFailed("请选择申请单位。", fields={"unit": ["请选择申请单位。"]})
    unit = Unit.objects.get(pk=unit.pk)
    if not unit.is_active:
        raise ValidationFailed(f"{unit.name}已停用，不能办理资产业务。", fields={"unit": ["该单位已停用。"]})
    if not actor_reaches(actor, unit):
        raise NotAllowed(f"您不能为{unit.name}办理资产业务。")
    if is_staff_actor(actor) and kind not in STAFF_KINDS:
        raise NotAllowed("干部职工只能申请领用或交回本人使用的资产。")
    specs = _line_specs(assets)
    result = str(fields.pop("result", "") or "").strip()[:200]
    if kind == OperationKind.REPAIR and result:
        for spec in specs:
            spec.note = spec.note or result
    clean = _clean_document(kind=kind, unit=unit, actor=actor, occurred_on=occurred_on, reason=reason, data=fields)
    cards = _lock_cards(specs) if specs else {}
    _check_assets(kind=kind, unit=unit, actor=actor, specs=specs, cards=cards, occurred_on=occurred_on,
                  person=clean.values.get("person"), operation=None, clean=clean)
    _raise(clean)
    operation = AssetOperation(number=next_number(NUMBER_PREFIX), kind=kind, unit=unit, **clean.values)
    if getattr(actor, "pk", None):
        operation.created_by = actor
    operation.save()
    _write_lines(operation, specs, cards)
    operation.save(update_fields=["total_value", "line_count", "updated_at"])
    return operation


@transaction.atomic
def operation_update(*, operation: AssetOperation, actor: Any, **fields: Any) -> AssetOperation:
    """Change the fields of a draft (or returned / withdrawn) document; kind and unit stay."""
    unknown = set(fields) - {*DOCUMENT_FIELDS, "occurred_on", "reason", "result"}
    if unknown:
        raise TypeError(f"operation_update() got unexpected fields: {sorted(unknown)}")
    operation = _locked_operation(operation)
    _require_applicant_side(actor, operation, "修改")
    if not operation.is_editable:
        raise _not_editable(operation, "修改")
    result = fields.pop("result", None)
    data = _document_data(operation) | {k: v for k, v in fields.items() if k not in ("occurred_on", "reason")}
    occurred_on = fields.get("occurred_on", operation.occurred_on)
    reason = fields.get("reason", operation.reason)
    clean = _clean_document(kind=operation.kind, unit=operation.unit, actor=actor, occurred_on=occurred_on,
                            reason=reason, data=data)
    specs = _specs_of(operation)
    cards = _lock_cards(specs)
    _check_assets(kind=operation.kind, unit=operation.unit, actor=actor, specs=specs, cards=cards,
                  occurred_on=occurred_on, person=clean.values.get("person"), operation=operation, clean=clean)
    _raise(clean)
    for name, value in clean.values.items():
        setattr(operation, name, value)
    if operation.kind == OperationKind.REPAIR and result is not None:
        operation.lines.update(note=str(result or "").strip()[:200])
    operation.save()
    return operation


@transaction.atomic
def operation_set_lines(*, operation: AssetOperation, actor: Any, assets: Iterable[Any]) -> AssetOperation:
    """Replace the assets of a draft (or returned / withdrawn) document."""
    operation = _locked_operation(operation)
    _require_applicant_side(actor, operation, "修改")
    if not operation.is_editable:
        raise _not_editable(operation, "修改")
    specs = _line_specs(assets)
    clean = _Clean()
    cards = _lock_cards(specs) if specs else {}
    _check_assets(kind=operation.kind, unit=operation.unit, actor=actor, specs=specs, cards=cards,
                  occurred_on=operation.occurred_on, person=operation.person, operation=operation, clean=clean)
    _raise(clean)
    _write_lines(operation, specs, cards)
    operation.save()
    return operation


@transaction.atomic
def operation_delete(*, operation: AssetOperation, actor: Any) -> None:
    """A draft that never went into approval may be deleted (its assets are free again)."""
    operation = _locked_operation(operation)
    _require_applicant_side(actor, operation, "删除")
    ct = ContentType.objects.get_for_model(AssetOperation)
    submitted = ApprovalRequest.objects.filter(content_type=ct, object_id=operation.pk).exists()
    if operation.status != OperationStatus.DRAFT or submitted:
        raise Conflict(f"业务单 {operation.number} 已提交过审批，不能删除；不再办理的请撤回后保留记录。")
    operation.delete()


@transaction.atomic
def operation_submit(*, operation: AssetOperation, actor: Any, comment: str = "") -> Any:
    """Into the kind's approval flow (again after a return or withdrawal): everything is checked anew
    with the cards locked, the lines' values are refreshed, then the approvals engine takes over."""
    operation = _locked_operation(operation)
    _require_applicant_side(actor, operation, "提交")
    if not operation.is_editable:
        raise _not_editable(operation, "重复提交")
    specs = _specs_of(operation)
    clean = _clean_document(kind=operation.kind, unit=operation.unit, actor=actor,
                            occurred_on=operation.occurred_on, reason=operation.reason,
                            data=_document_data(operation))
    cards = _lock_cards(specs) if specs else {}
    _check_assets(kind=operation.kind, unit=operation.unit, actor=actor, specs=specs, cards=cards,
                  occurred_on=operation.occurred_on, person=clean.values.get("person"), operation=operation,
                  clean=clean)
    if not operation.unit.is_active:
        clean.add("unit", f"{operation.unit.name}已停用，不能提交。")
    _raise(clean)
    _write_lines(operation, specs, cards)
    operation.save()
    return approval_submit(obj=operation, actor=actor, comment=comment)


# --------------------------------------------------------------------------------------------------
# the approvals engine's hooks
# --------------------------------------------------------------------------------------------------


def _shares(total: Decimal | None, lines: Sequence[AssetOperationLine]) -> list[Decimal | None]:
    """A document-level amount (处置收入, 维修费用) split over the lines by original value, to the cent."""
    if total is None:
        return [None] * len(lines)
    if not lines:
        return []
    base = sum((line.original_value for line in lines), Decimal("0"))
    out: list[Decimal | None] = []
    left = total
    for i, line in enumerate(lines):
        if i == len(lines) - 1:
            out.append(left)
            break
        part = (total * line.original_value / base) if base else total / len(lines)
        part = part.quantize(CENT, rounding=ROUND_HALF_UP)
        out.append(part)
        left -= part
    return out


def effective_date(operation: AssetOperation) -> datetime.date:
    """The day the cards change: the acceptance date for 验收入账, the approval day otherwise."""
    if operation.kind == OperationKind.ACCEPTANCE:
        return operation.occurred_on
    return timezone.localdate()


def _apply(operation: AssetOperation, actor: Any) -> None:
    kind = operation.kind
    rule = TRANSITIONS[kind]
    lines = list(operation.lines.order_by("id"))
    cards = ledger.lock_assets([line.asset_id for line in lines])
    on = effective_date(operation)
    shares = _shares(operation.income if kind == OperationKind.DISPOSAL else operation.cost, lines)
    extra = {"actor": actor, "operation": operation}
    for line, share in zip(lines, shares, strict=True):
        asset = cards[line.asset_id]
        if kind != OperationKind.DISPOSAL:  # a disposal's cards are 待处置 by now: the ledger checks them
            ledger.require_status(asset, rule.allowed, rule.verb)
        if kind == OperationKind.ACCEPTANCE:
            if operation.location:
                asset.location = operation.location
            ledger.book(asset, on=on, message=f"验收入账（{operation.number}）", **extra)
        elif kind == OperationKind.ISSUE:
            if asset.custodian_id is not None:
                raise Conflict(f"资产“{asset.code} {asset.name}”目前由他人使用，请先办理交回。")
            person = operation.person
            asset.custodian, asset.department = person, operation.department or getattr(person, "department", None)
            if operation.location:
                asset.location = operation.location
            ledger.set_status(asset, status=S.IN_USE, on=on, kind=EventKind.ISSUED, person=person,
                              message=f"领用人：{getattr(person, 'name', '')}", **extra)
        elif kind == OperationKind.RETURN:
            previous = asset.custodian
            asset.custodian = None
            if operation.location:
                asset.location = operation.location
            ledger.set_status(asset, status=S.IDLE, on=on, kind=EventKind.RETURNED, person=previous,
                              message=f"交回人：{getattr(previous, 'name', '')}", **extra)
        elif kind == OperationKind.TRANSFER:
            ledger.transfer(asset, to_unit=operation.counterpart_unit, on=on, **extra)
        elif kind == OperationKind.LOAN:
            due = f"，约定归还日期 {operation.due_on:%Y-%m-%d}" if operation.due_on else ""
            ledger.set_status(asset, status=S.LENT, on=on, kind=EventKind.LENT,
                              message=f"出租出借给{operation.counterparty}{due}", **extra)
        elif kind == OperationKind.LOAN_RETURN:
            lent = (AssetEvent.objects.filter(asset=asset, kind=EventKind.LENT).order_by("-occurred_on", "-id")
                    .values_list("status_before", flat=True).first())
            back = lent if lent in (S.IN_USE, S.IDLE) else S.IN_USE
            if operation.location:
                asset.location = operation.location
            ledger.set_status(asset, status=back, on=on, kind=EventKind.LOAN_RETURNED, message="出借收回", **extra)
        elif kind == OperationKind.REPAIR:
            parts = [f"维修单位：{operation.counterparty}"]
            if line.note:
                parts.append(f"维修结果：{line.note}")
            ledger.record_event(asset, EventKind.REPAIRED, on=on, amount=share, status_before=asset.status,
                                status_after=asset.status, message="；".join(parts), **extra)
        elif kind == OperationKind.DISPOSAL:
            party = f"，受让（受赠）方：{operation.counterparty}" if operation.counterparty else ""
            ledger.dispose(asset, on=on, method=operation.disposal_method, income=share,
                           message=f"{operation.get_disposal_method_display()}{party}", **extra)
        elif kind == OperationKind.REVALUATION:
            assert line.new_value is not None
            ledger.change_value(asset, new_value=line.new_value, on=on, message=operation.reason[:200], **extra)


def _actor_of(approval: Any) -> Any:
    task = approval.tasks.exclude(acted_by=None).select_related("acted_by").order_by("-acted_at", "-id").first()
    return task.acted_by if task is not None else None


def _on_approved(operation: AssetOperation, approval: Any) -> None:
    operation = AssetOperation.objects.select_related("unit", "counterpart_unit", "person", "department").get(
        pk=operation.pk)
    _apply(operation, _actor_of(approval))


def _mark_pending(operation: AssetOperation, actor: Any) -> None:
    """A disposal under approval: its cards are 待处置 (each mark is an event of the document)."""
    lines = list(operation.lines.order_by("id"))
    cards = ledger.lock_assets([line.asset_id for line in lines])
    for card in cards.values():
        if card.status != S.PENDING_DISPOSAL:
            ledger.set_status(card, status=S.PENDING_DISPOSAL, on=timezone.localdate(), actor=actor,
                              operation=operation, message=f"提交处置申请（{operation.number}），审批期间为待处置")


def _restore(operation: AssetOperation, actor: Any, why: str) -> None:
    """The status each card had before this document marked it 待处置."""
    lines = list(operation.lines.order_by("id"))
    cards = ledger.lock_assets([line.asset_id for line in lines])
    for card in cards.values():
        if card.status != S.PENDING_DISPOSAL:
            continue
        last = AssetEvent.objects.filter(asset=card, operation=operation).order_by("-id").first()
        if last is None or last.status_after != S.PENDING_DISPOSAL or not last.status_before:
            continue  # not marked by this document (e.g. 待处置 from a stocktake): leave it
        ledger.set_status(card, status=last.status_before, on=timezone.localdate(), actor=actor,
                          operation=operation, message=f"处置申请{why}（{operation.number}），恢复原状态")


def _on_status(operation: AssetOperation, approval: Any) -> None:
    status = approval.status
    pending_status = TRANSITIONS[operation.kind].pending_status
    if pending_status:
        actor = _actor_of(approval) or approval.applicant
        if status == RequestStatus.PENDING and operation.status != OperationStatus.PENDING:
            _mark_pending(operation, approval.applicant)
        elif status in (RequestStatus.RETURNED, RequestStatus.WITHDRAWN, RequestStatus.REJECTED):
            why = {RequestStatus.RETURNED: "被退回", RequestStatus.WITHDRAWN: "已撤回",
                   RequestStatus.REJECTED: "被驳回"}[status]
            _restore(operation, approval.applicant if status == RequestStatus.WITHDRAWN else actor, why)
    if status == RequestStatus.APPROVED:
        operation.status = OperationStatus.DONE
        operation.done_on = timezone.localdate()
    else:
        operation.status = status
    operation.approval_number = approval.number
    operation.save(update_fields=["status", "done_on", "approval_number", "updated_at"])


def describe(operation: AssetOperation) -> str:
    first = operation.lines.select_related("asset").order_by("id").first()
    what = first.asset.name if first else "资产"
    count = f"等 {operation.line_count} 项" if operation.line_count > 1 else ""
    unit = operation.unit.short_name or operation.unit.name
    text = f"{unit}资产{operation.get_kind_display()}：{what}{count}"
    if operation.kind == OperationKind.TRANSFER and operation.counterpart_unit is not None:
        text += f"，调入{operation.counterpart_unit.short_name or operation.counterpart_unit.name}"
    if operation.kind == OperationKind.DISPOSAL and operation.disposal_method:
        text += f"（{operation.get_disposal_method_display()}）"
    return text


def _yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f} 元"


def details(operation: AssetOperation) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("业务单号", operation.number), ("业务类型", operation.get_kind_display()),
        ("申请单位", operation.unit.name), ("业务日期", f"{operation.occurred_on:%Y-%m-%d}"),
    ]
    if operation.counterpart_unit is not None:
        rows.append(("调入单位", operation.counterpart_unit.name))
    if operation.person is not None:
        rows.append(("领用人", operation.person.name))
    if operation.counterparty:
        labels: dict[str, str] = {OperationKind.REPAIR: "维修单位", OperationKind.LOAN: "承租（借用）方"}
        label = labels.get(operation.kind, "受让（受赠）方")
        rows.append((label, operation.counterparty))
    if operation.disposal_method:
        rows.append(("处置方式", operation.get_disposal_method_display()))
    if operation.income is not None:
        rows.append(("处置收入", _yuan(operation.income)))
    if operation.cost is not None:
        rows.append(("维修费用", _yuan(operation.cost)))
    if operation.due_on is not None:
        rows.append(("约定归还日期", f"{operation.due_on:%Y-%m-%d}"))
    lines = list(operation.lines.select_related("asset").order_by("id")[:11])
    shown = "；".join(
        f"{line.asset.code} {line.asset.name}（原值 {line.original_value:,.2f}"
        + (f" → {line.new_value:,.2f}" if line.new_value is not None else "") + "）" for line in lines[:10])
    if operation.line_count > 10:
        shown += f" 等共 {operation.line_count} 项"
    rows += [("资产", shown), ("资产原值合计", _yuan(operation.total_value)), ("事由", operation.reason)]
    return rows


def register() -> None:
    register_approvable(
        AssetOperation,
        amount=lambda o: o.total_value,
        amount_label="涉及资产原值合计（元）",
        variants=OperationKind.choices,
        variant=lambda o: o.kind,
        counterpart_unit=lambda o: o.counterpart_unit if o.kind == OperationKind.TRANSFER else None,
        on_approved=_on_approved,
        on_status=_on_status,
        describe=describe,
        details=details,
        submit=lambda *, obj, actor, comment="": operation_submit(operation=obj, actor=actor, comment=comment),
        submit_action="add",
    )


__all__ = ["OPEN_STATUSES", "TRANSITIONS", "actor_reaches", "describe", "details", "effective_date",
           "is_staff_actor", "operation_create", "operation_delete", "operation_set_lines", "operation_submit",
           "operation_update", "register"]
