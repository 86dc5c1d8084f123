"""Set-based writes of alert rows without building a model instance per row.

``bulk_create``/``bulk_update`` spend most of their time per row and per field in Python (instantiation,
``pre_save``, ``get_db_prep_save`` on ~25 columns); a sweep that opens or closes 20,000 alerts at once
spent seconds there. These helpers adapt each column once per distinct value where they can (the same
timestamp, the same rule for every row) and write multi-row ``INSERT … VALUES`` (with ``RETURNING`` where
the database has it) and ``executemany`` updates. Callers write the change log themselves
(``qinjian.core.audit.bulk_log_changes``), as for any bulk write.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.fields.related import ForeignKey

# Field types whose Python values every driver takes as they are (str, int, bool, None).
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.AutoField,
          ForeignKey)


def _adapter(field: models.Field) -> Callable[[Any], Any]:
    """The column's value as the driver wants it; memoised per distinct hashable value."""
    if isinstance(field, _PLAIN) and not isinstance(field, models.JSONField):
        target = field.target_field if isinstance(field, ForeignKey) else field
        if isinstance(target, _PLAIN):
            return lambda value: value
    prep = field.get_db_prep_save
    cache: dict[Any, Any] = {}

    def adapt(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Hashable) and not isinstance(value, dict | list):
            try:
                return cache[value]
            except KeyError:
                cache[value] = out = prep(value, connection)
                return out
        return prep(value, connection)

    return adapt


def _concrete(model: type[models.Model], name: str) -> models.Field:
    """A concrete column by attname or name (``unit_id`` or ``unit``)."""
    for f in model._meta.concrete_fields:
        if name in (f.attname, f.name):
            return f
    raise LookupError(f"{model._meta.label} has no column {name!r}")


def _max_params() -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        raw = connection.connection
        getlimit = getattr(raw, "getlimit", None)
        if getlimit is not None:
            return int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        return 999
    return int(connection.features.max_query_params or 65535)


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]], *,
                returning: Sequence[str] = (), batch_size: int = 1000) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (attname → value; missing columns take the field's default).

    Returns the ``returning`` columns of the new rows where the write can give them back (SQLite:
    multi-row ``INSERT … RETURNING``), else an empty list and the caller reads them back by a natural
    key. PostgreSQL: ``COPY … FROM STDIN`` — Django's psycopg cursors bind parameters on the client,
    which for a 20,000-row insert costs more than the server's work; COPY streams the rows instead.
    """
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in rows[0]]
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    adapters = [_adapter(f) for f in fields]
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)

    def values(row: Mapping[str, Any]) -> list[Any]:
        return [adapt(row[n] if n in row else defaults[n]) for n, adapt in zip(names, adapters, strict=True)]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return []
        can_return = bool(returning) and connection.features.can_return_rows_from_bulk_insert
        per_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        tail = ""
        if can_return:
            tail = " RETURNING " + ", ".join(quote(_concrete(model, n).column) for n in returning)
        size = max(1, min(batch_size, _max_params() // len(fields)))
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            params: list[Any] = []
            for row in chunk:
                params.extend(values(row))
            # identifiers come from the model's metadata (quoted), every value is a bound parameter
            sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([per_row] * len(chunk)) + tail  # noqa: S608
            cursor.execute(sql, params)
            if can_return:
                out.extend(tuple(r) for r in cursor.fetchall())
    return out


def update_rows(model: type[models.Model], updates: Iterable[tuple[Any, Mapping[str, Any]]],
                fields: Sequence[str]) -> int:
    """``UPDATE … SET fields WHERE pk = …`` for each (pk, values) pair, in one ``executemany``."""
    meta = model._meta
    columns = [_concrete(model, name) for name in fields]
    adapters = [_adapter(f) for f in columns]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    params = [[adapt(values[f.attname]) for f, adapt in zip(columns, adapters, strict=True)] + [pk]
              for pk, values in updates]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    return len(params)
