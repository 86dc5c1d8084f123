"""The job kinds the platform itself provides: Excel imports (validate, commit) and list exports."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase
from django.test import RequestFactory
from django.urls import Resolver404, resolve
from django.utils import timezone

from qinjian.core import context, security_log
from qinjian.core.errors import DomainError
from qinjian.core.excel import write_xlsx
from qinjian.core.importing.services import import_commit, import_validate
from qinjian.core.models import ImportBatch

from .models import JobRun
from .registry import JobOutcome, ProgressFn, job_handler
from .services import current_job

IMPORT_VALIDATE = "import.validate"
IMPORT_COMMIT = "import.commit"
LIST_EXPORT = "ui.list_export"
SHOWN_ERRORS = 200  # the job page shows these; the import preview has them all

# stage -> (start, end) share of the bar, per kind of import job
STAGES = {
    IMPORT_VALIDATE: {"read": (0.0, 0.5), "validate": (0.5, 1.0)},
    IMPORT_COMMIT: {"read": (0.0, 0.3), "validate": (0.3, 0.6), "commit": (0.6, 1.0)},
}
STAGE_TEXT = {"read": "正在读取文件", "validate": "正在校验", "commit": "正在写入"}


def import_progress(kind: str, rows: int, progress: ProgressFn) -> Any:
    """Adapt the pipeline's progress(stage, done, total) to one bar from 0 to 1000."""
    stages = STAGES[kind]

    def report(stage: str, done: int, total: int) -> None:
        start, end = stages.get(stage, (0.0, 1.0))
        total = total or rows
        share = min(1.0, done / total) if total else 0.0
        if total:
            text = f"{STAGE_TEXT.get(stage, '正在处理')}：{done:,} / {total:,} 行"
        else:
            text = f"{STAGE_TEXT.get(stage, '正在处理')}：已处理 {done:,} 行"
        progress(int((start + (end - start) * share) * 1000), 1000, text)

    return report


def _batch(job: JobRun) -> ImportBatch:
    batch = ImportBatch.objects.filter(token=job.params.get("batch", ""), user_id=job.user_id).first()
    if batch is None:
        raise DomainError("导入批次不存在或已被清理，请重新上传文件。")
    return batch


@job_handler(IMPORT_VALIDATE)
def validate_import(job: JobRun, progress: ProgressFn) -> JobOutcome:
    batch = _batch(job)
    progress(0, 1000, "正在读取文件")
    rows = int(job.params.get("rows") or 0)
    batch = import_validate(batch=batch, user=context.current().user,
                            progress=import_progress(IMPORT_VALIDATE, rows, progress))
    if batch.status == ImportBatch.Status.REJECTED:
        raise DomainError(f"文件无法导入：{batch.message}")
    counts = batch.counts or {}
    if batch.status == ImportBatch.Status.VALIDATED:
        message = f"校验通过：共 {batch.total_rows:,} 行，请在预览中确认后导入。"
    else:
        message = f"校验完成：{batch.message or '有错误'}请查看错误清单，修改文件后重新上传。"
    return JobOutcome(
        message=message, next_url=job.next_url, errors=batch.errors[:SHOWN_ERRORS],
        counts={"rows": batch.total_rows, "create": counts.get("create", 0), "update": counts.get("update", 0),
                "unchanged": counts.get("unchanged", 0), "error": counts.get("error", 0)},
    )


@job_handler(IMPORT_COMMIT)
def commit_import(job: JobRun, progress: ProgressFn) -> JobOutcome:
    batch = _batch(job)
    progress(0, 1000, "正在读取文件")
    batch = import_commit(batch=batch, user=context.current().user,
                          progress=import_progress(IMPORT_COMMIT, batch.total_rows, progress))
    counts = batch.counts or {}
    created, updated = counts.get("created", 0), counts.get("updated", 0)
    return JobOutcome(
        message=f"导入完成：共 {batch.total_rows:,} 行，新增 {created:,}，更新 {updated:,}，"
                f"无变化 {counts.get('unchanged', 0):,}。",
        next_url=job.next_url,
        counts={"rows": batch.total_rows, "created": created, "updated": updated,
                "unchanged": counts.get("unchanged", 0)},
    )


# ------------------------------------------------------------------------------------------ export

@job_handler(LIST_EXPORT)
def list_export(job: JobRun, progress: ProgressFn) -> JobOutcome:
    """Re-run the list page's GET as the user (same filters, search, sort and scope); the export hook
    of ObjectListView then writes the file here instead of answering the request."""
    path, query = str(job.params.get("path", "")), str(job.params.get("query", ""))
    try:
        match = resolve(path)
    except Resolver404:
        raise DomainError("导出的列表页面已不存在。") from None
    request = RequestFactory().get(f"{path}?{query}")
    request.user = context.current().user
    request.session = {}  # type: ignore[assignment]
    progress(0, int(job.params.get("count") or 0), "正在查询数据")
    try:
        match.func(request, *match.args, **match.kwargs)
    except PermissionDenied:
        raise DomainError("您已没有导出该列表的权限，任务未完成。") from None
    except Http404:
        raise DomainError("导出的列表页面已不存在。") from None
    outcome = getattr(job, "export_outcome", None)
    if outcome is None:
        raise DomainError("该列表页面不支持后台导出。")
    return outcome


def _counting(rows: Iterable[Any], total: int, progress: ProgressFn) -> Iterator[Any]:
    for done, row in enumerate(rows, start=1):
        yield row
        if done % 500 == 0:
            progress(done, total, f"已导出 {done:,} / {total:,} 行")


def export_in_job(view: Any, queryset: Any) -> HttpResponseBase | None:
    """Inside a list-export job: write the file with progress and keep it as the job's result."""
    from qinjian.core.ui.tables import export_rows
    from qinjian.core.ui.views import EXPORT_MAX_ROWS

    running = current_job()
    if running is None or running[0].kind != LIST_EXPORT:
        return None
    job, progress = running
    qs = queryset[:EXPORT_MAX_ROWS]
    total = qs.count()
    headers, rows = export_rows(view.get_export_table_class(), qs.iterator(chunk_size=2000))
    title = view.get_title()
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="qinjian-export-")
    os.close(handle)
    count = write_xlsx(path, headers, _counting(rows, total, progress), sheet_title=title, title=title)
    progress(count, total, f"已导出 {count:,} / {total:,} 行")
    filters = {k: v for k, v in view.request.GET.lists() if k not in {"export", "page"}}
    label = view.opts.label_lower
    security_log.record("export", obj_count=count, model=label, filters=filters, object_type=label, job=job.pk)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    job.export_outcome = JobOutcome(  # type: ignore[attr-defined]
        message=f"已导出 {count:,} 行。", counts={"exported": count}, file_path=path,
        file_name=f"{view.export_filename or title}_{stamp}.xlsx")
    return HttpResponse(status=204)
