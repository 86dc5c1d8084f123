"""Reads of the asset ledger: the ledger as of any date, its summary by unit and class, the increases and
decreases of a period. Everything is scoped: the reports need ``assets.report_asset``, and a user sees the
units of their data scope (center leadership and the asset department every unit, a unit its own).

How "as of a date" is worked out:

* the holdings of a unit (quantity and original value, by class and funding source) are the sum of the
  journal (``AssetMovement``) up to and including that date — one grouped query;
* a card was on the books that day when it had been booked by then and not yet disposed of; its unit that
  day is the unit it was transferred *out of* by the first transfer after the date (transfers after the
  date undone), else its unit now; its value that day is today's value less the value changes after it;
  its status that day is the status after its last event up to that date;
* accumulated depreciation follows the rules in ``qinjian.assets.depreciation`` (months ended by then).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Substr

from qinjian.core.scope import scope_q
from qinjian.org.models import Unit
from qinjian.standards.models import AssetClass

from .choices import DECREASE_MOVEMENTS, INCREASE_MOVEMENTS, AssetStatus, EventKind, MovementKind
from .depreciation import accumulated_cents_expression, last_closed_month, month_index
from .models import Asset, AssetBalance, AssetEvent, AssetMovement, BalanceMonth

ZERO = Decimal("0.00")
MONEY: Any = DecimalField(max_digits=16, decimal_places=2)
FUNDING_CHOICES = (("fiscal", "财政拨款"), ("nonfiscal", "非财政拨款"))
VALUE_KINDS = (MovementKind.VALUE_UP, MovementKind.VALUE_DOWN)
REPORT_PERMISSION = "assets.report_asset"
MOVED_LIST_MAX = 5000  # cards transferred out after the day, passed as a list up to this many


# ----------------------------------------------------------------------------------------------- scope

def can_report(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.has_perm(REPORT_PERMISSION))


def report_units(user: Any) -> QuerySet[Unit] | None:
    """The units whose ledgers the user may read: ``None`` means every unit; an empty queryset none."""
    if not can_report(user):
        return Unit.objects.none()
    q = scope_q(Unit, user)
    if q is None:
        return Unit.objects.none()
    if not q:  # scope 全部数据
        return None
    return Unit.objects.filter(q)


def unit_choices(user: Any) -> QuerySet[Unit]:
    units = report_units(user)
    return (Unit.objects.all() if units is None else units).only("id", "name", "depth", "tree_path").order_by(
        "tree_path")


def _unit_ids(user: Any, unit: Unit | None, *, subtree: bool = False) -> list[int] | None:
    """Unit ids to report on (the scope, narrowed to ``unit`` — with its subunits when ``subtree``)."""
    allowed = report_units(user)
    if unit is None:
        return None if allowed is None else list(allowed.values_list("pk", flat=True))
    wanted = Unit.objects.filter(tree_path__startswith=unit.tree_path) if subtree else Unit.objects.filter(pk=unit.pk)
    if allowed is not None:
        wanted = wanted.filter(pk__in=allowed.values("pk"))
    return list(wanted.values_list("pk", flat=True))


# -------------------------------------------------------------------------------------- the card ledger

@dataclass
class LedgerFilter:
    day: datetime.date
    unit: Unit | None = None
    subtree: bool = False
    class_prefix: str = ""
    status: str = ""
    funding: str = ""
    q: str = ""


def _transfers_after(day: datetime.date) -> QuerySet[AssetEvent]:
    return AssetEvent.objects.filter(kind=EventKind.TRANSFER_OUT, occurred_on__gt=day)


def ledger_cards(user: Any, flt: LedgerFilter) -> QuerySet[Asset]:
    """The cards on the books at the end of ``flt.day`` in the user's scope, as they stood that day.

    Annotated: ``unit_at`` (unit id that day), ``value_at`` / ``fiscal_at`` / ``nonfiscal_at`` (original
    value that day), ``status_at`` and ``acc_cents`` (accumulated depreciation in cents)."""
    day = flt.day
    unit_ids = _unit_ids(user, flt.unit, subtree=flt.subtree)
    qs = (Asset.objects.exclude(status=AssetStatus.DRAFT).filter(booked_on__lte=day)
          .filter(Q(disposed_on__isnull=True) | Q(disposed_on__gt=day)))
    later = _transfers_after(day)
    any_transfer_later = later.exists()
    if any_transfer_later:
        first_from = (later.filter(asset=OuterRef("pk")).order_by("occurred_on", "id").values("from_unit")[:1])
        qs = qs.annotate(unit_at=Coalesce(Subquery(first_from), F("unit_id"), output_field=IntegerField()))
    else:
        qs = qs.annotate(unit_at=F("unit_id"))
    if unit_ids is not None:
        if any_transfer_later:
            moved: Any = later.filter(from_unit_id__in=unit_ids).values("asset_id")
            moved_ids = list(moved.order_by().distinct()[:MOVED_LIST_MAX + 1])
            if len(moved_ids) <= MOVED_LIST_MAX:  # a list lets PostgreSQL OR two index scans
                moved = [r["asset_id"] for r in moved_ids]
            qs = qs.filter(Q(unit_id__in=unit_ids) | Q(pk__in=moved)).filter(unit_at__in=unit_ids)
        else:
            qs = qs.filter(unit_id__in=unit_ids)
    if flt.class_prefix:
        qs = qs.filter(class_code__startswith=flt.class_prefix)
    if flt.q:
        qs = qs.filter(Q(code__icontains=flt.q) | Q(name__icontains=flt.q))
    if flt.funding == "fiscal":
        qs = qs.filter(value_fiscal__gt=0)
    elif flt.funding == "nonfiscal":
        qs = qs.filter(value_nonfiscal__gt=0)
    value_changes = AssetMovement.objects.filter(kind__in=VALUE_KINDS, occurred_on__gt=day, asset=OuterRef("pk"))
    if AssetMovement.objects.filter(kind__in=VALUE_KINDS, occurred_on__gt=day).exists():
        def later_sum(col: str) -> Any:
            return Coalesce(Subquery(value_changes.order_by().values("asset").annotate(s=Sum(col)).values("s")[:1],
                                     output_field=MONEY), Value(ZERO), output_field=MONEY)
        qs = qs.annotate(value_at=F("original_value") - later_sum("value"),
                         fiscal_at=F("value_fiscal") - later_sum("value_fiscal"),
                         nonfiscal_at=F("value_nonfiscal") - later_sum("value_nonfiscal"))
    else:
        qs = qs.annotate(value_at=F("original_value"), fiscal_at=F("value_fiscal"), nonfiscal_at=F("value_nonfiscal"))
    if AssetEvent.objects.filter(occurred_on__gt=day).exclude(status_after="").exists():
        last_status = (AssetEvent.objects.filter(asset=OuterRef("pk"), occurred_on__lte=day).exclude(status_after="")
                       .order_by("-occurred_on", "-id").values("status_after")[:1])
        qs = qs.annotate(status_at=Coalesce(Subquery(last_status), F("status"), output_field=CharField()))
    else:
        qs = qs.annotate(status_at=F("status"))
    if flt.status:
        qs = qs.filter(status_at=flt.status)
    return qs.annotate(acc_cents=accumulated_cents_expression(last_closed_month(day)))


def decorate_cards(rows: Iterable[Asset]) -> list[Asset]:
    """Attach the unit (as that day) and money in 元 to a page of ``ledger_cards`` rows."""
    rows = list(rows)
    units = Unit.objects.in_bulk({r.unit_at for r in rows})  # type: ignore[attr-defined]
    for r in rows:
        r.unit_then = units.get(r.unit_at)  # type: ignore[attr-defined]
        r.acc_at = Decimal(int(r.acc_cents or 0)) / 100  # type: ignore[attr-defined]
        r.net_at = Decimal(r.value_at) - r.acc_at  # type: ignore[attr-defined]
        r.status_label = AssetStatus(r.status_at).label if r.status_at in AssetStatus.values else r.status_at  # type: ignore[attr-defined]
    return rows


# --------------------------------------------------------------------------------------------- summaries

@dataclass
class Figures:
    quantity: int = 0
    value: Decimal = ZERO
    fiscal: Decimal = ZERO
    nonfiscal: Decimal = ZERO
    depreciation: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.value - self.depreciation

    def add(self, other: Figures, sign: int = 1) -> None:
        self.quantity += sign * other.quantity
        self.value += sign * other.value
        self.fiscal += sign * other.fiscal
        self.nonfiscal += sign * other.nonfiscal
        self.depreciation += sign * other.depreciation


@dataclass
class SummaryRow:
    unit_id: int | None
    code: str  # class code prefix (level 1: A02, level 2: A0201); "" for a total
    name: str
    level: int
    figures: Figures = field(default_factory=Figures)
    unit_name: str = ""


def class_names() -> dict[str, str]:
    """Level-1 and level-2 class names by code prefix (A02 / A0201)."""
    out = {}
    for code, name, level in AssetClass.objects.filter(level__lte=2).values_list("code", "name", "level"):
        out[code[: 1 + 2 * level]] = name
    return out


def _journal(unit_ids: list[int] | None, day: datetime.date, *, after: datetime.date | None = None,
             full_class: bool = False) -> dict[tuple[int, str], Figures]:
    """Journal sums of the lines dated up to ``day`` (and after ``after``) by (unit, level-2 class prefix —
    or the whole class code when ``full_class``)."""
    qs = AssetMovement.objects.filter(occurred_on__lte=day)
    if after is not None:
        qs = qs.filter(occurred_on__gt=after)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    cls: Any = F("class_code") if full_class else Substr("class_code", 1, 5)
    rows = (qs.order_by().annotate(cls=cls).values("unit_id", "cls")
            .annotate(q=Sum("quantity"), v=Sum("value"), f=Sum("value_fiscal"), n=Sum("value_nonfiscal")))
    out: dict[tuple[int, str], Figures] = {}
    for r in rows:
        out[(r["unit_id"], r["cls"])] = Figures(int(r["q"] or 0), Decimal(r["v"] or 0), Decimal(r["f"] or 0),
                                                Decimal(r["n"] or 0))
    return out


def card_depreciation(unit_ids: list[int] | None, day: datetime.date, *, only: Any = None,
                      full_class: bool = False) -> dict[tuple[int, str], Decimal]:
    """Accumulated depreciation as of ``day`` of the cards on the books that day, by (unit that day,
    level-2 class prefix — or the whole class code when ``full_class``), from the cards themselves.

    ``only`` (a queryset of asset ids) narrows it to those cards."""
    on_books = (Asset.objects.exclude(status=AssetStatus.DRAFT).filter(booked_on__lte=day)
                .filter(Q(disposed_on__isnull=True) | Q(disposed_on__gt=day)))
    if only is not None:
        on_books = on_books.filter(pk__in=only)
    expr = accumulated_cents_expression(last_closed_month(day))
    cls: Any = F("class_code") if full_class else Substr("class_code", 1, 5)

    def key(code: str) -> str:
        return code if full_class else code[:5]

    base = on_books if unit_ids is None else on_books.filter(unit_id__in=unit_ids)
    out: dict[tuple[int, str], Decimal] = {}
    for r in base.order_by().annotate(cls=cls).values("unit_id", "cls").annotate(c=Sum(expr)):
        out[(r["unit_id"], r["cls"])] = Decimal(int(r["c"] or 0)) / 100
    # cards transferred after the day: move their depreciation back to the unit that held them then
    later = _transfers_after(day)
    if only is not None:
        later = later.filter(asset_id__in=only)
    if not later.exists():
        return out
    moved = later.values("asset_id")
    if unit_ids is not None:
        moved_cards = on_books.filter(Q(pk__in=later.filter(from_unit_id__in=unit_ids).values("asset_id"))
                                      | Q(unit_id__in=unit_ids, pk__in=moved))
    else:
        moved_cards = on_books.filter(pk__in=moved)
    first: dict[int, int] = {}
    for asset_id, from_unit in (later.filter(asset_id__in=moved_cards.values("pk"))
                                .order_by("asset_id", "occurred_on", "id").values_list("asset_id", "from_unit_id")
                                .iterator(chunk_size=5000)):
        first.setdefault(asset_id, from_unit)
    for pk, unit_id, code, cents in (moved_cards.order_by().annotate(c=expr)
                                     .values_list("pk", "unit_id", "class_code", "c").iterator(chunk_size=5000)):
        then = first.get(pk, unit_id)
        if then == unit_id:
            continue
        amount = Decimal(int(cents or 0)) / 100
        if unit_ids is None or unit_id in unit_ids:
            out[(unit_id, key(code))] = out.get((unit_id, key(code)), ZERO) - amount
        if unit_ids is None or then in unit_ids:
            out[(then, key(code))] = out.get((then, key(code)), ZERO) + amount
    return out


def balance_base(day: datetime.date) -> datetime.date | None:
    """The latest month-end on or before ``day`` whose stored balances are valid (None when there is none)."""
    return (BalanceMonth.objects.filter(is_valid=True, month_end__lte=day).order_by("-month_end")
            .values_list("month_end", flat=True).first())


def _stored_balances(unit_ids: list[int] | None, month_end: datetime.date
                     ) -> tuple[dict[tuple[int, str], Figures], dict[tuple[int, str], Decimal]]:
    """(holdings, accumulated depreciation) stored for a month-end, by (unit, level-2 class prefix)."""
    qs = AssetBalance.objects.filter(month_end=month_end)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    holdings: dict[tuple[int, str], Figures] = {}
    depreciation: dict[tuple[int, str], Decimal] = {}
    for r in (qs.order_by().annotate(cls=Substr("class_code", 1, 5)).values("unit_id", "cls")
              .annotate(q=Sum("quantity"), v=Sum("value"), f=Sum("value_fiscal"), n=Sum("value_nonfiscal"),
                        d=Sum("accumulated_depreciation"))):
        key = (r["unit_id"], r["cls"])
        holdings[key] = Figures(int(r["q"] or 0), Decimal(r["v"] or 0), Decimal(r["f"] or 0), Decimal(r["n"] or 0))
        depreciation[key] = Decimal(r["d"] or 0)
    return holdings, depreciation


def _add(target: dict[Any, Any], source: dict[Any, Any], sign: int = 1,
         unit_ids: list[int] | None = None) -> None:
    wanted = None if unit_ids is None else set(unit_ids)
    for key, amount in source.items():
        if wanted is not None and key[0] not in wanted:
            continue
        if isinstance(amount, Figures):
            target.setdefault(key, Figures()).add(amount, sign)
        else:
            target[key] = target.get(key, ZERO) + sign * amount


def _touched_correction(base: datetime.date, day: datetime.date) -> dict[tuple[int, str], Decimal]:
    """Depreciation as of ``day`` less that as of the month-end ``base`` before it, by (unit, level-2 class),
    when no month ended in between: each card's accumulated depreciation is the same on both dates, so only
    the cards with journal lines in between (booked, transferred, disposed of) count — added where they
    stood on ``day``, taken away where they stood on ``base``."""
    touched = AssetMovement.objects.filter(occurred_on__gt=base, occurred_on__lte=day).values("asset_id")
    rows = list(Asset.objects.exclude(status=AssetStatus.DRAFT).filter(pk__in=touched, booked_on__lte=day)
                .filter(Q(disposed_on__isnull=True) | Q(disposed_on__gt=base))
                .order_by().annotate(c=accumulated_cents_expression(last_closed_month(day)))
                .values_list("pk", "unit_id", "class_code", "booked_on", "disposed_on", "c"))
    if not rows:
        return {}
    transfers: dict[int, list[tuple[datetime.date, int]]] = {}
    for asset_id, on, from_unit in (_transfers_after(base).filter(asset_id__in=touched)
                                    .order_by("asset_id", "occurred_on", "id")
                                    .values_list("asset_id", "occurred_on", "from_unit_id")):
        transfers.setdefault(asset_id, []).append((on, from_unit))

    def unit_on(pk: int, unit_id: int, when: datetime.date) -> int:
        return next((from_unit for on, from_unit in transfers.get(pk, ()) if on > when), unit_id)

    out: dict[tuple[int, str], Decimal] = {}
    for pk, unit_id, code, booked_on, disposed_on, cents in rows:
        if not cents:
            continue
        amount = Decimal(int(cents)) / 100
        for when, sign in ((day, 1), (base, -1)):
            if booked_on <= when and (disposed_on is None or disposed_on > when):
                key = (unit_on(pk, unit_id, when), code[:5])
                out[key] = out.get(key, ZERO) + sign * amount
    return out


def holdings_as_of(unit_ids: list[int] | None, day: datetime.date, *, use_balances: bool = True
                   ) -> dict[tuple[int, str], Figures]:
    """Holdings with accumulated depreciation as of ``day`` by (unit, level-2 class prefix).

    With stored month-end balances: the latest valid month-end on or before the day plus the journal
    lines after it. Depreciation counts only months that have ended, so when no month ended between
    that month-end and the day, it is the stored figure corrected for the few cards whose journal has
    lines in between (booked, transferred, disposed of); otherwise it is worked out from the cards.
    Without a valid month-end everything comes from the journal and the cards. Both ways give the
    same figures to the cent (tests compare them)."""
    base = balance_base(day) if use_balances else None
    if base is None:
        holdings = _journal(unit_ids, day)
        depreciation = card_depreciation(unit_ids, day)
    else:
        holdings, depreciation = _stored_balances(unit_ids, base)
        if day > base:
            _add(holdings, _journal(unit_ids, day, after=base))
        if last_closed_month(day) == month_index(base):
            if day > base:
                _add(depreciation, _touched_correction(base, day), 1, unit_ids)
        else:
            depreciation = card_depreciation(unit_ids, day)
    for key, amount in depreciation.items():
        holdings.setdefault(key, Figures()).depreciation += amount
    return holdings


def ledger_summary(user: Any, day: datetime.date, *, unit: Unit | None = None, subtree: bool = True,
                   by_unit: bool = True, use_balances: bool = True) -> dict[tuple[int | None, str], Figures]:
    """Holdings as of ``day`` keyed by (unit id — None when not by unit —, level-2 class prefix)."""
    unit_ids = _unit_ids(user, unit, subtree=subtree)
    if unit_ids == []:
        return {}
    holdings = holdings_as_of(unit_ids, day, use_balances=use_balances)
    if by_unit:
        return {k: v for k, v in holdings.items() if v.quantity or v.value or v.depreciation}
    merged: dict[tuple[int | None, str], Figures] = {}
    for (_, cls), figures in holdings.items():
        merged.setdefault((None, cls), Figures()).add(figures)
    return {k: v for k, v in merged.items() if v.quantity or v.value or v.depreciation}


def class_rows(data: dict[tuple[int | None, str], Figures], *, names: dict[str, str] | None = None,
               level: int = 2) -> list[SummaryRow]:
    """Level-1 rows (each followed by its level-2 rows when ``level`` is 2) over one unit's or all figures,
    then a total row."""
    names = names if names is not None else class_names()
    level1: dict[str, SummaryRow] = {}
    level2: dict[str, SummaryRow] = {}
    total = SummaryRow(None, "", "合计", 0)
    for (_, cls), figures in data.items():
        top = cls[:3]
        level1.setdefault(top, SummaryRow(None, top, names.get(top, top), 1)).figures.add(figures)
        level2.setdefault(cls, SummaryRow(None, cls, names.get(cls, cls), 2)).figures.add(figures)
        total.figures.add(figures)
    rows: list[SummaryRow] = []
    for top in sorted(level1):
        rows.append(level1[top])
        if level == 2:
            rows.extend(level2[c] for c in sorted(level2) if c.startswith(top))
    rows.append(total)
    return rows


def unit_rows(data: dict[tuple[int | None, str], Figures]) -> list[SummaryRow]:
    """One row per unit (in tree order) with its totals over every class, then a total row."""
    per_unit: dict[int, Figures] = {}
    for (unit_id, _), figures in data.items():
        if unit_id is not None:
            per_unit.setdefault(unit_id, Figures()).add(figures)
    units = Unit.objects.filter(pk__in=per_unit).only("id", "name", "tree_path", "depth").order_by("tree_path")
    rows = [SummaryRow(u.pk, "", u.name, 1, per_unit[u.pk], unit_name=u.name) for u in units]
    total = SummaryRow(None, "", "合计", 0)
    for r in rows:
        total.figures.add(r.figures)
    return [*rows, total]


def by_unit(data: dict[tuple[int | None, str], Figures], unit_id: int) -> dict[tuple[int | None, str], Figures]:
    return {k: v for k, v in data.items() if k[0] == unit_id}


# ------------------------------------------------------------------------------------ increases/decreases

@dataclass
class KindRow:
    kind: str
    label: str
    direction: str  # "increase" / "decrease"
    figures: Figures = field(default_factory=Figures)


def movements(user: Any, start: datetime.date, end: datetime.date, *, unit: Unit | None = None,
              subtree: bool = True, class_prefix: str = "") -> QuerySet[AssetMovement]:
    """Journal lines of the period (both dates included) in the user's scope."""
    unit_ids = _unit_ids(user, unit, subtree=subtree)
    qs = AssetMovement.objects.filter(occurred_on__gte=start, occurred_on__lte=end)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if class_prefix:
        qs = qs.filter(class_code__startswith=class_prefix)
    return qs


