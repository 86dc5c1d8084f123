"""Typed parsing of spreadsheet cells, shared by every ledger's importer.

Each parser takes the raw cell value (str, int, float, datetime, date, None) and returns a Python
value, or raises :class:`CellError` with a Chinese message. Empty cells give ``None``
(``parse_text`` gives ``""``); whether a value is required is the column's business.
"""

from __future__ import annotations

import datetime
import decimal
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # the 1900 date system, including Lotus's 1900-02-29 bug
_MAX_SERIAL = 2958465  # 9999-12-31
_SPACES = " \t\r\n\u3000\u00a0\u200b\ufeff"
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:(?:[-/.月]\s*(\d{1,2})\s*日?)|月)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_SUFFIX = re.compile(r"[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_WHITESPACE = re.compile(r"\s+")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_NUMBER_NOISE = re.compile(r"[\s,，_']")


class CellError(ValueError):
    """A cell that cannot be read as the column's type; the message is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip(_SPACES) == "")


def normalise(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width (NFKC), trimmed."""
    if text.isascii():  # NFKC leaves ASCII as it is
        return text.strip(_SPACES)
    return unicodedata.normalize("NFKC", text).strip(_SPACES)


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number: 1001.0 -> "1001"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != datetime.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def parse_text(value: Any, *, max_length: int | None = None) -> str:
    """Free text (names, addresses): trimmed of ASCII and full-width spaces, otherwise kept as typed."""
    if is_blank(value):
        return ""
    text = _as_text(value).strip(_SPACES)
    if "\n" in text or "\r" in text:
        text = _LINE_BREAKS.sub(" ", text)
    if max_length is not None and len(text) > max_length:
        raise CellError(f"不能超过 {max_length} 个字符（现为 {len(text)} 个）。")
    return text


def parse_code(value: Any, *, max_length: int | None = None) -> str:
    """Identifiers (unit codes, person codes): half-width, no spaces anywhere."""
    if is_blank(value):
        return ""
    text = _WHITESPACE.sub("", normalise(_as_text(value)))
    if max_length is not None and len(text) > max_length:
        raise CellError(f"不能超过 {max_length} 个字符（现为 {len(text)} 个）。")
    return text


def parse_phone(value: Any) -> str:
    """Phone numbers: half-width digits without spaces, hyphens or a +86 prefix."""
    if is_blank(value):
        return ""
    text = _PHONE_NOISE.sub("", normalise(_as_text(value)))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def _number_text(value: Any) -> str:
    text = normalise(_as_text(value))
    text = _NUMBER_NOISE.sub("", text)
    return text.replace("。", ".")


def parse_int(value: Any, *, min_value: int | None = None, max_value: int | None = None,
              suffixes: Iterable[str] = ("人", "个", "名", "辆", "间", "台", "件")) -> int | None:
    """Integers: ``1,234``, ``１２３``, ``12.0``, ``40人``."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("应为整数。")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"应为整数，不能是“{value}”。")
        number = int(value)
    else:
        text = _number_text(value)
        for suffix in suffixes:
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                break
        if not _NUMBER.match(text):
            raise CellError(f"“{parse_text(value)}”不是整数。")
        dec = decimal.Decimal(text)
        if dec != dec.to_integral_value():
            raise CellError(f"应为整数，不能是“{parse_text(value)}”。")
        number = int(dec)
    if min_value is not None and number < min_value:
        raise CellError(f"不能小于 {min_value}。")
    if max_value is not None and number > max_value:
        raise CellError(f"不能大于 {max_value}。")
    return number


def parse_amount(value: Any, *, places: int = 2, min_value: decimal.Decimal | int | None = None,
                 max_value: decimal.Decimal | int | None = None) -> decimal.Decimal | None:
    """Money in yuan: ``1,234.5``, ``1234.50元``, ``12.5万元`` (= 125000.00), ``￥88``, full-width digits."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("应为金额。")
    if isinstance(value, int | decimal.Decimal):
        amount = decimal.Decimal(value)
    elif isinstance(value, float):
        amount = decimal.Decimal(repr(value))
    else:
        text = _number_text(value).replace("¥", "").replace("￥", "").replace("RMB", "").replace("人民币", "")
        factor = decimal.Decimal(1)
        for suffix, mult in (("万元", 10000), ("万", 10000), ("亿元", 100000000), ("亿", 100000000), ("元", 1)):
            if text.endswith(suffix):
                text, factor = text[: -len(suffix)], decimal.Decimal(mult)
                break
        if not _NUMBER.match(text):
            raise CellError(f"“{parse_text(value)}”不是有效的金额。")
        amount = decimal.Decimal(text) * factor
    quantum = decimal.Decimal(1).scaleb(-places)
    amount = amount.quantize(quantum, rounding=decimal.ROUND_HALF_UP)
    if min_value is not None and amount < decimal.Decimal(min_value):
        raise CellError(f"不能小于 {min_value}。")
    if max_value is not None and amount > decimal.Decimal(max_value):
        raise CellError(f"不能大于 {max_value}。")
    return amount


def _serial_to_date(serial: float) -> datetime.date:
    if not 1 <= serial <= _MAX_SERIAL:
        raise CellError(f"“{serial}”不是有效的日期。")
    return EXCEL_EPOCH + datetime.timedelta(days=int(serial))


def _make_date(year: int, month: int, day: int, original: Any) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(f"“{parse_text(original)}”不是有效的日期。") from None


def parse_date(value: Any) -> datetime.date | None:
    """Dates as people type them: ``2019-05-01``, ``2019/5/1``, ``2019.05.01``, ``2019.5``, ``2019年5月``,
    ``2019年5月1日``, ``20190501``, Excel serial numbers and date cells. A month alone gives its 1st day."""
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise CellError("不是有效的日期。")
    if isinstance(value, float) and 1900 <= value < 2200 and not value.is_integer():
        # A "2019.5" typed into a number cell: year.month (Excel drops the zero of 2019.10).
        year_text, _, month_text = repr(value).partition(".")
        return _make_date(int(year_text), int(month_text), 1, value)
    if isinstance(value, int | float):
        return _serial_to_date(float(value))
    text = normalise(str(value))
    text = _TIME_SUFFIX.sub("", text).strip()
    match = _DATE.match(text)
    if match:
        year, month, day = match.group(1), match.group(2), match.group(3)
        return _make_date(int(year), int(month), int(day) if day else 1, value)
    match = _COMPACT_DATE.match(text)
    if match:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), value)
    if re.fullmatch(r"\d{1,7}(\.\d+)?", text):
        return _serial_to_date(float(text))
    raise CellError(f"“{parse_text(value)}”不是有效的日期，请写成 2019-05-01、2019年5月1日 或 2019.5 这样的格式。")


