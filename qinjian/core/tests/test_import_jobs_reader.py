"""The streaming .xlsx reader gives the values openpyxl gives (data_only), and refuses DTDs."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from qinjian.core.importing.reader import ImportRefused, open_sheets
from qinjian.core.importing.xlsx import Workbook


def sample() -> bytes:
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(["标题行"])
    ws.merge_cells("A1:D1")
    ws.append(["编号", "日期", "金额", "布尔", "公式", "时间"])
    ws.append(["A1", datetime.date(2019, 5, 1), 1234.5, True, "=1+2", datetime.time(8, 30)])
    ws.append([1, datetime.datetime(2020, 1, 2, 3, 4), 3, False, None, 43000])
    ws["F4"].number_format = "yyyy-mm-dd"
    ws["A6"] = CellRichText([TextBlock(InlineFont(b=True), "粗"), "体"])
    ws["B8"] = "空行之后 & <符号>"
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden.append(["x"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_values_match_openpyxl():
    data = sample()
    reference = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    expected = []
    for ws in reference.worksheets:
        ws.reset_dimensions()
        rows = [(n, tuple(r)) for n, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        expected.append((ws.title, ws.sheet_state, [(n, r) for n, r in rows if any(v is not None for v in r)]))
    fast = Workbook(io.BytesIO(data))
    got = [(name, state, [(n, r) for n, r in fast.rows(part) if any(v is not None for v in r)])
           for name, state, part in fast.sheets]
    assert got == expected
    assert got[0][2][-1] == (8, (None, "空行之后 & <符号>"))


def test_hidden_sheets_are_skipped_by_the_pipeline():
    sheets = list(open_sheets(io.BytesIO(sample())))
    assert [s.name for s in sheets] == ["数据"]


def test_a_doctype_in_a_part_is_refused():
    data = sample()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
            dst.writestr(info, body)
    sheet = next(open_sheets(io.BytesIO(out.getvalue())))
    with pytest.raises(ImportRefused, match="读取 Excel 内容时出错"):
        list(sheet.rows)
