"""Working days from the Chinese official calendar (holidays and adjusted workdays, 调休).

The dates come from the State Council's yearly holiday notices (data/holidays.json); years not in
the file count Monday to Friday as working days.
"""

from __future__ import annotations

import datetime
import json
from functools import lru_cache
from pathlib import Path

from django.utils import timezone

DATA = Path(__file__).parent / "data" / "holidays.json"


@lru_cache(maxsize=1)
def _calendar() -> tuple[frozenset[datetime.date], frozenset[datetime.date]]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    holidays = frozenset(datetime.date.fromisoformat(d) for d in raw["holidays"])
    workdays = frozenset(datetime.date.fromisoformat(d) for d in raw["workdays"])
    return holidays, workdays


def is_workday(day: datetime.date) -> bool:
    holidays, workdays = _calendar()
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def add_workdays(start: datetime.datetime, days: int) -> datetime.datetime:
    """The end of the ``days``-th working day after ``start`` (local time): a task given on Friday
    afternoon with 1 working day is due at the end of Monday (or the next working day)."""
    local = timezone.localtime(start)
    day = local.date()
    remaining = max(days, 0)
    while remaining:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())
