"""Writing the demo city's asset ledgers (:mod:`qinjian.demo.asset_plan`) into the database; wiping them again.

Cards are booked with :func:`qinjian.assets.services.bulk.bulk_book_new` (the bulk twin of
``ledger.book``). What happened to them afterwards (闲置, 出租出借, 待处置, 处置, 调拨, 价值变动) is
written here in bulk with exactly the rows the ledger primitives write one card at a time (card
fields, the 履历 event, the journal lines; the tests compare the two), and change-logged in bulk.
Opening depreciation comes from the depreciation service (backfill, then last month's run).
Runs once: when the demo units already hold cards, nothing is written.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from qinjian.assets.choices import AssetStatus, EventKind, MovementKind
from qinjian.assets.depreciation import accumulated_through_month, depreciates, month_index, policy_for
from qinjian.assets.models import (
    Asset,
    AssetBalance,
    AssetEvent,
    AssetMovement,
    AssetOperation,
    AssetOperationLine,
    BalanceMonth,
    DepreciationRun,
    DepreciationRunLine,
    StocktakeCampaign,
    StocktakeItem,
    StocktakeScan,
)
from qinjian.core.audit import Change, bulk_log_changes, bulk_log_created, snapshot
from qinjian.core.models import ObjectChange
from qinjian.core.numbering import next_numbers
from qinjian.org.models import Department, Person, Unit
from qinjian.standards.models import AssetClass

from .asset_plan import (
    AS_OF,
    DISPOSE,
    IDLE,
    LENT,
    PENDING,
    REVALUE,
    TRANSFER,
    CardPlan,
    Step,
    build_asset_plan,
)
from .plan import CityPlan

BATCH = 1000
CARD_PREFIX = "ZC"
HISTORY_FIELDS = ("unit", "department", "custodian", "status", "status_since", "disposed_on", "disposal_method",
                  "original_value", "value_fiscal", "value_nonfiscal", "accumulated_depreciation",
                  "depreciated_through", "updated_at")


def demo_as_of() -> datetime.date:
    return min(AS_OF, timezone.localdate())


def _first_of_previous_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@transaction.atomic
def build_demo_assets(plan: CityPlan, *, progress: Callable[[str], None] = lambda _msg: None) -> int:
    """Create the demo ledgers unless the demo units already hold cards; returns the cards created."""
    unit_codes = [u.code for u in plan.units]
    if Asset.objects.filter(unit__code__in=unit_codes).exists():
        return 0
    as_of = demo_as_of()
    cards_plan = build_asset_plan(plan, as_of=as_of)
    if not cards_plan:
        return 0
    units = {u.code: u for u in Unit.objects.filter(code__in=unit_codes)}
    depts = {(d.unit_id, d.code): d.pk for d in Department.objects.filter(unit__in=list(units.values()))}
    person_codes = sorted({c.custodian for c in cards_plan if c.custodian})
    people: dict[str, int] = {}
    for start in range(0, len(person_codes), BATCH):
        people.update(Person.objects.filter(code__in=person_codes[start:start + BATCH]).values_list("code", "pk"))
    classes = {c.code: c for c in AssetClass.objects.filter(code__in={c.class_code for c in cards_plan})}
    missing = {c.class_code for c in cards_plan} - set(classes)
    if missing:
        raise ValueError(f"asset classes missing from the standards: {sorted(missing)}")

    # Codes: ZC-<booking year>-nnnnnn, in booking order within each year.
    order = sorted(range(len(cards_plan)), key=lambda i: (cards_plan[i].booked_on, i))
    by_year: dict[int, list[int]] = defaultdict(list)
    for i in order:
        by_year[cards_plan[i].booked_on.year].append(i)
    codes: dict[int, str] = {}
    for year in sorted(by_year):
        for i, code in zip(by_year[year], next_numbers(CARD_PREFIX, len(by_year[year]), year=year), strict=True):
            codes[i] = code

    cards = [_card(row, codes[i], units, depts, people, classes) for i, row in enumerate(cards_plan)]
    # The policy in force on the demo date for every class (one look-up per class, not per booking date).
    policies = {code: policy_for(code, as_of) for code in classes}
    for card in cards:
        card.depreciation_method, card.useful_life_months = policies[card.class_code]
    from qinjian.assets.services.bulk import bulk_book_new

    bulk_book_new(cards, actor=None, message="验收入账")  # one call: its policy look-ups are shared by every card
    progress(f"资产卡片 {len(cards)} 张")
    _apply_history(cards, cards_plan, units, as_of)
    _depreciation(as_of, [c.pk for c in cards])
    from qinjian.assets.services.balances import balances_build_recent

    balances_build_recent(13)  # last year-end and the months since are stored (fast as-of summaries)
    return len(cards)


def _card(row: CardPlan, code: str, units: dict[str, Unit], depts: dict[tuple[int, str], int],
          people: dict[str, int], classes: dict[str, AssetClass]) -> Asset:
    unit = units[row.unit]
    return Asset(
        code=code, name=row.name, kind=row.kind, asset_class=classes[row.class_code], class_code=row.class_code,
        spec_model=row.spec_model, brand=row.brand, quantity=row.quantity, measure_unit=row.measure_unit,
        original_value=row.value, value_fiscal=row.fiscal, value_nonfiscal=row.value - row.fiscal,
        acquisition_method=row.acquisition_method, acquired_on=row.acquired_on, booked_on=row.booked_on,
        supplier=row.supplier, warranty_until=row.warranty_until, purchase_project=row.purchase_project,
        invoice_no=row.invoice_no, voucher_no=row.voucher_no, unit=unit,
        department_id=depts.get((unit.pk, row.department)) if row.department else None,
        custodian_id=people.get(row.custodian) if row.custodian else None, location=row.location)


# --- after booking: the ledger primitives' rows, in bulk ----------------------------------------------

class _Writer:
    """Collects what ``ledger.set_status``/``dispose``/``transfer``/``change_value`` would write."""

    def __init__(self) -> None:
        self.events: list[AssetEvent] = []
        self.movements: list[tuple[AssetMovement, AssetEvent]] = []
        self.now = timezone.now()

    def event(self, asset: Asset, kind: str, *, on: datetime.date, unit: Unit | None = None, **fields: Any) -> AssetEvent:
        fields["message"] = fields.get("message", "")[:500]
        event = AssetEvent(asset=asset, kind=kind, occurred_on=on, unit=unit or asset.unit, created_at=self.now,
                           updated_at=self.now, **fields)
        self.events.append(event)
        return event

    def movement(self, asset: Asset, kind: str, *, on: datetime.date, unit: Unit, sign: int, event: AssetEvent,
                 quantity: int | None = None, value: Decimal | None = None, fiscal: Decimal | None = None,
                 nonfiscal: Decimal | None = None) -> None:
        self.movements.append((AssetMovement(
            asset=asset, unit=unit, class_code=asset.class_code, occurred_on=on, kind=kind,
            quantity=sign * (asset.quantity if quantity is None else quantity),
            value=sign * (asset.original_value if value is None else value),
            value_fiscal=sign * (asset.value_fiscal if fiscal is None else fiscal),
            value_nonfiscal=sign * (asset.value_nonfiscal if nonfiscal is None else nonfiscal)), event))

    # The primitives, step by step (see qinjian/assets/services/ledger.py).
    def set_status(self, asset: Asset, *, status: str, on: datetime.date, kind: str = EventKind.STATUS_CHANGED,
                   message: str = "") -> None:
        before = asset.status
        asset.status, asset.status_since = status, on
        self.event(asset, kind, on=on, status_before=before, status_after=status, message=message)

    def dispose(self, asset: Asset, *, on: datetime.date, method: str, income: Decimal | None, message: str) -> None:
        before = asset.status
        asset.status, asset.status_since, asset.disposed_on, asset.disposal_method = \
            AssetStatus.DISPOSED, on, on, method
        event = self.event(asset, EventKind.DISPOSED, on=on, status_before=before, status_after=AssetStatus.DISPOSED,
                           value_before=asset.original_value, amount=income, message=message)
        self.movement(asset, MovementKind.DISPOSAL, on=on, unit=asset.unit, sign=-1, event=event)

    def transfer(self, asset: Asset, *, to_unit: Unit, on: datetime.date, message: str) -> None:
        from_unit = asset.unit
        out = self.event(asset, EventKind.TRANSFER_OUT, on=on, unit=from_unit, from_unit=from_unit, to_unit=to_unit,
                         status_before=asset.status, status_after=AssetStatus.IN_USE,
                         value_before=asset.original_value, value_after=asset.original_value,
                         message=message or f"调出至{to_unit.name}")
        self.movement(asset, MovementKind.TRANSFER_OUT, on=on, unit=from_unit, sign=-1, event=out)
        asset.unit, asset.department, asset.custodian = to_unit, None, None
        asset.status, asset.status_since = AssetStatus.IN_USE, on
        into = self.event(asset, EventKind.TRANSFER_IN, on=on, unit=to_unit, from_unit=from_unit, to_unit=to_unit,
                          status_after=AssetStatus.IN_USE, value_after=asset.original_value,
                          message=message or f"由{from_unit.name}调入")
        self.movement(asset, MovementKind.TRANSFER_IN, on=on, unit=to_unit, sign=1, event=into)

    def change_value(self, asset: Asset, *, new_value: Decimal, on: datetime.date, message: str) -> None:
        new_value = new_value.quantize(Decimal("0.01"))
        delta = new_value - asset.original_value
        new_fiscal = max(Decimal("0"), asset.value_fiscal + delta) if delta < 0 else asset.value_fiscal + delta
        new_fiscal = min(new_fiscal, new_value)
        d_fiscal = new_fiscal - asset.value_fiscal
        d_nonfiscal = (new_value - new_fiscal) - asset.value_nonfiscal
        before = asset.original_value
        asset.original_value, asset.value_fiscal, asset.value_nonfiscal = new_value, new_fiscal, new_value - new_fiscal
        event = self.event(asset, EventKind.VALUE_CHANGED, on=on, value_before=before, value_after=new_value,
                           message=message)
        kind = MovementKind.VALUE_UP if delta > 0 else MovementKind.VALUE_DOWN
        self.movement(asset, kind, on=on, unit=asset.unit, sign=1, event=event, quantity=0, value=delta,
                      fiscal=d_fiscal, nonfiscal=d_nonfiscal)

    def apply(self, asset: Asset, step: Step, units: dict[str, Unit]) -> None:
        if step.kind == IDLE:
            self.set_status(asset, status=AssetStatus.IDLE, on=step.on, message=step.message)
        elif step.kind == PENDING:
            self.set_status(asset, status=AssetStatus.PENDING_DISPOSAL, on=step.on, message=step.message)
        elif step.kind == LENT:
            self.set_status(asset, status=AssetStatus.LENT, on=step.on, kind=EventKind.LENT, message=step.message)
        elif step.kind == DISPOSE:
            self.dispose(asset, on=step.on, method=step.method, income=step.amount, message=step.message)
        elif step.kind == TRANSFER:
            self.transfer(asset, to_unit=units[step.to_unit], on=step.on, message=step.message)
        elif step.kind == REVALUE:
            assert step.amount is not None
            self.change_value(asset, new_value=step.amount, on=step.on, message=step.message)
        else:  # pragma: no cover - a plan with an unknown step is a programming error
            raise ValueError(step.kind)

    def save(self) -> None:
        """Events with reserved ids, then their journal lines, with the driver's fast path; change-logged."""
        from qinjian.core.bulk_insert import allocate_ids, insert_rows

        for event, pk in zip(self.events, allocate_ids(AssetEvent, len(self.events)), strict=True):
            event.pk = event.id = pk
        columns = [f.attname for f in AssetEvent._meta.concrete_fields]
        insert_rows(AssetEvent, columns, ([getattr(e, c) for c in columns] for e in self.events))
        columns = [f.attname for f in AssetMovement._meta.concrete_fields if not f.primary_key]
        for movement, event in self.movements:
            movement.event_id, movement.created_at = event.pk, self.now
        insert_rows(AssetMovement, columns, ([getattr(m, c) for c in columns] for m, _e in self.movements))
        for event in self.events:
            event._state.adding = False
        bulk_log_created(self.events)


