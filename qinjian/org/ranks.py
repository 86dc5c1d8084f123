"""Loading the rank categories from org/data/ranks.csv (idempotent)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

RANKS_FILE = Path(__file__).parent / "data" / "ranks.csv"
SOURCE = "党政机关办公用房建设标准（发改投资〔2014〕2674号）"


def load_ranks(rank_model: Any) -> int:
    lines = [line for line in RANKS_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    count = 0
    for row in csv.DictReader(lines):
        rank_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "level": row["level"],
                "name": row["name"],
                "sort_order": int(row["sort_order"]),
                "is_leader": row["is_leader"] == "1",
                "source": SOURCE,
            },
        )
        count += 1
    return count
