"""The streaming .xlsx reader gives the values openpyxl gives (data_only), and refuses DTDs."""

from __future__ import annotations

import datetime
import io
import re
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


def with_sheet(xml: str) -> bytes:
    """sample() with its first worksheet replaced by ``xml``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sample())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = xml.encode()
            dst.writestr(info, body)
    return out.getvalue()


def both_readers(data: bytes) -> tuple[list, list]:
    """(rows by the scanner, rows by expat) of the first sheet, text mapped as the pipeline maps it."""
    from qinjian.core.importing.reader import _unquote

    workbook = Workbook(io.BytesIO(data))
    part = workbook.sheets[0][2]
    strings = [_unquote(v) for v in workbook.strings]
    return list(workbook.rows(part, text=_unquote)), list(workbook._expat_rows(part, strings, _unquote))


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ODD_SHEET = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet {NS}><cols><col min="1" max="2"/></cols>'
    '<sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c><c r="B1" t="inlineStr"><is><t>名称</t></is></c></row>'
    '<row r="2" spans="1:4"><c r="A2" t="inlineStr"><is><t>A&amp;B &lt;1&gt; &#x4E2D;&#25991;</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t xml:space="preserve"> 两边有空格 </t></is></c><c r="D2" s="0"><v>12.50</v></c></row>'
    '<row r="3"/>'
    '<row r="4"><c t="inlineStr"><is><t>无引用</t></is></c><c><v>7</v></c><c r="E4" t="b"><v>1</v></c></row>'
    '<row r="5"><c s="0" r="B5" t="str"><f>A1&amp;"x"</f><v>编号x</v></c>'
    '<c r="C5" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>红</t></r><r><t>字</t></r>'
    '<rPh sb="0" eb="1"><t>hong</t></rPh></is></c></row>'
    '<row><c r="A6" t="inlineStr"><is><t>第一行&#13;&#10;第二行</t></is></c><c r="B6" t="e"><v>#N/A</v></c></row>'
    '<row r="8"><c r="A8" t="inlineStr"><is><t>\'=HYPERLINK("x")</t></is></c><c r="B8" t="inlineStr"><is><t/></is></c>'
    '<c r="C8" t="s"/><c r="D8"/></row>'
    '</sheetData><rowBreaks count="1"><brk id="3"/></rowBreaks></worksheet>'
)


def test_the_scanner_reads_what_expat_reads_in_odd_sheets():
    scanned, parsed = both_readers(with_sheet(ODD_SHEET))
    assert scanned == parsed
    by_number = dict(scanned)
    assert by_number[2] == ("A&B <1> 中文", " 两边有空格 ", None, 12.5)
    assert by_number[3] == ()
    assert by_number[4] == ("无引用", 7, None, None, True)
    assert by_number[5] == (None, "编号x", "红字")
    assert by_number[6] == ("第一行\r\n第二行", "#N/A")  # no r: the row after 5; references kept as written
    assert by_number[8] == ('=HYPERLINK("x")', "")


def test_the_scanner_takes_a_namespace_prefix():
    prefixed = (ODD_SHEET.replace(f"<worksheet {NS}>", '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
                                  'spreadsheetml/2006/main">')
                .replace("</worksheet>", "</x:worksheet>"))
    for tag in ("sheetData", "row", "cols", "col", "c", "v", "is", "t", "r", "rPr", "color", "rPh", "f",
                "rowBreaks", "brk"):
        prefixed = re.sub(rf"<(/?){tag}([ />])", rf"<\g<1>x:{tag}\g<2>", prefixed)
    assert "<x:c r=" in prefixed
    scanned, parsed = both_readers(with_sheet(prefixed))
    assert scanned == parsed
    assert dict(scanned)[2] == ("A&B <1> 中文", " 两边有空格 ", None, 12.5)


def test_markup_the_scanner_does_not_expect_goes_to_expat_without_repeating_rows(monkeypatch):
    from qinjian.core.importing import xlsx

    monkeypatch.setattr(xlsx, "CHUNK", 64)  # the comment arrives after rows were given
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>第{n}行</t></is></c></row>' for n in range(1, 40))
    commented = ODD_SHEET.replace("<sheetData>", f"<sheetData>{rows}")
    commented = commented.replace('<row r="30">', '<!-- 注释 --><row r="30">')
    scanned, parsed = both_readers(with_sheet(commented))
    assert scanned == parsed
    assert [n for n, _ in scanned][:40] == [*range(1, 40), 1]


def test_a_sheet_in_another_encoding_goes_to_expat():
    xml = ODD_SHEET.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = with_sheet(xml)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, xml.encode("utf-16") if info.filename == "xl/worksheets/sheet1.xml" else body)
    scanned, parsed = both_readers(out.getvalue())
    assert scanned == parsed
    assert dict(scanned)[4] == ("无引用", 7, None, None, True)


def test_the_scanner_reads_a_large_write_only_sheet_in_chunks(monkeypatch):
    from qinjian.core.importing import xlsx

    monkeypatch.setattr(xlsx, "CHUNK", 1000)
    wb = OpenpyxlWorkbook(write_only=True)
    ws = wb.create_sheet("人员")
    for i in range(600):
        ws.append([f"P{i:05d}", "张三" if i % 2 else "李四 & 王五", i * 1.5, datetime.date(2020, 1, 1 + i % 28), None,
                   "=1+1" if i % 100 == 0 else "x"])
    buffer = io.BytesIO()
    wb.save(buffer)
    scanned, parsed = both_readers(buffer.getvalue())
    assert scanned == parsed
    assert len(scanned) == 600
    assert scanned[3] == (4, ("P00003", "张三", 4.5, datetime.datetime(2020, 1, 4), None, "x"))
