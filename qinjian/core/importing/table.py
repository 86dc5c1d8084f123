"""Finding the header row and turning sheet rows into parsed rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from .parsing import _SPACES, CellError, choice_key, is_blank
from .reader import ImportRefused, Sheet, max_rows, open_sheets
from .spec import Column, ParsedRow, Progress, Table, no_progress

HEADER_SCAN_ROWS = 30


def header_key(text: Any) -> str:
    """Headers compare without notes in brackets, asterisks, spaces or width: 单位编码（必填）* == 单位编码."""
    if is_blank(text):
        return ""
    value = str(text)
    value = re.sub(r"[(（【\[][^)）】\]]*[)）】\]]", "", value)
    return choice_key(value.replace("必填", "").replace("选填", ""))


def _lookup(columns: Sequence[Column]) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in columns:
        for name in (column.label, *column.synonyms):
            table.setdefault(header_key(name), column.key)
    return table


def match_header(cells: Sequence[Any], columns: Sequence[Column]) -> dict[str, tuple[int, str]]:
    """Column key -> (index, header text) for the cells of one row that name a known column."""
    lookup = _lookup(columns)
    found: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(cells):
        key = lookup.get(header_key(cell))
        if key and key not in found:
            found[key] = (index, str(cell).strip())
    return found


def _merge_header(upper: Sequence[Any], lower: Sequence[Any], columns: Sequence[Column]
                  ) -> dict[str, tuple[int, str]] | None:
    """A two-row header (merged cells: 价值 over 原值 | 财政拨款 | 非财政拨款): per column the lower
    row's name when it names a column, else the upper row's. None unless the lower row is a header row
    (most of its filled cells name columns) that adds something."""
    filled = [c for c in lower if not is_blank(c)]
    below = match_header(lower, columns)
    if not below or len(below) * 2 < len(filled):
        return None
    lookup = _lookup(columns)
    found: dict[str, tuple[int, str]] = {}
    for index in range(max(len(upper), len(lower))):
        for cells in (lower, upper):
            cell = cells[index] if index < len(cells) else None
            key = lookup.get(header_key(cell))
            if key and key not in found and index not in {i for i, _ in found.values()}:
                found[key] = (index, str(cell).strip())
                break
    return found


def _find_header(rows: list[tuple[int, tuple[Any, ...]]], columns: Sequence[Column]
                 ) -> tuple[int, dict[str, tuple[int, str]]] | None:
    """(last header row, mapping) of the row — or pair of rows — naming the most columns."""
    best: tuple[int, dict[str, tuple[int, str]]] | None = None
    need = 1 if len(columns) == 1 else 2
    for position, (number, cells) in enumerate(rows):
        found = match_header(cells, columns)
        if len(found) >= need and (best is None or len(found) > len(best[1])):
            best = (number, found)
        if found and position + 1 < len(rows):
            next_number, next_cells = rows[position + 1]
            merged = _merge_header(cells, next_cells, columns)
            if merged and len(merged) > len(found) and (best is None or len(merged) > len(best[1])):
                best = (next_number, merged)
    return best


def read_table(handle: IO[bytes], columns: Sequence[Column], *, example: dict[str, Any] | None = None,
               progress: Progress = no_progress, stream: bool = False) -> Table:
    """The first sheet with a recognisable header, its rows parsed per column (errors kept per cell).

    ``stream=True``: the rows are not read here but as the table's consumer iterates them
    (``Table.each``/``Table.chunks``), while ``handle`` stays open."""
    limit = max_rows()
    missing_message = ""
    for sheet in open_sheets(handle):
        head = _take(sheet, HEADER_SCAN_ROWS)
        found = _find_header(head, columns)
        if found is None:
            continue
        header_row, mapping = found
        missing = [c.label for c in columns if c.required and c.key not in mapping]
        if missing:
            missing_message = (f"工作表“{sheet.name}”第 {header_row} 行的表头缺少必填列：{'、'.join(missing)}。"
                               "请使用导入模板，或把列名改成模板中的名称。")
            continue
        # streamed: reading and validating are one pass, whose progress the spec reports
        rows = _parse_rows(sheet, head, header_row, mapping, columns, limit, example or {},
                           no_progress if stream else progress)
        headers = {key: text for key, (_, text) in mapping.items()}
        if stream:
            return Table(sheet.name, header_row, headers, [], source=rows)
        table = Table(sheet.name, header_row, headers, list(rows))
        table.count = len(table.rows)
        return table
    if missing_message:
        raise ImportRefused(missing_message)
    names = "、".join(c.label for c in columns if c.required)
    raise ImportRefused(f"在文件中没有找到表头。表头应包含这些列：{names}。请使用导入模板。")


def _take(sheet: Sheet, n: int) -> list[tuple[int, tuple[Any, ...]]]:
    head = []
    for item in sheet.rows:
        head.append(item)
        if len(head) >= n:
            break
    return head


# Each column remembers its parser's result (ok, value or error) for up to MEMO_SIZE distinct cells:
# ledgers repeat names, dates, amounts and statuses a lot, and a parser is a pure function of the cell.
# Cells are told apart by type too (1, 1.0 and True are equal in Python but not to every parser).
MEMO_SIZE = 4096


def _parse_cell(parser: Callable[[Any], Any], value: Any) -> tuple[bool, Any]:
    try:
        return True, parser(value)
    except CellError as exc:
        return False, exc.message


def _parse_rows(sheet: Sheet, head: list[tuple[int, tuple[Any, ...]]], header_row: int,
                mapping: dict[str, tuple[int, str]], columns: Sequence[Column], limit: int,
                example: dict[str, Any], progress: Progress) -> Iterator[ParsedRow]:
    by_key = {c.key: c for c in columns}
    wanted: list[tuple[str, int, Callable[[Any], Any], dict[tuple[type, Any], tuple[bool, Any]]]] = [
        (key, index, by_key[key].parser, {}) for key, (index, _) in mapping.items()]
    example_cells = [(k, str(v)) for k, v in example.items() if k in mapping]
    spaces = _SPACES
    count = 0

    def rows() -> Any:
        for number, cells in head:
            if number > header_row:
                yield number, cells
        yield from sheet.rows

    for number, cells in rows():
        width = len(cells)
        raw: dict[str, Any] = {}
        filled = False
        for key, index, _, _ in wanted:
            value = raw[key] = cells[index] if index < width else None
            if not filled and value is not None and (value.__class__ is not str or value.strip(spaces)):
                filled = True
        if not filled:
            continue
        if example_cells and all(str(raw[k] if raw[k] is not None else "") == v for k, v in example_cells):
            continue  # the template's example row, left in by the user
        if count >= limit:
            raise ImportRefused(f"文件中的数据超过 {limit} 行，请分成几个文件导入。")
        values: dict[str, Any] = {}
        failed: dict[str, str] = {}
        for key, _, parser, memo in wanted:
            value = raw[key]
            memo_key = (value.__class__, value)
            found = memo.get(memo_key)
            if found is None:
                found = _parse_cell(parser, value)
                if len(memo) < MEMO_SIZE:
                    memo[memo_key] = found
            if found[0]:
                values[key] = found[1]
            else:
                failed[key] = found[1]
        count += 1
        yield ParsedRow(number, values, raw, failed)
        if count % 5000 == 0:
            progress("read", count, 0)
