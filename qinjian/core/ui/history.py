"""The 历史 tab: change records of one object as readable before → after rows."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ..audit import history_for
from ..models import ObjectChange


@dataclass
class ChangeRow:
    label: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    change: ObjectChange
    rows: list[ChangeRow] = field(default_factory=list)


def _fields_by_attname(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.attname: f for f in model._meta.concrete_fields}  # type: ignore[misc]


def _display(field_obj: models.Field | None, value: Any, related_names: dict[tuple[Any, str], str]) -> str:
    if value is None or value == "":
        return "—"
    if field_obj is None:
        return str(value)
    if field_obj.is_relation and field_obj.related_model is not None:
        return related_names.get((field_obj.related_model, str(value)), f"#{value}")
    if field_obj.choices:
        return str(dict(field_obj.flatchoices).get(value, value))  # type: ignore[arg-type]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(field_obj, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return parsed.strftime("%Y-%m-%d %H:%M")
    if isinstance(field_obj, models.DateField) and isinstance(value, str):
        parsed_date = parse_date(value)
        if isinstance(parsed_date, datetime.date):
            return parsed_date.strftime("%Y-%m-%d")
    return str(value)


def history_entries(obj: models.Model, changes: list[ObjectChange]) -> list[HistoryEntry]:
    """Readable entries; related objects are named with one query per related model."""
    fields = _fields_by_attname(type(obj))
    wanted: dict[Any, set[str]] = defaultdict(set)
    for change in changes:
        for data in (change.before or {}, change.after or {}):
            for attname, value in data.items():
                f = fields.get(attname)
                if f is not None and f.is_relation and f.related_model is not None and value not in (None, ""):
                    wanted[f.related_model].add(str(value))
    names: dict[tuple[Any, str], str] = {}
    for model, ids in wanted.items():
        manager: Any = model._default_manager
        for pk, name in ((str(o.pk), str(o)) for o in manager.filter(pk__in=list(ids))):
            names[(model, pk)] = name
    entries = []
    for change in changes:
        entry = HistoryEntry(change)
        before, after = change.before or {}, change.after or {}
        if change.action == ObjectChange.Action.CREATE:
            keys = [k for k, v in after.items() if v not in (None, "", 0, False) and k != "id"]
        elif change.action == ObjectChange.Action.UPDATE:
            keys = list(change.changed_fields or [])
        else:
            keys = []
        for key in keys:
            f = fields.get(key)
            if f is not None and not f.editable and key not in ("parent_id",):
                continue
            label = str(f.verbose_name) if f is not None else key
            entry.rows.append(ChangeRow(label, _display(f, before.get(key), names), _display(f, after.get(key), names)))
        entries.append(entry)
    return entries


def history_page(obj: models.Model, number: Any, per_page: int = 20) -> Page:
    page = Paginator(history_for(obj), per_page).get_page(number)
    page.entries = history_entries(obj, list(page.object_list))  # type: ignore[attr-defined]
    return page
