"""Reads of the reference standards. ``standard(name, on=date)`` is what every check calls.

    area = standard("office_area", on=day).value("area", level="city", rank="C-3")   # Decimal("24")

The version in force on a date is the one with status 生效 whose [effective_from, effective_to]
(both inclusive, empty end = open) contains the date; active versions never overlap (the services
refuse it). Results are cached per process and invalidated through the shared cache whenever a
standard changes, so repeated checks in a sweep cost no queries.
"""

from __future__ import annotations

import datetime
import logging
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from qinjian.core.errors import ValidationFailed

from .choices import Confidence, VersionStatus
from .errors import StandardNotFound
from .models import AssetClass, LegacyClassMapping, StandardRow, StandardTable, StandardVersion
from .models.tables import key_text, parse_value

_GENERATION_KEY = "qinjian:standards:generation"
_local = threading.local()
log = logging.getLogger(__name__)


def invalidate_cache() -> None:
    """Forget cached standards here and (through the shared cache) in every other process."""

    def bump() -> None:
        try:
            cache.set(_GENERATION_KEY, uuid.uuid4().hex, None)
        except Exception:  # a cache outage must not block a write
            log.warning("standards cache generation not bumped", exc_info=True)
        _local.memo = {}

    def committed() -> None:
        bump()
        _local.dirty = False

    bump()
    # Until the write commits this thread reads without the memo (a rollback must not leave its data
    # cached); after the commit every process drops what it cached before.
    _local.dirty = True
    transaction.on_commit(committed)


def reset_local_cache() -> None:
    """For tests: forget this thread's memo and any pending-write state."""
    _local.memo = {}
    _local.dirty = False
    _local.generation = None


def _memo() -> dict[Any, Any]:
    """This thread's memo for the current generation; an empty throwaway one without the shared cache."""
    if getattr(_local, "dirty", False):
        return {}
    try:
        generation = cache.get(_GENERATION_KEY)
        if generation is None:
            cache.add(_GENERATION_KEY, uuid.uuid4().hex, None)
            generation = cache.get(_GENERATION_KEY)
    except Exception:
        log.warning("standards cache unavailable", exc_info=True)
        generation = None
    if generation is None:
        return {}
    if getattr(_local, "generation", None) != generation:
        _local.generation = generation
        _local.memo = {}
    return _local.memo  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Row:
    key: dict[str, str]
    values: dict[str, Any]
    confidence: str
    note: str

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def confidence_label(self) -> str:
        return str(Confidence(self.confidence).label)

    @property
    def is_verified(self) -> bool:
        return self.confidence in (Confidence.CONFIRMED, Confidence.SECONDARY)


@dataclass(frozen=True)
class Standard:
    """The version of a table in force on a date, with its rows (values typed: Decimal, int or str)."""

    name: str
    title: str
    version_id: int
    version_code: str
    doc_no: str
    doc_title: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    key_columns: tuple[dict[str, Any], ...]
    value_columns: tuple[dict[str, Any], ...]
    rows: tuple[Row, ...]
    _index: dict[str, Row]

    @property
    def source(self) -> str:
        return f"{self.doc_title}（{self.doc_no}）" if self.doc_no else self.doc_title

    @property
    def key_names(self) -> list[str]:
        return [c["name"] for c in self.key_columns]

    def _check_keys(self, keys: dict[str, Any]) -> None:
        unknown = sorted(set(keys) - set(self.key_names))
        if unknown:
            raise ValidationFailed(
                f"标准“{self.title}”没有查询条件“{'、'.join(unknown)}”，可用的条件为：{'、'.join(self.key_names)}。",
                code="standard_bad_key", fields={k: ["不是该标准的查询条件。"] for k in unknown})

    def get(self, **keys: Any) -> Row | None:
        """The row with exactly these key values (omitted keys mean empty), or None."""
        self._check_keys(keys)
        return self._index.get(key_text({k: "" if v is None else str(v) for k, v in keys.items()}, self.key_names))

    def row(self, **keys: Any) -> Row:
        found = self.get(**keys)
        if found is None:
            shown = "，".join(f"{self._label(k)}={v}" for k, v in keys.items()) or "（无条件）"
            raise StandardNotFound(
                f"标准“{self.title}”（{self.version_code}版）中没有 {shown} 的条目。", code="standard_row_not_found")
        return found

    def value(self, column: str, **keys: Any) -> Any:
        row = self.row(**keys)
        if column not in row.values:
            raise StandardNotFound(f"标准“{self.title}”没有数值列“{column}”。", code="standard_bad_column")
        return row.values[column]

    def filter(self, **keys: Any) -> list[Row]:
        """Rows whose given key columns match (others free)."""
        self._check_keys(keys)
        wanted = {k: str(v) for k, v in keys.items()}
        return [r for r in self.rows if all(r.key.get(k, "") == v for k, v in wanted.items())]

    def _label(self, name: str) -> str:
        for col in self.key_columns:
            if col["name"] == name:
                return str(col.get("label", name))
        return name


def as_date(on: datetime.date | datetime.datetime | str | None) -> datetime.date:
    if on is None:
        return timezone.localdate()
    if isinstance(on, datetime.datetime):
        return timezone.localtime(on).date() if timezone.is_aware(on) else on.date()
    if isinstance(on, datetime.date):
        return on
    try:
        return datetime.date.fromisoformat(str(on))
    except ValueError as exc:
        raise ValidationFailed(f"日期“{str(on)[:20]}”格式不正确，应为 YYYY-MM-DD。", code="invalid",
                               fields={"on": ["日期格式应为 YYYY-MM-DD。"]}) from exc