def movement_totals(qs: QuerySet[AssetMovement], *, by: tuple[str, ...] = ()) -> dict[tuple[Any, ...], Figures]:
    """Sums of journal lines grouped by kind (and ``by`` columns); values of decreases are shown positive."""
    out: dict[tuple[Any, ...], Figures] = {}
    rows = (qs.order_by().values("kind", *by)
            .annotate(q=Sum("quantity"), v=Sum("value"), f=Sum("value_fiscal"), n=Sum("value_nonfiscal")))
    for r in rows:
        sign = -1 if r["kind"] in DECREASE_MOVEMENTS else 1
        key = (r["kind"], *(r[b] for b in by))
        out[key] = Figures(sign * int(r["q"] or 0), sign * Decimal(r["v"] or 0), sign * Decimal(r["f"] or 0),
                           sign * Decimal(r["n"] or 0))
    return out


def kind_rows(qs: QuerySet[AssetMovement]) -> tuple[list[KindRow], list[KindRow], Figures, Figures]:
    """(increase rows, decrease rows, increase total, decrease total) of a period."""
    totals = movement_totals(qs)
    inc, dec = Figures(), Figures()
    inc_rows = [KindRow(k, MovementKind(k).label, "increase", totals.get((k,), Figures())) for k in INCREASE_MOVEMENTS]
    dec_rows = [KindRow(k, MovementKind(k).label, "decrease", totals.get((k,), Figures())) for k in DECREASE_MOVEMENTS]
    for r in inc_rows:
        inc.add(r.figures)
    for r in dec_rows:
        dec.add(r.figures)
    return inc_rows, dec_rows, inc, dec


