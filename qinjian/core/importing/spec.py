"""What a ledger's importer declares (columns, validation, commit) and the shared row structures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.module_loading import autodiscover_modules

from .parsing import parse_text

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
    sheet: str
    header_row: int
    headers: dict[str, str]  # column key -> header text as written in the file
    rows: list[ParsedRow]

    def present(self, key: str) -> bool:
        return key in self.headers


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

    @property
    def error_count(self) -> int:
        return len(self.error_rows)

    def as_counts(self) -> dict[str, int]:
        return {**self.counts, "error": self.error_count, "error_messages": len(self.errors)}


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

    def validate(self, table: Table, *, user: Any, report: Report, progress: Progress) -> Any:
        raise NotImplementedError

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
