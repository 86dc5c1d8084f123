"""Reading uploads safely and finding the header: bad files, title rows, synonyms, encodings."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from qinjian.core.importing import Column, ImportRefused, parse_amount, parse_date
from qinjian.core.importing.reader import sniff
from qinjian.core.importing.table import header_key, read_table

# A ledger the org module does not have, to prove the pipeline is generic.
COLUMNS = (
    Column("code", "资产编号", ("资产编码", "编号"), True),
    Column("name", "资产名称", ("名称",), True),
    Column("acquired", "取得日期", ("购置日期", "入账日期"), False, parse_date),
    Column("amount", "原值", ("金额", "价值"), False, parse_amount),
)


def xlsx_bytes(rows, *, merge=None, extra_sheets=()):
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    for row in rows:
        ws.append(list(row))
    if merge:
        ws.merge_cells(merge)
    for title, sheet_rows in extra_sheets:
        other = wb.create_sheet(title)
        for row in sheet_rows:
            other.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read(data: bytes, **kwargs):
    return read_table(io.BytesIO(data), COLUMNS, **kwargs)


def test_header_on_row_three_after_merged_title_with_synonyms_and_extra_columns():
    data = xlsx_bytes(
        [
            ("示范市机关事务服务中心资产台账", None, None, None, None),
            ("填报日期：2026年3月", None, None, None, None),
            ("序号", "编号", "名称 ", "购置日期（年月）", "金额(元)", "备注"),
            (1, "ZC-001", "办公桌", "2019.5", "1,234.50元"),
            (2, "ZC-002", "会议椅", 43586, "1.2万元", "无"),
            (None, None, None, None, None),
            (3, "ZC-003", "电脑", "2019年5月1日", 5000),
        ],
        merge="A1:F1",
    )
    table = read(data)
    assert table.sheet == "台账"
    assert table.header_row == 3
    assert table.headers == {"code": "编号", "name": "名称", "acquired": "购置日期（年月）", "amount": "金额(元)"}
    assert [r.number for r in table.rows] == [4, 5, 7]
    first, second, third = table.rows
    assert first.values["code"] == "ZC-001" and str(first.values["amount"]) == "1234.50"
    assert str(first.values["acquired"]) == "2019-05-01"
    assert str(second.values["acquired"]) == "2019-05-01" and str(second.values["amount"]) == "12000.00"
    assert str(third.values["acquired"]) == "2019-05-01" and str(third.values["amount"]) == "5000.00"


def test_cells_that_fail_to_parse_are_kept_per_column():
    table = read(xlsx_bytes([("资产编号", "资产名称", "取得日期"), ("A1", "桌子", "去年")]))
    row = table.rows[0]
    assert row.failed == {"acquired": "“去年”不是有效的日期，请写成 2019-05-01、2019年5月1日 或 2019.5 这样的格式。"}
    assert "acquired" not in row.values


def test_header_key_ignores_marks_and_width():
    assert header_key("单位编码*") == header_key("单位编码（必填）") == header_key(" 单位编码 ") == "单位编码"
    assert header_key("ＩＤ") == "id"


def test_missing_required_column_is_named():
    with pytest.raises(ImportRefused) as exc:
        read(xlsx_bytes([("资产编号", "原值", "取得日期"), ("A1", 1, "2019-1-1")]))
    assert exc.value.message == ("工作表“台账”第 1 行的表头缺少必填列：资产名称。请使用导入模板，或把列名改成模板中的名称。")


def test_sheet_without_recognisable_header_is_refused():
    with pytest.raises(ImportRefused) as exc:
        read(xlsx_bytes([("甲", "乙"), (1, 2)]))
    assert exc.value.message == "在文件中没有找到表头。表头应包含这些列：资产编号、资产名称。请使用导入模板。"


def test_header_found_on_a_later_sheet():
    data = xlsx_bytes([("说明",), ("请看第二页",)], extra_sheets=[("数据", [("资产编号", "资产名称"), ("A", "桌")])])
    table = read(data)
    assert table.sheet == "数据" and len(table.rows) == 1


def test_too_many_rows_is_refused(settings):
    settings.QINJIAN_IMPORT_MAX_ROWS = 3
    rows = [("资产编号", "资产名称")] + [(f"A{i}", "桌") for i in range(4)]
    with pytest.raises(ImportRefused) as exc:
        read(xlsx_bytes(rows))
    assert exc.value.message == "文件中的数据超过 3 行，请分成几个文件导入。"


def test_example_row_of_the_template_is_skipped():
    table = read(xlsx_bytes([("资产编号", "资产名称"), ("示例-1", "示例"), ("A", "桌")]),
                 example={"code": "示例-1", "name": "示例"})
    assert [r.values["code"] for r in table.rows] == ["A"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_the_encodings_chinese_excel_writes(encoding):
    text = "资产编号,资产名称,原值\r\nA1,办公桌（实木）,\"1,200元\"\r\n"
    table = read(text.encode(encoding))
    assert table.headers["name"] == "资产名称"
    assert table.rows[0].values["name"] == "办公桌（实木）"
    assert str(table.rows[0].values["amount"]) == "1200.00"


def test_csv_apostrophe_from_our_own_export_is_removed():
    table = read("资产编号,资产名称\r\nA1,'=SUM(1)\r\n".encode())
    assert table.rows[0].values["name"] == "=SUM(1)"


def test_tab_separated_text():
    table = read("资产编号\t资产名称\nA1\t桌\n".encode())
    assert table.rows[0].values == {"code": "A1", "name": "桌"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "上传的文件是空的。"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "这是一个可执行程序，不是 Excel 文件。"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
         "这是旧版 Excel（.xls）或 Word（.doc）文件。请在 Excel 中“另存为”.xlsx 格式后再上传。"),
        (b"%PDF-1.7\n", "这是 PDF 文件，不是 Excel 文件。"),
        (b"\x00\x01\x02garbage\x00", "文件不是 Excel（.xlsx）或 CSV 文件。"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(data, message):
    with pytest.raises(ImportRefused) as exc:
        read(data)
    assert exc.value.message == message


def test_zip_that_is_not_a_workbook_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ImportRefused) as exc:
        read(buf.getvalue())
    assert exc.value.message == "文件不是有效的 Excel（.xlsx）文件（缺少工作簿内容）。"


def test_word_document_renamed_xlsx_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ImportRefused) as exc:
        read(buf.getvalue())
    assert exc.value.message == "这是 Word 文档，不是 Excel 文件。"


def test_truncated_xlsx_is_refused():
    data = xlsx_bytes([("资产编号", "资产名称"), ("A", "桌")])
    with pytest.raises(ImportRefused) as exc:
        read(data[: len(data) // 2])
    assert exc.value.message == "文件已损坏，或不是有效的 Excel（.xlsx）文件。"


def _bomb(member_size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * member_size)
    return buf.getvalue()


def test_zip_bomb_by_compression_ratio_is_refused_before_opening():
    data = _bomb(50 * 1024 * 1024)
    assert len(data) < 200 * 1024
    with pytest.raises(ImportRefused) as exc:
        read(data)
    assert exc.value.message == "文件解压后体积异常（疑似“压缩炸弹”），已拒绝处理。"


def test_zip_bomb_by_total_size_is_refused(settings):
    settings.QINJIAN_IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    settings.QINJIAN_IMPORT_MAX_COMPRESSION_RATIO = 10_000
    with pytest.raises(ImportRefused) as exc:
        read(_bomb(2 * 1024 * 1024))
    assert exc.value.message == "文件解压后超过 1 MB，已拒绝处理。请分成几个文件导入。"


def test_file_over_the_size_limit_is_refused(settings):
    settings.QINJIAN_MAX_IMPORT_BYTES = 1024
    with pytest.raises(ImportRefused) as exc:
        read(b"a,b\n" * 1000)
    assert exc.value.message == "文件太大（4 KB），单个导入文件不能超过 1 KB。请分成几个文件导入。"


def test_sniff():
    assert sniff(b"PK\x03\x04rest") == "xlsx"
    assert sniff("编号,名称".encode("gb18030")) == "csv"


def test_streamed_table_reads_rows_as_they_are_consumed():
    rows = [("资产编号", "资产名称", "取得日期")] + [(f"A{i}", "桌", "2019.5") for i in range(5)]
    table = read(xlsx_bytes(rows), stream=True)
    assert table.streamed and table.rows == [] and table.count == 0
    chunks = list(table.chunks(2))
    assert [[r.values["code"] for r in chunk] for chunk in chunks] == [["A0", "A1"], ["A2", "A3"], ["A4"]]
    assert table.count == 5
    assert list(table.each()) == []  # read once: the file is not kept


def test_streamed_table_still_refuses_too_many_rows_while_reading(settings):
    settings.QINJIAN_IMPORT_MAX_ROWS = 3
    table = read(xlsx_bytes([("资产编号", "资产名称")] + [(f"A{i}", "桌") for i in range(4)]), stream=True)
    with pytest.raises(ImportRefused, match="超过 3 行"):
        table.drain()


def test_repeated_cells_parse_alike_and_each_bad_cell_is_reported():
    # the parsers remember repeated cells: the same value and the same error, on every row that has them
    rows = [("资产编号", "资产名称", "取得日期", "原值")]
    rows += [(f"A{i}", "桌", "去年" if i % 2 else "2019.5", 1 if i % 3 else 1.5) for i in range(6)]
    table = read(xlsx_bytes(rows))
    assert [("acquired" in r.failed) for r in table.rows] == [False, True, False, True, False, True]
    assert {r.failed.get("acquired") for r in table.rows if r.failed} == {
        "“去年”不是有效的日期，请写成 2019-05-01、2019年5月1日 或 2019.5 这样的格式。"}
    assert [str(r.values["amount"]) for r in table.rows] == ["1.50", "1.00", "1.00", "1.50", "1.00", "1.00"]
    assert [r.values.get("acquired") for r in table.rows][::2] == [table.rows[0].values["acquired"]] * 3