def _apply_history(cards: Sequence[Asset], plan: Sequence[CardPlan], units: dict[str, Unit],
                   as_of: datetime.date) -> None:
    writer = _Writer()
    changed: list[Asset] = []
    changes: list[Change] = []
    last_month = _first_of_previous_month(as_of)
    moved = [Asset._meta.get_field(name).attname for name in HISTORY_FIELDS]  # type: ignore[union-attr]
    for card, row in zip(cards, plan, strict=True):
        if not row.history:
            continue
        before = snapshot(card)
        for step in sorted(row.history, key=lambda s: s.on):
            writer.apply(card, step, units)
        if card.disposed_on is not None and depreciates(card):
            # Depreciated until the month before disposal (当月减少当月不计提); the run never touches it again.
            card.accumulated_depreciation = accumulated_through_month(card, last_month)
            through = min(month_index(last_month), month_index(card.disposed_on) - 1)
            if through >= month_index(card.depreciation_start):  # type: ignore[arg-type]
                card.depreciated_through = datetime.date(through // 12, through % 12 + 1, 1)
        card.updated_at = writer.now
        changed.append(card)
        # Only the history fields moved: the rest of the snapshot is the one taken before.
        after = {**before, **snapshot(card, {name: getattr(card, name) for name in moved})}
        changes.append(Change(card, ObjectChange.Action.UPDATE, before=before, after=after))
    _update_cards(changed, HISTORY_FIELDS)
    bulk_log_changes(changes)
    writer.save()


def _update_cards(cards: Sequence[Asset], names: Sequence[str]) -> None:
    """One UPDATE statement per card, sent with executemany (``bulk_update``'s CASE expressions are slow)."""
    fields = [Asset._meta.get_field(name) for name in names]
    columns = ", ".join(f'"{f.column}" = %s' for f in fields)  # type: ignore[union-attr]
    sql = f'UPDATE "{Asset._meta.db_table}" SET {columns} WHERE "id" = %s'  # noqa: S608 - names from _meta
    rows = [[f.get_db_prep_save(getattr(card, f.attname), connection) for f in fields] + [card.pk]  # type: ignore[union-attr]
            for card in cards]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start:start + BATCH])


