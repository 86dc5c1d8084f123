"""A light table: declared columns that render cells, sort, choose visibility and export.

Deliberately small (no django-tables2): cells never query the database, so a view that
``select_related``s what its columns touch renders any page size in a constant number of queries.
"""

from __future__ import annotations

import datetime
import decimal
import html
import inspect
from collections.abc import Callable, Iterable, Sequence
from functools import partialmethod
from typing import Any

from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

EMPTY = mark_safe('<span class="text-secondary">—</span>')


def esc(value: Any) -> str:
    """``conditional_escape`` for the cells of a table, without its lazy-text wrapper (thousands of calls a page)."""
    kind = type(value)
    if kind is str:
        return html.escape(value)
    if kind is int or kind is SafeString:
        return str(value)  # digits; markup already escaped
    if isinstance(value, Promise):
        value = str(value)
    html_method = getattr(value, "__html__", None)
    return str(html_method()) if html_method is not None else html.escape(str(value))


def fmt(template: str, *args: Any) -> SafeString:
    """``format_html`` for the cells of a table: every argument escaped unless it is safe markup."""
    return SafeString(template.format(*map(esc, args)))


_OWN = "own"
_DISPLAY: dict[tuple[type, str], Any] = {}


def _display_of(cls: type, name: str) -> Any:
    """How ``get_<name>_display`` of a model class works: None (no such method), ``(attname, labels)`` when
    it is Django's own for a choice field (a dict lookup instead of flattening the choices per cell),
    or ``_OWN`` when the model defines its own."""
    key = (cls, name)
    if key not in _DISPLAY:
        attr = inspect.getattr_static(cls, f"get_{name}_display", None)
        if attr is None:
            _DISPLAY[key] = None
        elif isinstance(attr, partialmethod) and not isinstance(attr.keywords["field"].choices, CallableChoiceIterator):
            field = attr.keywords["field"]
            _DISPLAY[key] = (field.attname, {k: force_str(v, strings_only=True) for k, v in field.flatchoices})
        else:
            _DISPLAY[key] = _OWN
    return _DISPLAY[key]


def resolve(record: Any, accessor: str) -> Any:
    """Follow ``a.b.c`` (attributes or dict keys); choice fields give their label."""
    value = record
    parts = accessor.split(".")
    for i, part in enumerate(parts):
        if value is None:
            return None
        last = i == len(parts) - 1
        if last and isinstance(value, models.Model):
            display = getattr(value, f"get_{part}_display", None)
            if display is not None:
                return display()
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if callable(value) and not isinstance(value, models.Model):
            value = value()
    return value


