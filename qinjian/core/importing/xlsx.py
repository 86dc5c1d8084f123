"""A streaming .xlsx cell reader, several times faster than openpyxl's read-only mode.

openpyxl builds descriptor objects for every cell and scans the whole sheet for its size before the
first row; an import needs only the values. Values come out as openpyxl gives them with
``data_only=True``: shared and inline strings, numbers (int when integral in the file), booleans,
error codes as text, and numbers in a date/time format as datetime/time/timedelta. Row numbers are
the ``r`` attributes (gaps are skipped, not filled). A DOCTYPE is refused (entity expansion).

Worksheets are read by a scanner of regular expressions over the decoded text (``_scan_rows``): a
sheet is a flat run of ``<row>``/``<c>`` elements, and the per-element Python callbacks of expat cost
most of an import's read time. Anything the scanner does not expect — a comment, CDATA, a DOCTYPE, a
processing instruction, an encoding other than UTF-8 — sends the part to expat (``_expat_rows``), which
skips the rows already given.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from html import unescape
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
        self.phonetic = False
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
        elif tag == "t" and self.inline and not self.phonetic:
            self.capture = True
        elif tag == "rPh":  # a phonetic run: its text is not part of the value
            self.capture, self.phonetic = False, True
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
        elif tag == "rPh":
            self.phonetic = False
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



class _Unusual(Exception):
    """The part holds markup the scanner leaves to expat."""


_SHEET_DATA = re.compile(r"<([A-Za-z_][\w.-]*:)?sheetData\b[^>]*>")
_ROW_NUMBER = re.compile(r"""\sr\s*=\s*["'](\d+)["']""")
_ATTRIBUTE = re.compile(r"""\s([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml\b([^?]*)\?>")
_DECLARED_ENCODING = re.compile(r"""encoding\s*=\s*["']([\w.-]+)["']""")


def _text(raw: str) -> str:
    """Character data as an XML parser gives it: line ends normalised, then references replaced (so a
    written ``&#13;`` stays a carriage return)."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        raw = unescape(raw)
    return raw


class _Scanner:
    """Rows of a worksheet's ``sheetData`` text, for the part's namespace prefix ("" or "x:").

    :meth:`rows` takes a run of complete rows. Cells as Excel, WPS, LibreOffice and openpyxl write them
    (``<c r="B7" …>`` holding ``<v>…</v>``, a plain ``<is><t>…</t></is>`` or nothing) are read by one
    expression over the whole run; when the run holds any other shape (a formula, rich text, a cell
    without a reference) it is read row by row, cell by cell.
    """

    def __init__(self, reader: _SheetReader, prefix: str) -> None:
        p = re.escape(prefix)
        self.reader = reader
        self.fast = re.compile(
            rf"(<{p}row\b[^>]*>)|<{p}c r=\"([A-Z]{{1,3}})\d+\"([^>/]*)"
            rf"(?:/>|>(?:<{p}v>([^<]*)</{p}v>|<{p}is><{p}t>([^<]*)</{p}t></{p}is>)?</{p}c>)")
        self.row = re.compile(rf"<{p}row\b([^>]*?)(?:/>|>(.*?)</{p}row>)", re.S)
        self.cell = re.compile(rf"<{p}c(?=[\s/>])(?:\s+r=\"([A-Z]{{1,3}})\d+\")?([^>]*?)(?:/>|>(.*?)</{p}c>)", re.S)
        self.value_at = re.compile(rf"<{p}v>([^<]*)</{p}v>")
        self.text_at = re.compile(rf"<{p}t(?:\s[^>]*)?>([^<]*)</{p}t>")
        self.phonetic = re.compile(rf"<{p}rPh\b.*?</{p}rPh>", re.S)
        self.v_open = f"<{prefix}v>"
        self.cell_opens = (f"<{prefix}c ", f"<{prefix}c>", f"<{prefix}c/>")
        self.row_opens = (f"<{prefix}row ", f"<{prefix}row>", f"<{prefix}row/>")
        self.attributes: dict[str, tuple[str | None, str, str]] = {}

    def _attributes(self, text: str) -> tuple[str | None, str, str]:
        """(column letters or None, type, style) of a cell's attribute text."""
        found = self.attributes.get(text)
        if found is None:
            values = {m[1]: m[2] if m[2] is not None else m[3] for m in _ATTRIBUTE.finditer(text)}
            ref = values.get("r")
            found = (ref.rstrip(_DIGITS) if ref else None, values.get("t", "n"), values.get("s") or "0")
            if ref is None and len(self.attributes) < 4096:  # without the cell's reference, the text repeats
                self.attributes[text] = found
        return found

    def _column(self, letters: str) -> int:
        col = self.reader.columns.get(letters)
        if col is None:
            col = self.reader.columns[letters] = _column_index(letters)
        return col

    def _value(self, kind: str, style: str, raw: str, plain: bool) -> Any:
        reader = self.reader
        if kind == "s":
            return reader.strings[int(raw)] if raw else None
        if not plain:
            raw = _text(raw)
        reader.kind, reader.style = kind, style
        return reader.value(raw)

    def rows(self, text: str) -> list[tuple[int, tuple[Any, ...]]]:
        fast = self.fast.findall(text)
        count = text.count
        opens = sum(count(o) for o in self.cell_opens) + sum(count(o) for o in self.row_opens)
        if len(fast) != opens:
            return self._rows_one_by_one(text)
        plain = "&" not in text and "\r" not in text
        out: list[tuple[int, tuple[Any, ...]]] = []
        number = self.reader.row_number
        row: list[Any] | None = None
        attributes, columns, value = self.attributes, self.reader.columns, self._value
        strings, text_value = self.reader.strings, self.reader.text_value
        for row_tag, letters, rest, v, inline in fast:
            if row_tag:
                if row is not None:
                    out.append((number, tuple(row)))
                found = _ROW_NUMBER.search(row_tag)
                number = int(found[1]) if found else number + 1
                row = []
                continue
            if row is None:
                continue  # a cell outside a row: not a worksheet we know
            kind_style = attributes.get(rest) or self._attributes(rest)
            kind = kind_style[1]
            # the common kinds inline; the rest as the expat reader does
            if kind == "inlineStr" and plain:
                cell = text_value(inline) if text_value else inline
            elif kind == "s":
                if not v:
                    continue
                cell = strings[int(v)]
            else:
                cell = value(kind, kind_style[2], inline if kind == "inlineStr" else v, plain)
                if cell is None:
                    continue
            col = columns.get(letters)
            if col is None:
                col = self._column(letters)
            width = len(row)
            if col == width:
                row.append(cell)
            elif col > width:
                row.extend([None] * (col - width))
                row.append(cell)
            else:
                row[col] = cell
        if row is not None:
            out.append((number, tuple(row)))
        self.reader.row_number = number
        return out

    def _cell_text(self, kind: str, body: str) -> str:
        if not body:
            return ""
        if kind == "inlineStr":
            if "rPh" in body:
                body = self.phonetic.sub("", body)
            return "".join(self.text_at.findall(body))
        if body.startswith(self.v_open):
            return body[len(self.v_open):body.find("<", len(self.v_open))]
        found = self.value_at.search(body)
        return found[1] if found else ""

    def _rows_one_by_one(self, text: str) -> list[tuple[int, tuple[Any, ...]]]:
        out: list[tuple[int, tuple[Any, ...]]] = []
        number = self.reader.row_number
        for row in self.row.finditer(text):
            found = _ROW_NUMBER.search(row[1]) if row[1] else None
            number = int(found[1]) if found else number + 1
            cells: dict[int, Any] = {}
            col = -1
            for letters, rest, body in self.cell.findall(row[2] or ""):
                other, kind, style = self._attributes(rest)
                letters = letters or other
                col = self._column(letters) if letters else col + 1
                cell = self._value(kind, style, self._cell_text(kind, body), False)
                if cell is not None:
                    cells[col] = cell
            get = cells.get
            out.append((number, tuple(get(i) for i in range(max(cells) + 1)) if cells else ()))
        self.reader.row_number = number
        return out


def _scan_rows(archive: zipfile.ZipFile, part: str, reader: _SheetReader) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows of a worksheet part, read in chunks; raises _Unusual for markup left to expat."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    scanner: _Scanner | None = None
    pending = ""
    first = True
    close_row = close_data = ""
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(CHUNK)
            final = not chunk
            try:
                text = pending + decoder.decode(chunk, final=final)
            except UnicodeDecodeError:
                raise _Unusual from None  # another encoding (UTF-16 …): expat reads it or says why not
            if first:
                first = False
                text = text.removeprefix("\ufeff")
                declaration = _DECLARATION.match(text)
                if declaration:
                    encoding = _DECLARED_ENCODING.search(declaration[1])
                    if encoding and encoding[1].lower().replace("_", "-") not in ("utf-8", "utf8"):
                        raise _Unusual
                    text = text[declaration.end():]
            if "<!" in text or "<?" in text:
                raise _Unusual
            if scanner is None:
                opening = _SHEET_DATA.search(text)
                if opening is None:
                    if final:
                        return
                    pending = text  # the sheet's data has not begun yet
                    continue
                if opening[0].endswith("/>"):
                    return  # <sheetData/>: no rows
                prefix = opening[1] or ""
                scanner = _Scanner(reader, prefix)
                close_row, close_data = f"</{prefix}row>", f"</{prefix}sheetData>"
                text = text[opening.end():]
            done = text.find(close_data)
            if done >= 0:
                yield from scanner.rows(text[:done])
                return
            if final:
                yield from scanner.rows(text)
                return
            cut = text.rfind(close_row)
            if cut < 0:
                pending = text
                continue
            cut += len(close_row)
            yield from scanner.rows(text[:cut])
            pending = text[cut:]


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
        given = 0
        try:
            for row in _scan_rows(self.archive, part, _SheetReader(strings, self.dates, self.epoch, text)):
                yield row
                given += 1
            return
        except _Unusual:
            pass
        for row in self._expat_rows(part, strings, text):
            if given:
                given -= 1
            else:
                yield row

    def _expat_rows(self, part: str, strings: list[Any], text: Callable[[str], Any] | None
                    ) -> Iterator[tuple[int, tuple[Any, ...]]]:
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
