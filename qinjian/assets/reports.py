"""Excel reports of the asset ledger: the year-end asset report (行政事业单位国有资产年度报告 style) and the
ledger as of a date. Cells go through ``qinjian.core.excel.safe_cell_value`` (no formula injection)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from qinjian.core.excel import safe_cell_value, write_xlsx
from qinjian.org.models import Unit

from .choices import AssetStatus, MovementKind
from .selectors import (
    Figures,
    LedgerFilter,
    class_names,
    class_rows,
    decorate_cards,
    kind_rows,
    ledger_cards,
    ledger_summary,
    movements,
    period_by_class,
    period_by_unit,
    unit_rows,
)

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="EAF0F8")
MONEY_FORMAT = "#,##0.00"


def _scope_label(user: Any, unit: Unit | None) -> str:
    if unit is not None:
        return unit.name
    assignment_unit = getattr(getattr(user, "get_active_assignment", lambda: None)(), "unit", None)
    return assignment_unit.name if assignment_unit is not None else "全部单位"


class _Sheet:
    """A small helper over an openpyxl worksheet: titled, bordered, money formatted, safe values."""

    def __init__(self, wb: Workbook, title: str, first: bool = False) -> None:
        self.ws = wb.active if first else wb.create_sheet()
        self.ws.title = title[:31]
        self.row = 1

    def title(self, text: str, width: int, sub: str = "") -> None:
        self.ws.cell(row=self.row, column=1, value=safe_cell_value(text)).font = Font(bold=True, size=14)
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=width)
        self.ws.cell(row=self.row, column=1).alignment = Alignment(horizontal="center")
        self.row += 1
        if sub:
            self.ws.cell(row=self.row, column=1, value=safe_cell_value(sub))
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=width)
            self.row += 1

    def header(self, groups: Sequence[tuple[str, int]], subs: Sequence[str]) -> None:
        """Two header rows: ``groups`` (label, columns spanned) over ``subs``; a group of one spans both rows."""
        col = 1
        top, bottom = self.row, self.row + 1
        sub_iter = iter(subs)
        for label, span in groups:
            cell = self.ws.cell(row=top, column=col, value=safe_cell_value(label))
            if span == 1:
                self.ws.merge_cells(start_row=top, start_column=col, end_row=bottom, end_column=col)
                next(sub_iter, None)
            else:
                self.ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + span - 1)
                for i in range(span):
                    self.ws.cell(row=bottom, column=col + i, value=safe_cell_value(next(sub_iter, "")))
            col += span
        for r in (top, bottom):
            for c in range(1, col):
                cell = self.ws.cell(row=r, column=c)
                cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BORDER
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.row += 2

    def line(self, values: Sequence[Any], *, bold: bool = False, indent: int = 0) -> None:
        for c, value in enumerate(values, start=1):
            cell = self.ws.cell(row=self.row, column=c, value=safe_cell_value(value))
            cell.border = BORDER
            if isinstance(value, Decimal | float):
                cell.number_format = MONEY_FORMAT
            if bold:
                cell.font = Font(bold=True)
            if c == 2 and indent:
                cell.alignment = Alignment(indent=indent)
        self.row += 1

    def widths(self, widths: Sequence[int]) -> None:
        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w
        self.ws.freeze_panes = self.ws.cell(row=self.row, column=3)


def _q(f: Figures | None) -> int:
    return f.quantity if f else 0


def _v(f: Figures | None) -> Decimal:
    return f.value if f else Decimal("0.00")


def year_report_workbook(*, user: Any, year: int, unit: Unit | None = None) -> Workbook:
    """The year-end report of the units in the user's scope (or ``unit`` and its subunits)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    opening_day = start - datetime.timedelta(days=1)
    names = class_names()
    opening = ledger_summary(user, opening_day, unit=unit, by_unit=False)
    closing_by_unit = ledger_summary(user, end, unit=unit, by_unit=True)
    closing: dict[tuple[int | None, str], Figures] = {}
    for (_, cls), f in closing_by_unit.items():
        closing.setdefault((None, cls), Figures()).add(f)
    period = movements(user, start, end, unit=unit)
    inc, dec = period_by_class(period)
    keys = set(opening) | set(closing) | set(inc) | set(dec)
    rows_open = {r.code: r for r in class_rows({k: opening.get(k, Figures()) for k in keys}, names=names)}
    rows_inc = {r.code: r for r in class_rows({k: inc.get(k, Figures()) for k in keys}, names=names)}
    rows_dec = {r.code: r for r in class_rows({k: dec.get(k, Figures()) for k in keys}, names=names)}
    rows_close = class_rows({k: closing.get(k, Figures()) for k in keys}, names=names)
    scope = _scope_label(user, unit)

    wb = Workbook()
    # 1. 资产情况表 (by class: 年初数、本年增加、本年减少、年末数; 原值、累计折旧、净值; 资金来源)
    sheet = _Sheet(wb, "资产情况表", first=True)
    sheet.title(f"行政事业单位国有资产年度报告 · 资产情况表（{year}年度）", 16,
                f"编制单位：{scope}　　报告期：{start:%Y年%m月%d日}至{end:%Y年%m月%d日}　　金额单位：元")
    sheet.header(
        [("分类代码", 1), ("资产分类", 1), ("年初数", 4), ("本年增加", 2), ("本年减少", 2), ("年末数", 6)],
        ["", "", "数量", "原值", "累计折旧", "净值", "数量", "原值", "数量", "原值", "数量", "原值",
         "其中：财政拨款", "其中：非财政拨款", "累计折旧", "净值"])
    for row in rows_close:
        o, i, d, c = rows_open.get(row.code), rows_inc.get(row.code), rows_dec.get(row.code), row.figures
        sheet.line([row.code or "", row.name,
                    _q(o.figures if o else None), _v(o.figures if o else None),
                    o.figures.depreciation if o else Decimal("0.00"), o.figures.net if o else Decimal("0.00"),
                    _q(i.figures if i else None), _v(i.figures if i else None),
                    _q(d.figures if d else None), _v(d.figures if d else None),
                    c.quantity, c.value, c.fiscal, c.nonfiscal, c.depreciation, c.net],
                   bold=row.level != 2, indent=2 if row.level == 2 else 0)
    sheet.widths([11, 26, 8, 15, 14, 15, 8, 14, 8, 14, 8, 15, 15, 15, 14, 15])

    # 2. 增减变动表 (by kind)
    inc_rows, dec_rows, inc_total, dec_total = kind_rows(period)
    sheet = _Sheet(wb, "增减变动表")
    sheet.title(f"资产增减变动表（{year}年度）", 7, f"编制单位：{scope}　　金额单位：元")
    sheet.header([("变动方向", 1), ("变动类型", 1), ("数量", 1), ("原值", 1), ("其中：财政拨款", 1),
                  ("其中：非财政拨款", 1)], ["", "", "", "", "", ""])
    for label, kinds, total in (("本年增加", inc_rows, inc_total), ("本年减少", dec_rows, dec_total)):
        for k in kinds:
            sheet.line([label, k.label, k.figures.quantity, k.figures.value, k.figures.fiscal, k.figures.nonfiscal])
        sheet.line([label, "小计", total.quantity, total.value, total.fiscal, total.nonfiscal], bold=True)
    sheet.widths([12, 14, 10, 16, 16, 16])

    # 3. 分单位汇总表
    opening_units = ledger_summary(user, opening_day, unit=unit, by_unit=True)
    open_per_unit: dict[int, Figures] = {}
    for (uid, _), f in opening_units.items():
        if uid is not None:
            open_per_unit.setdefault(uid, Figures()).add(f)
    inc_u, dec_u = period_by_unit(period)
    all_units = {k[0] for k in closing_by_unit} | set(open_per_unit) | set(inc_u) | set(dec_u)
    padded = dict(closing_by_unit)
    for uid in all_units:
        if uid is not None and not any(k[0] == uid for k in closing_by_unit):
            padded[(uid, "")] = Figures()
    sheet = _Sheet(wb, "分单位汇总表")
    sheet.title(f"资产分单位汇总表（{year}年度）", 9, f"编制单位：{scope}　　金额单位：元")
    sheet.header([("单位", 1), ("年初原值", 1), ("本年增加", 1), ("本年减少", 1), ("年末数量", 1), ("年末原值", 1),
                  ("其中：财政拨款", 1), ("累计折旧", 1), ("年末净值", 1)], [""] * 9)
    for r in unit_rows(padded):
        uid = r.unit_id
        uo: Figures | None = open_per_unit.get(uid) if uid else None
        ui: Figures | None
        ud: Figures | None
        if uid is None:  # the total row
            uo, ui, ud = Figures(), Figures(), Figures()
            for f in open_per_unit.values():
                uo.add(f)
            for f in inc_u.values():
                ui.add(f)
            for f in dec_u.values():
                ud.add(f)
        else:
            ui, ud = inc_u.get(uid), dec_u.get(uid)
        sheet.line([r.name, _v(uo), _v(ui), _v(ud), r.figures.quantity, r.figures.value, r.figures.fiscal,
                    r.figures.depreciation, r.figures.net], bold=uid is None)
    sheet.widths([30, 16, 16, 16, 10, 16, 16, 16, 16])
    return wb


