"""A streaming .xlsx cell reader (expat), several times faster than openpyxl's read-only mode.

openpyxl builds descriptor objects for every cell and scans the whole sheet for its size before the
first row; an import needs only the values. Values come out as openpyxl gives them with
``data_only=True``: shared and inline strings, numbers (int when integral in the file), booleans,
error codes as text, and numbers in a date/time format as datetime/time/timedelta. Row numbers are
the ``r`` attributes (gaps are skipped, not filled). A DOCTYPE is refused (entity expansion).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

CHUNK = 256 * 1024


class XlsxError(Exception):
    pass


def _local(name: str) -> str:
    # no namespace processing (it costs a third of the parse): drop any prefix ("x:c" -> "c")
    return name[name.index(":") + 1:] if ":" in name else name


def _parser() -> Any:
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def no_doctype(*args: Any) -> None:
        raise XlsxError("DOCTYPE not allowed")

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    return parser


def _parse_small(archive: zipfile.ZipFile, name: str) -> list[tuple[str, dict[str, str]]]:
    """(local tag, attributes with local names) of every element of a small part."""
    out: list[tuple[str, dict[str, str]]] = []
    parser = _parser()
    parser.StartElementHandler = lambda tag, attrs: out.append(
        (_local(tag), {("r:id" if k.endswith(":id") else _local(k)): v for k, v in attrs.items()}))
    parser.Parse(archive.read(name), True)
    return out


def _feed(parser: Any, archive: zipfile.ZipFile, name: str) -> Iterator[None]:
    with archive.open(name) as part:
        while True:
            chunk = part.read(CHUNK)
            parser.Parse(chunk, not chunk)
            yield None
            if not chunk:
                return


def _shared_strings(archive: zipfile.ZipFile, name: str | None) -> list[str]:
    if not name or name not in archive.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_si": False, "in_t": False}
    skip = [0]  # depth inside phonetic runs (rPh), whose text is not part of the value

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "si":
            state["in_si"] = True
            parts.clear()
        elif local in ("rPh", "phoneticPr"):
            skip[0] += 1
        elif local == "t" and state["in_si"] and not skip[0]:
            state["in_t"] = True

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "si":
            strings.append("".join(parts))
            state["in_si"] = False
        elif local in ("rPh", "phoneticPr"):
            skip[0] -= 1
        elif local == "t":
            state["in_t"] = False

    def text(data: str) -> None:
        if state["in_t"]:
            parts.append(data)

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    for _ in _feed(parser, archive, name):
        pass
    return strings


def _date_styles(archive: zipfile.ZipFile, name: str | None) -> set[int]:
    """Indexes of the cell formats (cellXfs) whose number format shows a date or time."""
    if not name or name not in archive.namelist():
        return set()
    custom: dict[int, str] = {}
    xfs: list[int] = []
    in_cell_xfs = False
    for tag, attrs in _parse_small(archive, name):
        if tag == "numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            in_cell_xfs = True
        elif tag in ("cellStyleXfs", "cellStyles", "dxfs"):
            in_cell_xfs = False
        elif tag == "xf" and in_cell_xfs:
            xfs.append(int(attrs.get("numFmtId", "0")))
    dates = set()
    for index, fmt_id in enumerate(xfs):
        code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
        if code and is_date_format(code):
            dates.add(index)
    return dates


def _column_index(ref: str) -> int:
    index = 0
    for char in ref:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


_DIGITS = "0123456789"


class _SheetReader:
    """expat handlers that turn <row>/<c>/<v> events into (row number, values) tuples."""

    def __init__(self, strings: list[str], dates: set[int], epoch: Any, text: Callable[[str], Any] | None = None
                 ) -> None:
        self.strings, self.epoch = strings, epoch
        self.text_value = text  # applied to text typed in a cell (shared strings come already mapped)
        self.dates = {str(i) for i in dates}  # style attributes as written ("s" of a cell)
        self.ready: list[tuple[int, tuple[Any, ...]]] = []
        self.row_number = 0
        self.cells: dict[int, Any] = {}
        self.col = 0
        self.kind = ""
        self.style = "0"
        self.text: list[str] = []
        self.capture = False
        self.inline = False
        self.columns: dict[str, int] = {}  # "AB" -> 27, worked out once per column

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if ":" in tag:
            tag = tag[tag.index(":") + 1:]
        if tag == "v":
            self.capture, self.text = True, []
        elif tag == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                col = self.columns.get(letters)
                if col is None:
                    col = self.columns[letters] = _column_index(letters)
                self.col = col
            else:
                self.col += 1
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s") or "0"
            self.text = []
            self.inline = False
        elif tag == "is":
            self.inline, self.text = True, []
        elif tag == "t" and self.inline:
            self.capture = True
        elif tag == "rPh":
            self.capture = False
        elif tag == "row":
            ref = attrs.get("r")
            self.row_number = int(ref) if ref else self.row_number + 1
            self.cells = {}
            self.col = -1

    def end(self, tag: str) -> None:
        if ":" in tag:
            tag = tag[tag.index(":") + 1:]
        if tag == "v" or tag == "t":
            self.capture = False
        elif tag == "c":
            text = self.text
            value = self.value(text[0] if len(text) == 1 else "".join(text))
            if value is not None:
                self.cells[self.col] = value
        elif tag == "row":
            cells = self.cells
            if cells:
                get = cells.get
                self.ready.append((self.row_number, tuple(get(i) for i in range(max(cells) + 1))))
            else:
                self.ready.append((self.row_number, ()))

    def data(self, text: str) -> None:
        if self.capture:
            self.text.append(text)

    def value(self, raw: str) -> Any:
        kind = self.kind
        if kind == "s":
            return self.strings[int(raw)] if raw else None
        if kind == "inlineStr":
            return self.text_value(raw) if self.text_value else raw
        if raw == "":
            return None
        if kind == "str":
            return self.text_value(raw) if self.text_value else raw
        if kind == "e":
            return raw
        if kind == "b":
            return bool(int(raw))
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(raw)
        number: Any = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
        if self.style in self.dates:
            return from_excel(number, self.epoch)
        return number


class Workbook:
    def __init__(self, handle: IO[bytes]) -> None:
        self.archive = zipfile.ZipFile(handle)
        names = set(self.archive.namelist())
        rels = {a["Id"]: a["Target"] for tag, a in _parse_small(self.archive, "xl/_rels/workbook.xml.rels")
                if tag == "Relationship" and "Id" in a and "Target" in a}
        types = {a.get("Type", "").rsplit("/", 1)[-1]: a["Target"]
                 for tag, a in _parse_small(self.archive, "xl/_rels/workbook.xml.rels") if tag == "Relationship"}

        def part(target: str | None) -> str | None:
            if not target:
                return None
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return path if path in names else None

        epoch = CALENDAR_WINDOWS_1900
        self.sheets: list[tuple[str, str, str]] = []  # (name, state, part)
        for tag, attrs in _parse_small(self.archive, "xl/workbook.xml"):
            if tag == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                epoch = CALENDAR_MAC_1904
            elif tag == "sheet":
                path = part(rels.get(attrs.get("r:id") or attrs.get("id", "")))
                if path:
                    self.sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), path))
        self.strings = _shared_strings(self.archive, part(types.get("sharedStrings")))
        self.dates = _date_styles(self.archive, part(types.get("styles")))
        self.epoch = epoch

    def rows(self, part: str, text: Callable[[str], Any] | None = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, cell values) of a worksheet part; ``text`` maps every text value (once per shared
        string, not once per cell)."""
        strings = [text(v) for v in self.strings] if text else self.strings
        reader = _SheetReader(strings, self.dates, self.epoch, text)
        parser = _parser()
        parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
        parser.CharacterDataHandler = reader.data
        for _ in _feed(parser, self.archive, part):
            if reader.ready:
                ready, reader.ready = reader.ready, []
                yield from ready

    def close(self) -> None:
        self.archive.close()