def period_by_class(qs: QuerySet[AssetMovement]) -> tuple[dict[tuple[int | None, str], Figures],
                                                          dict[tuple[int | None, str], Figures]]:
    """Increases and decreases of a period keyed like ``ledger_summary`` (None, level-2 class)."""
    inc: dict[tuple[int | None, str], Figures] = {}
    dec: dict[tuple[int | None, str], Figures] = {}
    for (kind, cls), figures in movement_totals(qs.annotate(cls=Substr("class_code", 1, 5)), by=("cls",)).items():
        target = dec if kind in DECREASE_MOVEMENTS else inc
        target.setdefault((None, cls), Figures()).add(figures)
    return inc, dec


def period_by_unit(qs: QuerySet[AssetMovement]) -> tuple[dict[int, Figures], dict[int, Figures]]:
    inc: dict[int, Figures] = {}
    dec: dict[int, Figures] = {}
    for (kind, unit_id), figures in movement_totals(qs, by=("unit_id",)).items():
        target = dec if kind in DECREASE_MOVEMENTS else inc
        target.setdefault(unit_id, Figures()).add(figures)
    return inc, dec


__all__ = ["FUNDING_CHOICES", "Figures", "KindRow", "LedgerFilter", "SummaryRow", "balance_base", "by_unit",
           "can_report", "card_depreciation", "class_names", "class_rows", "decorate_cards", "holdings_as_of",
           "kind_rows", "ledger_cards", "ledger_summary", "movement_totals", "movements", "period_by_class",
           "period_by_unit", "report_units", "unit_choices", "unit_rows"]
