"""The Excel/CSV import pipeline every ledger uses: read safely, map headers, parse, validate, preview,
commit all-or-nothing. A ledger declares an :class:`ImportSpec` in its app's ``importers.py``."""

from .parsing import (
    CellError,
    choice_parser,
    is_blank,
    normalise,
    parse_amount,
    parse_bool,
    parse_code,
    parse_date,
    parse_int,
    parse_phone,
    parse_text,
)
from .reader import ImportRefused
from .spec import Column, ImportSpec, ParsedRow, Progress, Report, Table, get_spec, no_progress, register

__all__ = [
    "CellError",
    "Column",
    "ImportRefused",
    "ImportSpec",
    "ParsedRow",
    "Progress",
    "Report",
    "Table",
    "choice_parser",
    "get_spec",
    "is_blank",
    "no_progress",
    "normalise",
    "parse_amount",
    "parse_bool",
    "parse_code",
    "parse_date",
    "parse_int",
    "parse_phone",
    "parse_text",
    "register",
]
