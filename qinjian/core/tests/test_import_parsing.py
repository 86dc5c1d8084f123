"""Typed cell parsing and export safety, shared by every ledger's importer."""

import datetime
from decimal import Decimal

import pytest

from qinjian.core.excel import safe_cell_value
from qinjian.core.importing import (
    CellError,
    choice_parser,
    parse_amount,
    parse_bool,
    parse_code,
    parse_date,
    parse_int,
    parse_phone,
    parse_text,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019-05-01", datetime.date(2019, 5, 1)),
        ("2019/5/1", datetime.date(2019, 5, 1)),
        ("2019.05.01", datetime.date(2019, 5, 1)),
        ("2019.5", datetime.date(2019, 5, 1)),
        ("2019.05", datetime.date(2019, 5, 1)),
        ("2019年5月", datetime.date(2019, 5, 1)),
        ("2019年5月1日", datetime.date(2019, 5, 1)),
        ("2019 年 12 月 31 日", datetime.date(2019, 12, 31)),
        ("２０１９年５月１日", datetime.date(2019, 5, 1)),
        ("20190501", datetime.date(2019, 5, 1)),
        ("2019-05-01 08:30:00", datetime.date(2019, 5, 1)),
        (" 2019-05-01\u3000", datetime.date(2019, 5, 1)),
        (43586, datetime.date(2019, 5, 1)),
        (43586.0, datetime.date(2019, 5, 1)),
        ("43586", datetime.date(2019, 5, 1)),
        (2019.5, datetime.date(2019, 5, 1)),
        (2019.12, datetime.date(2019, 12, 1)),
        (datetime.datetime(2019, 5, 1, 9, 0), datetime.date(2019, 5, 1)),
        (datetime.date(2019, 5, 1), datetime.date(2019, 5, 1)),
        (None, None),
        ("", None),
        ("\u3000", None),
    ],
)
def test_parse_date_formats(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2019-13-01", "2019-02-30", "明年", "2019.5.5.5", "0", True, 2019.13])
def test_parse_date_rejects_nonsense_with_chinese_message(raw):
    with pytest.raises(CellError) as exc:
        parse_date(raw)
    assert "日期" in exc.value.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.5", Decimal("1234.50")),
        ("1，234.56元", Decimal("1234.56")),
        ("１２３４．５", Decimal("1234.50")),
        ("12.5万元", Decimal("125000.00")),
        ("3万", Decimal("30000.00")),
        ("￥88", Decimal("88.00")),
        ("¥1,000,000", Decimal("1000000.00")),
        ("-12.345", Decimal("-12.35")),
        (1234.5, Decimal("1234.50")),
        (0.1, Decimal("0.10")),
        (1000, Decimal("1000.00")),
        (None, None),
        (" ", None),
    ],
)
def test_parse_amount_formats(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["一千元", "12..5", "1,2a", True])
def test_parse_amount_rejects_text(raw):
    with pytest.raises(CellError):
        parse_amount(raw)


def test_parse_amount_bounds():
    with pytest.raises(CellError) as exc:
        parse_amount("-1", min_value=0)
    assert exc.value.message == "不能小于 0。"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,234", 1234), ("１２３", 123), ("12.0", 12), (12.0, 12), (40, 40), ("40人", 40), ("  7 ", 7), ("", None)],
)
def test_parse_int_formats(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["12.5", 12.5, "十二", True])
def test_parse_int_rejects_fractions_and_words(raw):
    with pytest.raises(CellError) as exc:
        parse_int(raw)
    assert "整数" in exc.value.message


def test_parse_int_bounds():
    with pytest.raises(CellError) as exc:
        parse_int("100001", max_value=100000)
    assert exc.value.message == "不能大于 100000。"


def test_text_code_and_phone_trimming():
    assert parse_text("\u3000 示范市（教育局）\u3000") == "示范市（教育局）"
    assert parse_code(" ＳＦＳ－０１\u3000") == "SFS-01"
    assert parse_code(1001.0) == "1001"
    assert parse_phone("+86 139-1234-5678") == "13912345678"
    assert parse_phone("１３９１２３４５６７８") == "13912345678"
    with pytest.raises(CellError) as exc:
        parse_text("长" * 51, max_length=50)
    assert exc.value.message == "不能超过 50 个字符（现为 51 个）。"


def test_choice_parser_by_chinese_label_value_and_synonym():
    parse = choice_parser([("M", "男"), ("F", "女")], name="性别", synonyms={"男性": "M"})
    assert parse("男") == "M"
    assert parse(" 女 ") == "F"
    assert parse("男性") == "M"
    assert parse("m") == "M"
    assert parse("") is None
    with pytest.raises(CellError) as exc:
        parse("未知")
    assert exc.value.message == "“未知”不是可选的性别，可选：男、女。"
    staffing = choice_parser([("admin", "行政编制"), ("institution", "事业编制")], name="编制类型")
    assert staffing("行政编制") == "admin"
    assert staffing("（行政编制）") == "admin"


def test_parse_bool():
    assert parse_bool("是") is True
    assert parse_bool("否") is False
    assert parse_bool("") is None
    with pytest.raises(CellError):
        parse_bool("也许")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example","点我")', '\'=HYPERLINK("http://evil.example","点我")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("＝1+1", "'＝1+1"),
        ("\t=1", "'\t=1"),
        ("示范市", "示范市"),
        (-1, -1),
        (None, ""),
    ],
)
def test_safe_cell_value_neutralises_formulas(value, expected):
    assert safe_cell_value(value) == expected