def choice_key(text: str) -> str:
    """The comparison key for choice labels and headers: half-width, no spaces or brackets, lower case."""
    text = normalise(text).lower()
    return re.sub(r"[\s()\[\]{}<>【】〔〕\"'“”‘’*:：]", "", text)


def choice_parser(choices: Iterable[tuple[str, str]], *, synonyms: dict[str, str] | None = None,
                  name: str = "") -> Callable[[Any], str | None]:
    """A parser mapping a Chinese label (or the stored value, or a synonym) to the stored value.

    ``choices`` are Django (value, label) pairs; ``synonyms`` maps extra labels to values.
    """
    pairs = list(choices)
    table: dict[str, str] = {}
    for stored, label in pairs:
        table[choice_key(str(stored))] = stored
        table[choice_key(str(label))] = stored
    for label, stored in (synonyms or {}).items():
        table[choice_key(label)] = stored
    allowed = "、".join(str(label) for _, label in pairs)

    def parse(value: Any) -> str | None:
        if is_blank(value):
            return None
        key = choice_key(_as_text(value))
        if key in table:
            return table[key]
        raise CellError(f"“{parse_text(value)}”不是可选的{name}，可选：{allowed}。")

    parse.allowed_labels = [str(label) for _, label in pairs]  # type: ignore[attr-defined]
    return parse


def parse_bool(value: Any) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    key = choice_key(_as_text(value))
    if key in {"是", "y", "yes", "true", "1", "有", "√", "✓"}:
        return True
    if key in {"否", "n", "no", "false", "0", "无", "×", "x"}:
        return False
    raise CellError(f"“{parse_text(value)}”应填“是”或“否”。")
