"""Excel output shared by every export: streamed (write-only) and safe against formula injection."""

from __future__ import annotations

import datetime
import decimal
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell_value(value: Any) -> Any:
    """A value a spreadsheet will show as text, never evaluate (CSV/formula injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | decimal.Decimal | datetime.date | datetime.datetime):
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            from django.utils import timezone

            return timezone.localtime(value).replace(tzinfo=None)
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def write_xlsx(path: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "数据",
               title: str = "") -> int:
    """Write rows to an .xlsx at ``path``; returns the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F2F2F2")
    if title:
        cell = WriteOnlyCell(sheet, value=safe_cell_value(title))
        cell.font = Font(bold=True, size=14)
        sheet.append([cell])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell_value(header))
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(horizontal="center")
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([safe_cell_value(v) for v in row])
        count += 1
    workbook.save(path)
    return count


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], **kwargs: Any) -> FileResponse:
    """An attachment response; the workbook is built in a temporary file, not in memory."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=True)  # noqa: SIM115 - closed by the response
    write_xlsx(handle.name, headers, rows, **kwargs)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def workbook_response(workbook: Any, filename: str) -> FileResponse:
    """An attachment response for an openpyxl Workbook built in memory (templates, small reports)."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=True)  # noqa: SIM115 - closed by the response
    workbook.save(handle.name)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
