"""Human-readable numbers per object type: ``ZC-2026-000123``. Unique and never handed out twice.

The counter row is locked for the rest of the caller's transaction, so two requests never get the
same number; if the caller's transaction rolls back, so does the counter (no gap, no duplicate).
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from .errors import ValidationFailed
from .models import NumberSequence

_PREFIX = re.compile(r"^[A-Z]{1,8}$")


def next_number(prefix: str, *, year: int | None = None, width: int = 6) -> str:
    if not _PREFIX.match(prefix):
        raise ValidationFailed(f"编号前缀“{prefix}”应为 1 到 8 个大写字母。")
    year = year or timezone.localdate().year
    with transaction.atomic():
        # Create the counter row if missing without racing: a conflicting insert is ignored.
        NumberSequence.objects.bulk_create([NumberSequence(prefix=prefix, year=year)], ignore_conflicts=True)
        sequence = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
        sequence.last_value += 1
        sequence.save(update_fields=["last_value"])
    return f"{prefix}-{year}-{sequence.last_value:0{width}d}"


def next_numbers(prefix: str, count: int, *, year: int | None = None, width: int = 6) -> list[str]:
    """A block of ``count`` consecutive numbers under one lock (bulk imports, demo data)."""
    if not _PREFIX.match(prefix):
        raise ValidationFailed(f"编号前缀“{prefix}”应为 1 到 8 个大写字母。")
    if count <= 0:
        return []
    year = year or timezone.localdate().year
    with transaction.atomic():
        NumberSequence.objects.bulk_create([NumberSequence(prefix=prefix, year=year)], ignore_conflicts=True)
        sequence = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
        first = sequence.last_value + 1
        sequence.last_value += count
        sequence.save(update_fields=["last_value"])
    return [f"{prefix}-{year}-{n:0{width}d}" for n in range(first, first + count)]