def version_in_force(table: StandardTable, on: datetime.date) -> StandardVersion | None:
    return (StandardVersion.objects.filter(table=table, status=VersionStatus.ACTIVE, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
            .order_by("-effective_from").first())


@dataclass(frozen=True)
class _Missing:
    """A memoised "no such standard / none in force on that day" answer of ``standard()``."""

    message: str
    code: str
    fields: dict[str, list[str]] | None


def standard(name: str, on: datetime.date | datetime.datetime | str | None = None) -> Standard:
    """The version of table ``name`` in force on ``on`` (default: today); StandardNotFound otherwise."""
    day = as_date(on)
    name = str(name).replace("\x00", "")[:60]
    memo = _memo()
    cache_key = (name, day)
    if cache_key in memo:
        found = memo[cache_key]
        if isinstance(found, _Missing):  # "not there" is memoised too (asked once per card in bulk work)
            raise StandardNotFound(found.message, code=found.code, fields=dict(found.fields or {}))
        return found  # type: ignore[no-any-return]
    table, spans = _active_spans(name, memo)
    if table is None:
        missing = _Missing(f"标准库中没有名为“{name[:60]}”的标准。", "standard_unknown", {"name": ["没有这个标准。"]})
        memo[cache_key] = missing
        raise StandardNotFound(missing.message, code=missing.code, fields=missing.fields)
    version_pk = next((pk for start, end, pk in spans if start <= day and (end is None or end >= day)), None)
    if version_pk is None:
        missing = _Missing(
            f"标准“{table.title}”在 {day.isoformat()} 没有生效的版本，请系统管理员在标准库中补充该日期适用的版本。",
            "standard_not_in_force", None)
        memo[cache_key] = missing
        raise StandardNotFound(missing.message, code=missing.code, fields=missing.fields)
    result = memo.get(("version", version_pk))
    if result is None:
        result = _load_version(table, StandardVersion.objects.get(pk=version_pk))
        memo[("version", version_pk)] = result
    memo[cache_key] = result
    return result


def _active_spans(name: str, memo: dict[Any, Any]) -> tuple[StandardTable | None, list[tuple[Any, Any, int]]]:
    """The table and its active versions as (effective_from, effective_to, pk), newest first — asked once per
    table and cache generation, so a check over cards booked on thousands of different days costs no
    query per day (the version in force on a day is found among these, as in :func:`version_in_force`)."""
    key = ("spans", name)
    if key not in memo:
        table = StandardTable.objects.filter(name=name).first()
        spans = [] if table is None else list(
            StandardVersion.objects.filter(table=table, status=VersionStatus.ACTIVE)
            .order_by("-effective_from").values_list("effective_from", "effective_to", "pk"))
        memo[key] = (table, spans)
    return memo[key]  # type: ignore[no-any-return]


def _load_version(table: StandardTable, version: StandardVersion) -> Standard:
    value_types = {c["name"]: c.get("type", "text") for c in table.value_columns}
    rows = []
    index = {}
    for r in StandardRow.objects.filter(version=version).order_by("sort_order", "id"):
        values = {name_: parse_value(r.values.get(name_), t) for name_, t in value_types.items()}
        row = Row(key=dict(r.key), values=values, confidence=r.confidence, note=r.note)
        rows.append(row)
        index[r.key_text] = row
    return Standard(
        name=table.name, title=table.title, version_id=version.pk, version_code=version.code,
        doc_no=version.doc_no, doc_title=version.doc_title, effective_from=version.effective_from,
        effective_to=version.effective_to, key_columns=tuple(table.key_columns),
        value_columns=tuple(table.value_columns), rows=tuple(rows), _index=index,
    )


def current_versions(tables: list[StandardTable], on: datetime.date | None = None) -> dict[int, StandardVersion]:
    """table pk → version in force on the date, in one query."""
    day = on or timezone.localdate()
    qs = (StandardVersion.objects.filter(table__in=tables, status=VersionStatus.ACTIVE, effective_from__lte=day)
          .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day)).order_by("table_id", "-effective_from"))
    out: dict[int, StandardVersion] = {}
    for v in qs:
        out.setdefault(v.table_id, v)
    return out


# --------------------------------------------------------------------------------------------------
# Asset classes
# --------------------------------------------------------------------------------------------------


def asset_class_search(qs: QuerySet[AssetClass], term: str) -> QuerySet[AssetClass]:
    """By code prefix (A0201…) or by words in the name (each word must match)."""
    term = term.replace("\x00", "").strip()[:60]
    if not term:
        return qs
    words = term.split()[:5]
    q = Q()
    for word in words:
        if word[:1] in "Aa" and word[1:].isdigit():
            q &= Q(code__startswith=word.upper())
        else:
            q &= Q(name__icontains=word) | Q(code__startswith=word)
    return qs.filter(q)


def asset_class_for_legacy(scheme: str, code: str) -> LegacyClassMapping | None:
    """The mapping of an older code (check ``.asset_class`` and ``.match``); None when unknown."""
    return (LegacyClassMapping.objects.select_related("asset_class")
            .filter(scheme=scheme, legacy_code=code.strip()).first())

