"""The import pipeline: upload -> validate (preview) -> commit, as plain functions a job can call.

``import_upload`` stores the file under MEDIA_ROOT/imports and creates an ImportBatch;
``import_validate(batch=..., user=...)`` reads, maps headers, parses and validates every row and stores
counts, errors and a preview; ``import_commit(batch=..., user=...)`` validates again against the data as
it is now and writes everything in one transaction, or nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import IO, Any

from django.core.cache import cache
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from qinjian.core import context, security_log
from qinjian.core.errors import DomainError, NotAllowed
from qinjian.core.models import ImportBatch, SecurityEventType

from .reader import ImportRefused, check_size, sniff
from .spec import ImportSpec, Progress, Report, Table, get_spec, no_progress
from .table import read_table

MAX_STORED_ERRORS = 20_000
Status = ImportBatch.Status


def _check_user(spec: ImportSpec, user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(spec.permission):
        raise NotAllowed(f"您没有导入{spec.label}的权限。")


def _check_owner(batch: ImportBatch, user: Any) -> None:
    if getattr(user, "pk", None) != batch.user_id:
        raise NotAllowed("只有上传该文件的用户才能操作这个导入批次。")


def import_upload(*, user: Any, kind: str, upload: IO[bytes], name: str = "") -> ImportBatch:
    """Check the file's size and content type, then keep it for the preview and commit steps."""
    spec = get_spec(kind)
    _check_user(spec, user)
    upload.seek(0, 2)
    size = upload.tell()
    check_size(size)
    upload.seek(0)
    file_format = sniff(upload.read(8192))
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    batch = ImportBatch(
        token=secrets.token_hex(16), user=user, kind=kind, original_name=(name or "导入文件")[:255],
        file_format=file_format, file_size=size, sha256=digest.hexdigest(),
    )
    batch.file.save(batch.token, File(upload), save=False)
    batch.save()
    return batch


def _read_and_validate(batch: ImportBatch, spec: ImportSpec, user: Any, progress: Progress
                       ) -> tuple[Table, Report, Any]:
    with batch.file.open("rb") as handle:
        table = read_table(handle, spec.columns, example=spec.example, progress=progress)
    report = Report(spec, table)
    for row in table.rows:
        for key, message in row.failed.items():
            report.error(row.number, key, message)
    plan = spec.validate(table, user=user, report=report, progress=progress)
    return table, report, plan


def _discard_file(batch: ImportBatch) -> None:
    if batch.file:
        batch.file.delete(save=False)


def _forget_file(pk: int) -> None:
    batch = ImportBatch.objects.filter(pk=pk).first()
    if batch is not None and batch.file:
        _discard_file(batch)
        ImportBatch.objects.filter(pk=pk).update(file="")


def cache_progress(batch: ImportBatch, *, every: int = 1000) -> Progress:
    """A progress callback for jobs: writes (stage, done, total) to the cache, readable by any process
    even while the commit transaction is still open (the batch row is not)."""
    last = {"done": -every}

    def report(stage: str, done: int, total: int) -> None:
        if done - last["done"] >= every or (total and done >= total):
            last["done"] = done
            cache.set(progress_key(batch), {"stage": stage, "done": done, "total": total}, 3600)

    return report


def progress_key(batch: ImportBatch) -> str:
    return f"qinjian:import-progress:{batch.token}"


def import_validate(*, batch: ImportBatch, user: Any, progress: Progress = no_progress) -> ImportBatch:
    """Validate every row; store counts, errors (row, column, message) and a preview on the batch."""
    spec = get_spec(batch.kind)
    _check_owner(batch, user)
    _check_user(spec, user)
    if batch.status not in (Status.UPLOADED, Status.VALIDATING, Status.VALIDATED, Status.INVALID):
        raise DomainError("该导入批次已处理完毕，不能再次校验。")
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.VALIDATING)
    try:
        table, report, _ = _read_and_validate(batch, spec, user, progress)
    except ImportRefused as exc:
        _discard_file(batch)  # nothing of a refused file is kept
        batch.status, batch.message = Status.REJECTED, exc.message[:500]
        batch.finished_at = timezone.now()
        batch.save()
        return batch
    batch.sheet, batch.header_row, batch.total_rows = table.sheet[:100], table.header_row, len(table.rows)
    batch.counts = report.as_counts()
    errors = sorted(report.errors, key=lambda e: e.row)  # stable: a row's errors keep their order
    batch.errors = [e.as_dict() for e in errors[:MAX_STORED_ERRORS]]
    batch.preview = {"columns": spec.preview_columns(), **report.samples}
    batch.validated_at = timezone.now()
    if report.has_errors():
        batch.status = Status.INVALID
        batch.message = f"共 {report.error_count} 行有错误。"
    elif not table.rows:
        batch.status = Status.INVALID
        batch.message = "文件中没有数据行。"
    else:
        batch.status, batch.message = Status.VALIDATED, ""
    batch.save()
    return batch


def import_commit(*, batch: ImportBatch, user: Any, progress: Progress = no_progress) -> ImportBatch:
    """Write the whole file in one transaction after validating it again; nothing if anything is wrong."""
    spec = get_spec(batch.kind)
    _check_owner(batch, user)
    _check_user(spec, user)
    ctx = context.current()
    token = None
    if getattr(ctx.user, "pk", None) != user.pk:  # a job: write the change log as the uploader
        token = context.set_current(context.ActionContext(user=user, source="job", request_id=ctx.request_id))
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status == Status.COMMITTED:
                raise DomainError("该文件已经导入，不能重复提交。", code="already_committed")
            if locked.is_expired:
                if locked.status != Status.EXPIRED:
                    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.EXPIRED)
                raise DomainError("该导入批次已过期，请重新上传文件。", code="expired")
            if locked.status != Status.VALIDATED:
                raise DomainError("该导入批次未通过校验，不能导入。", code="not_validated")
            try:
                table, report, plan = _read_and_validate(locked, spec, user, progress)
            except ImportRefused as exc:
                raise DomainError(exc.message) from None
            if report.has_errors():
                raise DomainError(
                    f"数据在预览后发生了变化，重新校验发现 {report.error_count} 行有错误，本次没有导入任何数据。"
                    "请重新上传文件查看错误。", code="stale")
            written = spec.commit(plan, user=user, progress=progress)
            locked.status, locked.message = Status.COMMITTED, ""
            locked.counts = {**report.as_counts(), **written}
            locked.total_rows = len(table.rows)
            locked.finished_at = timezone.now()
            locked.save()
            # The upload holds plain personal data (phones); once written (encrypted) it goes.
            transaction.on_commit(lambda: _forget_file(locked.pk))
            security_log.record(
                SecurityEventType.IMPORT, user=user, obj=locked, kind=locked.kind, file=locked.original_name,
                rows=len(table.rows), created=report.counts["create"], updated=report.counts["update"],
                unchanged=report.counts["unchanged"],
            )
    finally:
        if token is not None:
            context.reset(token)
    return locked


def expire_batches() -> int:
    """Expire batches past their time-to-live and delete their files (a periodic job calls this)."""
    cutoff = timezone.now() - ImportBatch.ttl()
    stale = ImportBatch.objects.filter(
        created_at__lt=cutoff, status__in=[Status.UPLOADED, Status.VALIDATED, Status.INVALID, Status.VALIDATING]
    )
    count = 0
    for batch in stale:
        _discard_file(batch)
        batch.status = Status.EXPIRED
        batch.save(update_fields=["status", "file"])
        count += 1
    return count
