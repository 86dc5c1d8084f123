"""What a ledger's importer declares (columns, validation, commit) and the shared row structures."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, ClassVar

from django.utils.module_loading import autodiscover_modules

from .parsing import CellError, parse_text

# progress(stage, done, total): stage is "read" / "validate" / "commit"
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class Column:
    """One column of a ledger's import file."""

    key: str
    label: str  # the header as the template writes it
    synonyms: tuple[str, ...] = ()  # other headers people use for it
    required: bool = False
    parser: Callable[[Any], Any] = parse_text
    help: str = ""  # shown in the template's 填写说明 sheet
    choices: tuple[str, ...] = ()  # allowed labels (template dropdown and 填写说明)
    width: int = 14
    as_text: bool = False  # codes and phone numbers: the template formats the column as text
    in_template: bool = True  # False for alternatives accepted on import but not offered in the template

    @property
    def header(self) -> str:
        return f"{self.label}*" if self.required else self.label


@dataclass
class ParsedRow:
    number: int  # the row number the user sees in Excel
    values: dict[str, Any]  # column key -> parsed value, for the columns present and parsed
    raw: dict[str, Any]  # column key -> cell as read, for display
    failed: dict[str, str] = field(default_factory=dict)  # key -> why its cell could not be parsed

    def has(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value


@dataclass
class Table:
    """The rows of the sheet that was read. A streamed table (``ImportSpec.streamed``) has no ``rows``
    list: its rows are read from the file as :meth:`each` or :meth:`chunks` consumes them (once), so
    the sheet is never held in memory; ``count`` is the number of rows read so far."""

    sheet: str
    header_row: int
    headers: dict[str, str]  # column key -> header text as written in the file
    rows: list[ParsedRow]
    source: Iterator[ParsedRow] | None = None
    count: int = 0

    def present(self, key: str) -> bool:
        return key in self.headers

    @property
    def streamed(self) -> bool:
        return self.source is not None

    def each(self) -> Iterator[ParsedRow]:
        if self.source is None:
            self.count = len(self.rows)
            yield from self.rows
            return
        for row in self.source:
            self.count += 1
            yield row

    def chunks(self, size: int) -> Iterator[list[ParsedRow]]:
        """The rows in lists of ``size`` (the last one shorter), for set-based validation chunk by chunk."""
        rows = self.each()
        while chunk := list(islice(rows, size)):
            yield chunk

    def drain(self) -> None:
        """Read what a streamed table still holds (its rows counted, their cell errors reported)."""
        for _ in self.each():
            pass


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class Report:
    """What validation found: every error by row and column, and what each valid row would do."""

    PREVIEW_ROWS = 20
    ACTIONS = ("create", "update", "unchanged")

    def __init__(self, spec: ImportSpec, table: Table | None = None) -> None:
        self.spec = spec
        self.table = table
        self.errors: list[RowError] = []
        self.error_rows: set[int] = set()
        self.counts: dict[str, int] = dict.fromkeys(self.ACTIONS, 0)
        self.samples: dict[str, list[dict[str, Any]]] = {a: [] for a in self.ACTIONS}
        # What the user chose on the upload page (e.g. the unit) and per row in the preview.
        self.options: dict[str, Any] = {}
        self.decisions: dict[int, str] = {}
        self.confirmations: list[dict[str, Any]] = []  # rows still waiting for the user's decision

    def column_title(self, key: str) -> str:
        if self.table is not None and key in self.table.headers:
            return self.table.headers[key]
        for column in self.spec.columns:
            if column.key == key:
                return column.label
        return ""

    def error(self, row: int, key: str, message: str) -> None:
        self.errors.append(RowError(row, self.column_title(key) if key else "", message))
        self.error_rows.add(row)

    def has_errors(self, row: int | None = None) -> bool:
        return bool(self.errors) if row is None else row in self.error_rows

    def outcome(self, row: int, action: str, display: dict[str, str], changes: Sequence[str] = ()) -> None:
        self.counts[action] += 1
        if len(self.samples[action]) < self.PREVIEW_ROWS:
            self.samples[action].append({"row": row, "values": display, "changes": list(changes)})

    def wants_sample(self, action: str) -> bool:
        """Whether an ``outcome`` of this action would still be shown (so its display is worth building)."""
        return len(self.samples.get(action, ())) < self.PREVIEW_ROWS

    def decision(self, row: int) -> str | None:
        """The value the user chose for this row in the preview (checked by ``ImportSpec.check_decision``)."""
        return self.decisions.get(row)

    def confirm(self, row: int, item: dict[str, Any]) -> None:
        """A row the user must confirm before the commit: ``item`` holds what the preview shows
        (``values``: column key -> text, ``suggested``: value, ``suggested_label``, ``confidence``, ``reason``)."""
        self.confirmations.append({"row": row, **item})

    @property
    def error_count(self) -> int:
        return len(self.error_rows)

    def as_counts(self) -> dict[str, int]:
        counts = {**self.counts, "error": self.error_count, "error_messages": len(self.errors)}
        if self.confirmations:
            counts["confirm"] = len(self.confirmations)
        return counts


@dataclass
class Decided:
    """What :meth:`ImportSpec.apply_decisions` did to a kept plan."""

    resolved: dict[int, dict[str, str]]  # row -> its preview values (display) now that it is decided
    pending: list[dict[str, Any]]  # the confirmations still open, as ``Report.confirm`` items (with "row")
    pending_count: int


class ImportSpec:
    """A ledger's importer. Subclasses declare columns and implement validate() and commit().

    ``validate`` must be set-based (prefetch by natural key, never a query per row), report every
    problem through ``report.error`` and every valid row through ``report.outcome``, and return a
    plan; ``commit`` writes the plan inside the driver's transaction.
    """

    kind: ClassVar[str]
    label: ClassVar[str]  # what is imported, e.g. 人员
    permission: ClassVar[str]
    columns: ClassVar[Sequence[Column]]
    example: ClassVar[dict[str, Any]] = {}
    notes: ClassVar[Sequence[str]] = ()
    preview_keys: ClassVar[Sequence[str]] = ()
    preview_labels: ClassVar[dict[str, str]] = {}  # preview headings that differ from the column label
    url_names: ClassVar[dict[str, str]] = {}  # step -> url name (upload, preview, template ...)
    confirm_label: ClassVar[str] = ""  # what the user confirms per row in the preview, e.g. 资产分类
    # Models ("app.Model") whose rows validation looks at: a kept plan is reused at commit only if
    # none of them has a change record since validation began (empty: always validate again).
    depends_on: ClassVar[tuple[str, ...]] = ()
    # True: validate() reads the rows through ``table.each()`` / ``table.chunks()`` as they stream from
    # the file (``table.rows`` is empty), so memory does not grow with the sheet.
    streamed: ClassVar[bool] = False

    def upload_options(self, user: Any) -> list[dict[str, Any]]:
        """Extra fields of the upload form: dicts with name, label, choices [(value, label)], required, help."""
        return []

    def clean_options(self, data: Any, user: Any) -> dict[str, Any]:
        """The upload form's extra fields, checked (raise ValidationFailed with fields={name: [...]})."""
        return {}

    def describe_options(self, options: dict[str, Any]) -> str:
        """One line for the preview saying what was chosen at upload (e.g. 导入到：某某局)."""
        return ""

    def decision_choices(self) -> list[tuple[str, str]]:
        """Values offered when confirming a row (a datalist in the preview)."""
        return []

    def check_decision(self, value: str) -> tuple[str, str]:
        """A value the user chose for a row in the preview -> (stored value, label); CellError if not allowed."""
        raise CellError("该导入不需要逐行确认。")

    def validate(self, table: Table, *, user: Any, report: Report, progress: Progress) -> Any:
        raise NotImplementedError

    def apply_decisions(self, plan: Any, decisions: dict[int, str]) -> Decided | None:
        """Complete a kept plan with the user's per-row decisions, without validating the file again.

        Only for specs whose rows wait for nothing but the decision (everything else already checked):
        returns what changed, or None when the spec cannot (the driver then validates again)."""
        return None

    def commit(self, plan: Any, *, user: Any, progress: Progress) -> dict[str, int]:
        raise NotImplementedError

    def preview_columns(self) -> list[tuple[str, str]]:
        keys = self.preview_keys or [c.key for c in self.columns]
        labels = {c.key: c.label for c in self.columns} | dict(self.preview_labels)
        return [(k, labels.get(k, k)) for k in keys]


_REGISTRY: dict[str, ImportSpec] = {}
_discovered = False


def register(spec_class: type[ImportSpec]) -> type[ImportSpec]:
    """Class decorator: make a spec available to the driver and the job by its kind."""
    _REGISTRY[spec_class.kind] = spec_class()
    return spec_class


def get_spec(kind: str) -> ImportSpec:
    global _discovered
    if kind not in _REGISTRY and not _discovered:
        autodiscover_modules("importers")  # each app's importers.py registers its specs
        _discovered = True
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"unknown import kind {kind!r}") from None
