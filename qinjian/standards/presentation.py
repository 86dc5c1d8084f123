"""How standard rows look on a page: column headers, formatted cells, confidence badges."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .choices import ColumnType, Confidence
from .models import StandardRow, StandardTable
from .models.tables import parse_value

CONFIDENCE_CSS: dict[str, str] = {
    Confidence.CONFIRMED: "bg-green-lt",
    Confidence.SECONDARY: "bg-azure-lt",
    Confidence.RECALLED: "bg-orange-lt",
    Confidence.OPEN: "bg-red-lt",
}
CONFIDENCE_SHORT: dict[str, str] = {
    Confidence.CONFIRMED: "已核对原文",
    Confidence.SECONDARY: "已核对转载件",
    Confidence.RECALLED: "待核实",
    Confidence.OPEN: "未查实",
}


def format_value(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        if value == value.to_integral():
            return f"{int(value):,}"
        return format(value.normalize(), "f")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def confidence_badge(code: str) -> dict[str, str]:
    return {"code": code, "css": CONFIDENCE_CSS.get(code, "bg-secondary-lt"),
            "text": CONFIDENCE_SHORT.get(code, code), "title": str(Confidence(code).label) if code in
            Confidence.values else code}


@dataclass
class Grid:
    headers: list[dict[str, Any]]
    rows: list[dict[str, Any]]


def column_headers(table: StandardTable) -> list[dict[str, Any]]:
    out = []
    for col in table.key_columns:
        out.append({"label": col.get("label", col["name"]), "unit": "", "is_key": True, "align": ""})
    for col in table.value_columns:
        numeric = col.get("type") in (ColumnType.DECIMAL, ColumnType.INTEGER)
        out.append({"label": col.get("label", col["name"]), "unit": col.get("unit", ""), "is_key": False,
                     "align": "end" if numeric else ""})
    return out


def grid(table: StandardTable, rows: list[StandardRow]) -> Grid:
    types = {c["name"]: c.get("type", "text") for c in table.value_columns}
    numeric = (ColumnType.DECIMAL, ColumnType.INTEGER)
    out = []
    for r in rows:
        cells = [{"text": table.key_label(n, str(r.key.get(n, ""))), "css": "qj-std-key"} for n in table.key_names]
        cells += [{"text": format_value(parse_value(r.values.get(n), t)), "css": "text-end" if t in numeric else ""}
                  for n, t in types.items()]
        out.append({"cells": cells, "confidence": confidence_badge(r.confidence), "note": r.note})
    return Grid(column_headers(table), out)
