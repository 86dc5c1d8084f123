"""Raw, set-based inserts for bulk writes (imports, sweeps, generated data).

``QuerySet.bulk_create`` spends most of its time in Python per row and per field (model instances,
``pre_save``, SQL compilation of one ``VALUES`` group per row, SQLite's 999-parameter batches). For tens
of thousands of rows this module writes the rows with the driver's fastest path instead:

* SQLite: ``executemany`` of a single-row ``INSERT`` (the loop runs in C, one prepared statement);
* PostgreSQL: ``COPY … FROM STDIN`` (psycopg 3), streamed.

Values are adapted exactly as the ORM adapts them: every column whose field is not a plain text,
integer or boolean column goes through the field's ``get_db_prep_save`` — so encrypted fields are
encrypted (a fresh nonce per value, never memoised), dates and decimals are formatted as Django
stores them, JSON is dumped with the field's encoder. Deterministic Django fields are memoised per
distinct value (the same timestamp or date on every row costs one call).

Primary keys: :func:`allocate_ids` reserves ids before the insert (PostgreSQL: the sequence;
SQLite: the ``AUTOINCREMENT`` counter, inside the write transaction), so dependent rows (events of
new cards, change records) can be built without reading anything back.

Nothing here sends signals or writes change records: callers log their changes with
``qinjian.core.audit.bulk_log_changes`` / ``bulk_log_created``, as for any bulk write.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.fields.related import ForeignKey

# Field classes whose Python values every driver takes as they are (str, int, bool, None). Exact
# classes only: a subclass (e.g. an encrypted text field) may change the value on its way to the db.
_PLAIN_TYPES: frozenset[type] = frozenset({
    models.CharField, models.TextField, models.SlugField, models.EmailField, models.URLField,
    models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
    models.PositiveBigIntegerField, models.PositiveSmallIntegerField, models.BooleanField,
    models.AutoField, models.BigAutoField, models.SmallAutoField,
})
_MEMO_LIMIT = 50_000
COPY_CHUNK = 10_000

Adapter = Callable[[Any], Any] | None


class JsonText(str):
    """A value for a JSON column that is already its JSON text (encoded once, written on many rows)."""


def _is_plain(field: models.Field) -> bool:
    if isinstance(field, ForeignKey):
        return type(field) is ForeignKey and _is_plain(field.target_field)
    return type(field) in _PLAIN_TYPES


def _deterministic(field: models.Field) -> bool:
    """Django's own field classes give the same db value for the same Python value."""
    return type(field).__module__.startswith("django.")


def adapter(field: models.Field, *, copy: bool = False) -> Adapter:
    """How one column's Python values become driver values; None when they pass through as they are.
    ``copy``: for PostgreSQL's ``COPY`` (text format), where JSON may go as its text."""
    if _is_plain(field):
        return None
    prep = field.get_db_prep_save
    conn = connections[DEFAULT_DB_ALIAS]  # the thread's connection itself, not the proxy (a lookup per use)
    if type(field) is models.DecimalField:
        # get_db_prep_save of a Decimal is Decimal(value) then the backend's adapt (the value itself)
        adapt_decimal, digits, places = conn.ops.adapt_decimalfield_value, field.max_digits, field.decimal_places
        return lambda value: (None if value is None else adapt_decimal(value, digits, places)
                              if type(value) is Decimal else prep(value, conn))
    if type(field) is models.DateField:
        adapt_date = conn.ops.adapt_datefield_value
        return lambda value: (None if value is None else adapt_date(value)
                              if type(value) is datetime.date else prep(value, conn))
    if type(field) is models.JSONField:
        if not (copy or conn.vendor != "postgresql"):
            return lambda value: prep(json.loads(value) if type(value) is JsonText else value, conn)
        # what get_db_prep_save does for plain data (SQLite: the text; PostgreSQL: Jsonb of the same text,
        # which COPY sends as text anyway), without its per-value detour through the ORM; one encoder for
        # every value (json.dumps(cls=…) builds one per call), giving the same text as dumps
        dumps = (field.encoder or json.JSONEncoder)().encode

        def adapt_json(value: Any) -> Any:
            kind = type(value)
            if value is None:
                return None
            if kind is JsonText:
                return str(value)
            return dumps(value) if kind in (dict, list, str, int, float, bool) else prep(value, conn)

        return adapt_json
    if not _deterministic(field):
        return lambda value: prep(value, conn)
    memo: dict[Any, Any] = {}

    def adapt(value: Any) -> Any:
        if value is None:
            return None
        try:
            return memo[value]
        except KeyError:
            if len(memo) > _MEMO_LIMIT:
                memo.clear()
            memo[value] = out = prep(value, conn)
            return out
        except TypeError:  # unhashable (a list, a dict): adapted every time
            return prep(value, conn)

    return adapt


