"""Depreciation policy: which classes depreciate, over how many months (from the reference standards).

``policy_for(class_code, on)`` is what booking a card uses to fill its depreciation fields.
"""

from __future__ import annotations

import csv
import datetime
import functools
from pathlib import Path

from qinjian.standards.selectors import StandardNotFound, standard

from .choices import DepreciationMethod

CATEGORY_FILE = Path(__file__).parent / "data" / "depreciation_categories.csv"


@functools.cache
def _categories() -> tuple[tuple[str, str], ...]:
    """(class code prefix, depreciation category — blank for exempt), longest prefix first."""
    with CATEGORY_FILE.open(encoding="utf-8") as fh:
        rows = [(r["class_prefix"], r["category"]) for r in csv.DictReader(fh)]
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


def category_for(class_code: str) -> str | None:
    """The depreciation category of a class; '' when exempt, None when no rule covers it."""
    for prefix, category in _categories():
        if class_code.startswith(prefix):
            return category
    return None


def policy_for(class_code: str, on: datetime.date) -> tuple[str, int | None]:
    """(method, useful life in months) for a class on a date; exempt or unknown → (不计提, None)."""
    category = category_for(class_code)
    if not category:
        return DepreciationMethod.NONE, None
    try:
        table = standard("depreciation_years", on=on)
    except StandardNotFound:
        return DepreciationMethod.NONE, None
    row = table.get(category=category)
    years = row.values.get("years") if row is not None else None
    if not years:
        return DepreciationMethod.NONE, None
    return DepreciationMethod.STRAIGHT_LINE, int(years) * 12