def _depreciation(as_of: datetime.date, ids: list[int]) -> None:
    """Opening accumulated depreciation through the month before last, then last month's regular run."""
    from qinjian.assets.services.depreciation import depreciation_backfill, depreciation_run

    run_month = _first_of_previous_month(as_of)
    cards = Asset.objects.filter(pk__gte=min(ids), pk__lte=max(ids))
    if DepreciationRun.objects.filter(month__gte=run_month).exists():
        depreciation_backfill(through=run_month, queryset=cards)
        return
    depreciation_backfill(through=_first_of_previous_month(run_month), queryset=cards)
    if not DepreciationRun.objects.exists():
        depreciation_run(month=run_month, actor=None)
    else:
        depreciation_backfill(through=run_month, queryset=cards)


# --- reset -------------------------------------------------------------------------------------------

def _raw_delete(model: type[Any], ids: Sequence[int], column: str = "id") -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" IN ({marks})', chunk)  # noqa: S608


def _logged_delete(model: type[Any], ids: Sequence[int]) -> None:
    """Delete many rows quickly, with the same change records the delete signal would have written."""
    for start in range(0, len(ids), BATCH):
        objs = list(model._default_manager.filter(pk__in=ids[start:start + BATCH]))
        bulk_log_changes(Change(o, ObjectChange.Action.DELETE, before=snapshot(o)) for o in objs)
    _raw_delete(model, ids)