def column_fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    """The concrete fields for ``names`` (attname ``unit_id`` or name ``unit``)."""
    by_name: dict[str, models.Field] = {}
    for f in model._meta.concrete_fields:
        by_name[f.attname] = f
        by_name.setdefault(f.name, f)
    try:
        return [by_name[n] for n in names]
    except KeyError as exc:
        raise LookupError(f"{model._meta.label} has no column {exc.args[0]!r}") from None


def _adapted(rows: Iterable[Sequence[Any]], adapters: list[Adapter]) -> Iterable[Sequence[Any]]:
    active = [(i, a) for i, a in enumerate(adapters) if a is not None]
    if not active:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for i, adapt in active:
            values[i] = adapt(values[i])
        yield values


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples of Python values in ``columns`` order; attnames such as ``unit_id``).

    Columns left out take their database default — so pass every NOT NULL column (including
    ``created_at``/``updated_at``: no ``auto_now`` runs here). Include the primary key (from
    :func:`allocate_ids`) when the caller needs the new rows' ids. ``rows`` may be a generator: it is
    streamed, never held in memory here. Returns the number of rows written. Runs in the caller's
    transaction (or its own atomic block).
    """
    fields = column_fields(model, columns)
    adapters = [adapter(f, copy=True) for f in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    count = 0

    def counted(items: Iterable[Sequence[Any]]) -> Iterable[Sequence[Any]]:
        nonlocal count
        for item in items:
            count += 1
            yield item

    stream = counted(_adapted(rows, adapters))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A chunk is built before its COPY opens: building rows may query (content types, __str__),
            # and a query on a connection in COPY mode blocks for ever.
            while chunk := list(islice(stream, COPY_CHUNK)):
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for values in chunk:
                        copy.write_row(values)
        else:
            marks = ", ".join(["%s"] * len(fields))
            # identifiers come from the model's metadata (quoted); every value is a bound parameter
            # a generator on purpose (streamed); Django and sqlite3 both take any iterable
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", stream)  # type: ignore[arg-type]  # noqa: S608
    return count


def insert_dicts(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> int:
    """:func:`insert_rows` for dicts (attname -> value); the columns are those of the first row."""
    if not rows:
        return 0
    columns = list(rows[0])
    return insert_rows(model, columns, ([row[c] for c in columns] for row in rows))


def allocate_ids(model: type[models.Model], count: int) -> Sequence[int]:
    """Reserve ``count`` primary keys of ``model`` for rows the caller inserts right after.

    PostgreSQL draws them from the column's sequence (safe under concurrency; not necessarily
    consecutive). SQLite takes the next block after the ``AUTOINCREMENT`` counter and moves the
    counter past it, inside the write transaction (SQLite has one writer at a time; Qinjian opens
    transactions ``IMMEDIATE``), so an ORM insert in the same transaction never takes one of them.
    Must be called inside ``transaction.atomic``.
    """
    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_ids() must run inside transaction.atomic()")
    meta = model._meta
    table, column = meta.db_table, meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [connection.ops.quote_name(table), column, count])
            return [int(r[0]) for r in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608 (identifiers)
        highest = int(cursor.fetchone()[0] or 0)
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(highest, int(found[0]) if found else 0) + 1
        last = start + count - 1
        if found:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last, table])
        else:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last])
        return range(start, last + 1)


__all__ = ["JsonText", "adapter", "allocate_ids", "column_fields", "insert_dicts", "insert_rows"]