def plain(value: Any) -> Any:
    """A cell value for Excel: text, numbers and dates, never markup."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class Column:
    """One column. ``accessor`` defaults to the attribute name the column is declared under.

    ``linkify``: True links to the value's get_absolute_url when the value is an object, else to the
    row's; ``"value"`` links only object values;
    a callable ``record -> url`` links anywhere. ``template`` renders the cell from a template with
    ``record`` and ``value``. ``order_by`` names the ORM fields sorted on (None: not sortable).
    """

    creation_counter = 0

    def __init__(
        self,
        verbose_name: str = "",
        *,
        accessor: str | None = None,
        order_by: str | Sequence[str] | bool | None = True,
        linkify: bool | str | Callable[[Any], str] = False,
        template: str | None = None,
        render: Callable[[Any, Any], Any] | None = None,
        export: bool | Callable[[Any], Any] = True,
        visible: bool = True,
        required: bool = False,
        css: str = "",
        align: str = "",
    ) -> None:
        self.verbose_name = verbose_name
        self.accessor = accessor
        self._order_by = order_by
        self.linkify = linkify
        self.template = template
        self._render = render
        self.export = export
        self.visible = visible  # shown by default (users may change it)
        self.required = required  # cannot be hidden
        self.css = css
        self.align = align
        self.name = ""
        Column.creation_counter += 1
        self._counter = Column.creation_counter

    def bind(self, name: str, model: type[models.Model] | None) -> None:
        self.name = name
        self.accessor = self.accessor or name
        if not self.verbose_name and model is not None:
            self.verbose_name = _verbose_name(model, self.accessor) or name

    @property
    def order_by(self) -> tuple[str, ...]:
        if self._order_by is None or self._order_by is False:
            return ()
        if self._order_by is True:
            return (self.accessor.replace(".", "__"),) if self.accessor else ()
        if isinstance(self._order_by, str):
            return (self._order_by,)
        return tuple(self._order_by)

    @property
    def orderable(self) -> bool:
        return bool(self.order_by)

    def value(self, record: Any) -> Any:
        return resolve(record, self.accessor or self.name)

    def export_value(self, record: Any) -> Any:
        if callable(self.export):
            return plain(self.export(record))
        return plain(self.value(record))

    def _simple_value(self, record: Any) -> Any:
        """``value`` for a one-part accessor, without the generic ``resolve`` walk (the hot path)."""
        name = self.accessor or self.name
        if isinstance(record, models.Model):
            display = _display_of(type(record), name)
            if display is _OWN:
                return getattr(record, f"get_{name}_display")()
            if display is not None:
                value = getattr(record, display[0])
                try:
                    return display[1].get(value, value)
                except TypeError:  # an unhashable value: Django's own method copes
                    return getattr(record, f"get_{name}_display")()
        value = record.get(name) if isinstance(record, dict) else getattr(record, name, None)
        if callable(value) and not isinstance(value, models.Model):
            value = value()
        return value

    def render(self, record: Any) -> SafeString:
        simple = self.__dict__.get("_simple")
        if simple is None:
            simple = self.__dict__["_simple"] = "." not in (self.accessor or self.name)
        value = self._simple_value(record) if simple else self.value(record)
        if self.template:
            return mark_safe(render_to_string(self.template, {"record": record, "value": value}))
        if self._render is not None:
            out = self._render(record, value)
            return out if isinstance(out, SafeString) else SafeString(esc(out))
        if value is None or value == "":
            return EMPTY
        if isinstance(value, bool):
            return SafeString('<span class="badge bg-green-lt">是</span>' if value
                              else '<span class="badge bg-secondary-lt">否</span>')
        if isinstance(value, datetime.datetime):
            text: Any = timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) \
                else value.strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, datetime.date):
            text = value.strftime("%Y-%m-%d")
        elif isinstance(value, decimal.Decimal):
            text = f"{value:,.2f}"
        else:
            text = value
        url = self.link_for(record, value) if self.linkify else ""
        if url:
            return fmt('<a href="{}">{}</a>', url, text)
        return SafeString(esc(text))

    def link_for(self, record: Any, value: Any) -> str:
        if not self.linkify:
            return ""
        if callable(self.linkify):
            return self.linkify(record) or ""
        if self.linkify == "value" and not isinstance(value, models.Model):
            return ""
        target = value if isinstance(value, models.Model) else record
        getter = getattr(target, "get_absolute_url", None)
        return getter() if getter else ""


def _verbose_name(model: type[models.Model], accessor: str) -> str:
    current: Any = model
    label = ""
    for part in accessor.split("."):
        try:
            field = current._meta.get_field(part)
        except Exception:
            return label
        label = str(getattr(field, "verbose_name", part))
        current = getattr(field, "related_model", None)
        if current is None:
            break
    return label


class Table:
    """Declare columns as class attributes; ``model`` supplies default headers."""

    model: type[models.Model] | None = None
    base_columns: dict[str, Column]
    default_order: Sequence[str] = ()
    row_template: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        columns: dict[str, Column] = {}
        for base in reversed(cls.__mro__[1:]):
            columns.update(getattr(base, "base_columns", {}))
        declared = sorted(
            ((name, col) for name, col in vars(cls).items() if isinstance(col, Column)),
            key=lambda item: item[1]._counter,
        )
        for name, col in declared:
            col.bind(name, cls.model)
            columns[name] = col
        cls.base_columns = columns

    def __init__(self, rows: Iterable[Any], *, visible: Sequence[str] | None = None, order: str = "") -> None:
        self.rows = rows
        self.order = order
        self.links: Callable[..., str] | None = None  # a list page's query builder: the sort links come ready
        names = [n for n in (visible or []) if n in self.base_columns]
        if not names:
            names = [n for n, c in self.base_columns.items() if c.visible]
        for name, col in self.base_columns.items():
            if col.required and name not in names:
                names.insert(0, name)
        self.visible_names = names

    @property
    def columns(self) -> list[Column]:
        return [self.base_columns[n] for n in self.visible_names]

    @classmethod
    def all_columns(cls) -> list[Column]:
        return list(cls.base_columns.values())

    @classmethod
    def export_columns(cls) -> list[Column]:
        return [c for c in cls.base_columns.values() if c.export]

    @classmethod
    def ordering_for(cls, sort: str) -> list[str] | None:
        """ORM ordering for ``?sort=name`` / ``?sort=-name``; None if the column cannot sort."""
        name = sort.lstrip("-")
        col = cls.base_columns.get(name)
        if col is None or not col.orderable:
            return None
        if not sort.startswith("-"):
            return list(col.order_by)
        return [f[1:] if f.startswith("-") else "-" + f for f in col.order_by]

    def headers(self) -> list[dict[str, Any]]:
        """Per visible column: the sort state and the ``sort`` value a click on the header asks for."""
        out = []
        for col in self.columns:
            state = "asc" if self.order == col.name else "desc" if self.order == f"-{col.name}" else ""
            nxt = None if state == "desc" else (f"-{col.name}" if state == "asc" else col.name)
            url = self.links(sort=nxt, page=None) if self.links is not None and col.orderable else None
            out.append({"col": col, "state": state, "next": nxt, "orderable": col.orderable, "url": url})
        return out

    def body(self) -> list[tuple[Any, list[tuple[Column, SafeString]]]]:
        cols = self.columns
        return [(row, [(c, c.render(row)) for c in cols]) for row in self.rows]

    def html_rows(self) -> list[SafeString]:
        """The ``<tr>`` of every row, built in Python (a template loop over 50–100 rows × 12 cells is slow)."""
        cols = self.columns
        opens = [format_html('<td class="{}">', f"{c.css} text-end" if c.align == "end" else c.css) for c in cols]
        out = []
        for row in self.rows:
            tr = '<tr class="qj-row-inactive">' if getattr(row, "is_active", None) is False else "<tr>"
            cells = "".join(f"{td}{c.render(row)}</td>" for c, td in zip(cols, opens, strict=True))
            out.append(mark_safe(f"{tr}{cells}</tr>"))  # every part escaped above
        return out


def export_rows(table_class: type[Table], rows: Iterable[Any]) -> tuple[list[str], Iterable[list[Any]]]:
    cols = table_class.export_columns()
    headers = [str(c.verbose_name) for c in cols]
    return headers, ([c.export_value(row) for c in cols] for row in rows)