def reset_demo_assets(unit_ids: Sequence[int]) -> dict[str, int]:
    """Delete the cards, their history and journal, documents and stocktakes of the given units."""
    unit_ids = list(unit_ids)
    asset_ids = list(Asset.objects.filter(unit_id__in=unit_ids).values_list("pk", flat=True))
    if not asset_ids and not AssetOperation.objects.filter(unit_id__in=unit_ids).exists():
        return {}
    campaigns = list(StocktakeCampaign.objects.filter(unit_id__in=unit_ids).values_list("pk", flat=True))
    scans = list(StocktakeScan.objects.filter(campaign_id__in=campaigns).values_list("pk", flat=True))
    _raw_delete(StocktakeScan, scans)
    items = list(StocktakeItem.objects.filter(campaign_id__in=campaigns).values_list("pk", flat=True)) + \
        list(StocktakeItem.objects.filter(asset_id__in=asset_ids).values_list("pk", flat=True))
    _logged_delete(StocktakeItem, sorted(set(items)))
    for campaign in StocktakeCampaign.objects.filter(pk__in=campaigns):
        campaign.delete()
    operations = sorted(set(AssetOperation.objects.filter(unit_id__in=unit_ids).values_list("pk", flat=True)) |
                        set(AssetOperationLine.objects.filter(asset_id__in=asset_ids)
                            .values_list("operation_id", flat=True)))
    _raw_delete(AssetOperationLine, operations, column="operation_id")
    event_ids = list(AssetEvent.objects.filter(asset_id__in=asset_ids).values_list("pk", flat=True))
    event_ids += list(AssetEvent.objects.filter(operation_id__in=operations).exclude(pk__in=event_ids)
                      .values_list("pk", flat=True))
    _raw_delete(AssetMovement, asset_ids, column="asset_id")
    _logged_delete(AssetEvent, event_ids)
    _logged_delete(AssetOperation, operations)
    _raw_delete(AssetBalance, unit_ids, column="unit_id")
    BalanceMonth.objects.update(is_valid=False)  # the remaining month-ends no longer add up
    lines = DepreciationRunLine.objects.filter(unit_id__in=unit_ids)
    runs = set(lines.values_list("run_id", flat=True))
    lines.delete()
    for run in DepreciationRun.objects.filter(pk__in=runs):
        if not run.lines.exists():
            run.delete()
    _logged_delete(Asset, asset_ids)
    return {"assets": len(asset_ids), "asset_operations": len(operations), "stocktakes": len(campaigns)}
