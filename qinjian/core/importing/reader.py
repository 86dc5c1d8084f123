"""Reading an uploaded spreadsheet safely: check the content (not the name), then yield its rows.

An .xlsx is a zip: it must hold ``[Content_Types].xml`` and ``xl/workbook.xml``, and its members'
uncompressed sizes and compression ratios are checked before openpyxl opens it (zip bombs).
Anything else must decode as text (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves CSV).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from qinjian.core.errors import DomainError

# Magic numbers of files people rename by mistake (or on purpose).
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "这是旧版 Excel（.xls）或 Word（.doc）文件。请在 Excel 中“另存为”.xlsx 格式后再上传。"),
    (b"MZ", "这是一个可执行程序，不是 Excel 文件。"),
    (b"%PDF", "这是 PDF 文件，不是 Excel 文件。"),
    (b"\x7fELF", "这是一个可执行程序，不是 Excel 文件。"),
    (b"\x89PNG", "这是图片文件，不是 Excel 文件。"),
    (b"\xff\xd8\xff", "这是图片文件，不是 Excel 文件。"),
    (b"GIF8", "这是图片文件，不是 Excel 文件。"),
    (b"Rar!", "这是压缩包，不是 Excel 文件。"),
    (b"7z\xbc\xaf", "这是压缩包，不是 Excel 文件。"),
    (b"\x1f\x8b", "这是压缩包，不是 Excel 文件。"),
]


class ImportRefused(DomainError):
    """The file as a whole cannot be imported (wrong type, too big, no header ...)."""

    code = "import_refused"


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return limit("QINJIAN_MAX_IMPORT_BYTES", 20 * 1024 * 1024)


def max_rows() -> int:
    return limit("QINJIAN_IMPORT_MAX_ROWS", 100_000)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def sniff(head: bytes) -> str:
    """'xlsx' or 'csv' from the first bytes, or raise ImportRefused with the reason."""
    if not head:
        raise ImportRefused("上传的文件是空的。")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PK"):
        raise ImportRefused("文件不是有效的 Excel（.xlsx）文件。")
    for magic, message in _SIGNATURES:
        if head.startswith(magic):
            raise ImportRefused(message)
    sample = head[:4096]
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused("文件不是 Excel（.xlsx）或 CSV 文件。")
    return "csv"


def check_size(size: int) -> None:
    if size <= 0:
        raise ImportRefused("上传的文件是空的。")
    if size > max_bytes():
        raise ImportRefused(f"文件太大（{_mb(size)}），单个导入文件不能超过 {_mb(max_bytes())}。请分成几个文件导入。")


def check_xlsx_archive(handle: IO[bytes]) -> None:
    """Refuse archives that are not a workbook, or that would expand to far more than they weigh."""
    max_total = limit("QINJIAN_IMPORT_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024)
    max_ratio = limit("QINJIAN_IMPORT_MAX_COMPRESSION_RATIO", 200)
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ImportRefused("文件已损坏，或不是有效的 Excel（.xlsx）文件。") from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise ImportRefused("这是 Word 文档，不是 Excel 文件。")
        raise ImportRefused("文件不是有效的 Excel（.xlsx）文件（缺少工作簿内容）。")
    if len(infos) > 10_000:
        raise ImportRefused("文件结构异常（包含的部件过多），已拒绝处理。")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > max_ratio:
            raise ImportRefused("文件解压后体积异常（疑似“压缩炸弹”），已拒绝处理。")
    if total > max_total:
        raise ImportRefused(f"文件解压后超过 {_mb(max_total)}，已拒绝处理。请分成几个文件导入。")
    handle.seek(0)


@dataclass
class Sheet:
    name: str
    rows: Iterator[tuple[int, tuple[Any, ...]]]  # (row number as Excel shows it, cell values)


def _unquote(value: Any) -> Any:
    # Our exports prefix formula-like text with an apostrophe; take it off on the way back in.
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r＝＋－＠":
        return value[1:]
    return value


def _xlsx_sheets(handle: IO[bytes]) -> Iterator[Sheet]:
    from .xlsx import Workbook

    check_xlsx_archive(handle)
    try:
        workbook = Workbook(handle)
    except Exception:  # malformed parts raise many kinds
        raise ImportRefused("无法读取该 Excel 文件，文件可能已损坏。请用 Excel 打开后另存为 .xlsx 再上传。") from None

    def rows(part: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            yield from workbook.rows(part, text=_unquote)
        except ImportRefused:
            raise
        except Exception:
            raise ImportRefused("读取 Excel 内容时出错，文件可能已损坏。") from None

    try:
        for name, state, part in workbook.sheets:
            if state != "visible":
                continue
            yield Sheet(name, rows(part))
    finally:
        workbook.close()


def decode_text(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused("无法识别 CSV 文件的文字编码，请另存为“CSV UTF-8”或 Excel（.xlsx）格式。")


def _csv_sheet(handle: IO[bytes]) -> Sheet:
    text = decode_text(handle.read())
    if "\x00" in text:
        raise ImportRefused("文件不是 Excel（.xlsx）或 CSV 文件。")
    first = text[:4096].split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            for number, values in enumerate(reader, start=1):
                yield number, tuple(_unquote(v) for v in values)
        except csv.Error:
            raise ImportRefused("CSV 文件格式有误（引号不成对或含有非法字符）。") from None

    return Sheet("CSV", rows())


def open_sheets(handle: IO[bytes]) -> Iterator[Sheet]:
    """Sheets of the workbook (or the single CSV 'sheet'), after the content checks."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    check_size(size)
    handle.seek(0)
    kind = sniff(handle.read(8192))
    handle.seek(0)
    if kind == "xlsx":
        yield from _xlsx_sheets(handle)
    else:
        yield _csv_sheet(handle)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"')


def estimate_rows(file: Any, file_format: str) -> int:
    """About how many rows a stored upload has, cheaply (to decide whether to import in the background).

    .xlsx: the largest ``<dimension>`` of its worksheets (read from the first bytes of each part), or
    the parts' uncompressed size when a producer wrote none; CSV: its line count.
    """
    try:
        with file.open("rb") as handle:
            if file_format != "xlsx":
                return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1024 * 1024), b""))
            with zipfile.ZipFile(handle) as archive:
                best = 0
                for info in archive.infolist():
                    if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                        continue
                    with archive.open(info) as part:
                        match = _DIMENSION.search(part.read(4096))
                    best = max(best, int(match.group(1)) if match else info.file_size // 300)
                return best
    except (OSError, ValueError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        return 0  # unreadable: validation (inline) says why
