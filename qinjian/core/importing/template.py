"""Downloadable import templates: a data sheet (header, example row, dropdowns) and a 填写说明 sheet."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from qinjian.core.excel import safe_cell_value

from .spec import ImportSpec

TEMPLATE_ROWS = 5000  # rows that get dropdowns and text format


def build_template(spec: ImportSpec) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{spec.label}导入"
    required_font = Font(bold=True, color="C0392B")
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EEF3FA")
    example_font = Font(italic=True, color="808080")
    columns = [c for c in spec.columns if c.in_template]
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = required_font if column.required else header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        example = spec.example.get(column.key, "")
        ex = sheet.cell(row=2, column=index, value=safe_cell_value(example) if example != "" else None)
        ex.font = example_font
        sheet.column_dimensions[letter].width = max(column.width, len(column.header) * 2 + 2)
        if column.choices:
            values = ",".join(column.choices)
            if len(values) < 250:
                validation = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True,
                                            showErrorMessage=True, errorTitle="请从下拉列表中选择",
                                            error=f"可选：{'、'.join(column.choices)}")
                validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
                sheet.add_data_validation(validation)
        elif column.as_text:
            # Keep codes and phone numbers as text so Excel does not turn 0012 into 12 or 1.38E+10.
            for row in range(2, 200):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 22

    notes = workbook.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 50
    notes.append([f"{spec.label}导入模板 · 填写说明"])
    notes["A1"].font = Font(bold=True, size=14)
    for number, line in enumerate(spec.notes, start=1):
        notes.append([f"{number}. {line}"])
    notes.append([])
    notes.append(["列名", "是否必填", "说明", "可选值"])
    head_row = notes.max_row
    for cell in notes[head_row]:
        cell.font, cell.fill = header_font, header_fill
    for column in spec.columns:
        names = "、".join(column.synonyms)
        help_text = column.help + (f"（也可写作：{names}）" if names else "")
        notes.append([column.label, "必填" if column.required else "选填", help_text, "、".join(column.choices)])
    for title, lines in spec_appendix(spec):
        notes.append([])
        notes.append([title])
        notes.cell(row=notes.max_row, column=1).font = header_font
        for line in lines:
            notes.append(["", "", line])
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook


def spec_appendix(spec: ImportSpec) -> list[tuple[str, list[str]]]:
    appendix: Any = getattr(spec, "template_appendix", None)
    return list(appendix()) if callable(appendix) else []
