"""Helpers for the import tests (no tests here)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from qinjian.core.importing.services import import_commit, import_upload, import_validate
from qinjian.core.models import ImportBatch

PERSON_HEADER = ("人员编号*", "姓名*", "性别*", "所在单位编码*", "部门名称", "职级", "职务", "编制类型", "状态",
                 "手机号码", "排序")
UNIT_HEADER = ("单位编码*", "单位名称*", "简称", "统一社会信用代码", "单位类型*", "行政层级*", "上级单位编码",
               "行政编制数", "事业编制数", "工勤编制数", "地址", "办公电话", "排序")


def xlsx(rows: Iterable[Sequence[Any]], *, title_rows: Sequence[str] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    for title in title_rows:
        ws.append([title])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload_file(data: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def validate(user: Any, kind: str, data: bytes, name: str = "导入.xlsx") -> ImportBatch:
    batch = import_upload(user=user, kind=kind, upload=io.BytesIO(data), name=name)
    return import_validate(batch=batch, user=user)


def run_import(user: Any, kind: str, data: bytes) -> ImportBatch:
    batch = validate(user, kind, data)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors or batch.message
    return import_commit(batch=batch, user=user)


def person_row(code: str, name: str, unit: str, *, gender: str = "男", dept: str = "", rank: str = "",
               post: str = "", staffing: str = "", status: str = "", phone: str = "", sort: Any = "") -> tuple:
    return (code, name, gender, unit, dept, rank, post, staffing, status, phone, sort)


def unit_row(code: str, name: str, parent: str = "", *, unit_type: str = "党政机关", level: str = "市级",
             short: str = "", credit: str = "", quota_admin: Any = "", address: str = "", phone: str = "",
             sort: Any = "") -> tuple:
    return (code, name, short, credit, unit_type, level, parent, quota_admin, "", "", address, phone, sort)