def year_report_filename(year: int, unit: Unit | None = None) -> str:
    return f"{unit.name + '_' if unit else ''}{year}年度资产报表.xlsx"


def write_year_report(path: str, *, user: Any, year: int, unit_id: int | None = None) -> str:
    from .selectors import unit_choices

    unit = unit_choices(user).filter(pk=unit_id).first() if unit_id else None
    year_report_workbook(user=user, year=year, unit=unit).save(path)
    return year_report_filename(year, unit)


# ------------------------------------------------------------------------------- ledger as of a date

LEDGER_HEADERS = ("资产编号", "资产名称", "分类代码", "规格型号", "所属单位（当日）", "使用状况（当日）", "数量", "计量单位",
                  "原值（元）", "其中：财政拨款", "其中：非财政拨款", "累计折旧（元）", "净值（元）", "入账日期")


def ledger_rows(qs: Any, progress: Any = None, total: int = 0) -> Iterator[list[Any]]:
    done = 0
    batch: list[Any] = []
    for card in qs.iterator(chunk_size=2000):
        batch.append(card)
        if len(batch) == 2000:
            yield from _ledger_batch(batch)
            done += len(batch)
            batch = []
            if progress is not None:
                progress(done, total, "正在导出")
    if batch:
        yield from _ledger_batch(batch)


def _ledger_batch(batch: list[Any]) -> Iterator[list[Any]]:
    rows: list[Any] = decorate_cards(batch)
    for r in rows:
        yield [r.code, r.name, r.class_code, r.spec_model, r.unit_then.name if r.unit_then else "", r.status_label,
               r.quantity, r.measure_unit, Decimal(r.value_at), Decimal(r.fiscal_at), Decimal(r.nonfiscal_at),
               r.acc_at, r.net_at, r.booked_on]


def ledger_filter_from_params(user: Any, params: dict[str, Any]) -> LedgerFilter:
    from .selectors import unit_choices

    unit_id = params.get("unit")
    unit = unit_choices(user).filter(pk=unit_id).first() if str(unit_id or "").isdigit() else None
    status = params.get("status") or ""
    return LedgerFilter(day=datetime.date.fromisoformat(params["as_of"]), unit=unit,
                        subtree=bool(params.get("subtree")), class_prefix=str(params.get("cls") or "")[:9],
                        status=status if status in AssetStatus.values else "",
                        funding=params.get("funding") or "", q=str(params.get("q") or "")[:50])


def write_ledger_export(path: str, *, user: Any, params: dict[str, Any], progress: Any = None) -> tuple[int, str]:
    flt = ledger_filter_from_params(user, params)
    qs = ledger_cards(user, flt).order_by("code")
    total = qs.count()
    count = write_xlsx(path, LEDGER_HEADERS, ledger_rows(qs, progress, total), sheet_title="资产明细账",
                       title=f"资产明细账（截至{flt.day:%Y年%m月%d日}）")
    return count, f"资产明细账_{flt.day:%Y%m%d}.xlsx"


__all__ = ["LEDGER_HEADERS", "MovementKind", "ledger_filter_from_params", "ledger_rows", "write_ledger_export",
           "write_year_report", "year_report_filename", "year_report_workbook"]
