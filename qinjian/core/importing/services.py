"""The import pipeline: upload -> validate (preview) -> commit, as plain functions a job can call.

``import_upload`` stores the file under MEDIA_ROOT/imports and creates an ImportBatch;
``import_validate(batch=..., user=...)`` reads, maps headers, parses and validates every row and stores
counts, errors and a preview; ``import_decide`` records the user's per-row decisions (rows the spec
asks to confirm) and validates again; ``import_commit(batch=..., user=...)`` writes everything in one
transaction, or nothing.

Validate once: the plan of a clean validation is kept (see :mod:`.plans`) keyed by the file's digest,
the user's decisions and the change-log position at validation time. The commit reuses it only when
nothing the spec depends on has changed since (no change record for those models, the same acting
role); otherwise it reads and validates the file again against the data as it is now.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from typing import IO, Any

from django.core.cache import cache
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from qinjian.core import context, security_log
from qinjian.core.errors import DomainError, NotAllowed
from qinjian.core.models import ImportBatch, SecurityEventType

from . import plans
from .parsing import CellError
from .reader import ImportRefused, check_size, sniff
from .spec import ImportSpec, ParsedRow, Progress, Report, Table, get_spec, no_progress
from .table import read_table

MAX_STORED_ERRORS = 20_000
MAX_STORED_CONFIRMATIONS = 20_000
Status = ImportBatch.Status


def batch_options(batch: ImportBatch) -> dict[str, Any]:
    """What the user chose on the upload page (kept in the batch's preview data)."""
    return dict((batch.preview or {}).get("options") or {})


def batch_decisions(batch: ImportBatch) -> dict[int, str]:
    """Row number -> the value the user confirmed for it in the preview."""
    return {int(k): v for k, v in ((batch.preview or {}).get("decisions") or {}).items()}


def pending_confirmations(batch: ImportBatch) -> list[dict[str, Any]]:
    return list((batch.preview or {}).get("confirm") or [])


def _check_user(spec: ImportSpec, user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(spec.permission):
        raise NotAllowed(f"您没有导入{spec.label}的权限。")


def _check_owner(batch: ImportBatch, user: Any) -> None:
    if getattr(user, "pk", None) != batch.user_id:
        raise NotAllowed("只有上传该文件的用户才能操作这个导入批次。")


def import_upload(*, user: Any, kind: str, upload: IO[bytes], name: str = "",
                  options: dict[str, Any] | None = None) -> ImportBatch:
    """Check the file's size and content type, then keep it for the preview and commit steps.

    ``options`` are the upload form's extra fields, already checked by ``spec.clean_options``."""
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
        file_format=file_format, file_size=size, sha256=digest.hexdigest(), preview={"options": options or {}},
    )
    batch.file.save(batch.token, File(upload), save=False)
    batch.save()
    return batch


def _read_and_validate(batch: ImportBatch, spec: ImportSpec, user: Any, progress: Progress
                       ) -> tuple[Table, Report, Any]:
    with batch.file.open("rb") as handle:
        table = read_table(handle, spec.columns, example=spec.example, progress=progress, stream=spec.streamed)
        report = Report(spec, table)
        report.options, report.decisions = batch_options(batch), batch_decisions(batch)
        if table.source is not None:  # streamed: cell errors are reported as the spec reads each row
            table.source = _reporting_failures(table.source, report)
        else:
            for row in table.rows:
                for key, message in row.failed.items():
                    report.error(row.number, key, message)
        plan = spec.validate(table, user=user, report=report, progress=progress)
        table.drain()  # a spec that stopped early: every row is still counted and its cell errors reported
    return table, report, plan


def _reporting_failures(rows: Iterator[ParsedRow], report: Report) -> Iterator[ParsedRow]:
    for row in rows:
        for key, message in row.failed.items():
            report.error(row.number, key, message)
        yield row


def _discard_file(batch: ImportBatch) -> None:
    plans.discard(batch)
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
    marker = plans.marker(spec)
    try:
        table, report, plan = _read_and_validate(batch, spec, user, progress)
    except ImportRefused as exc:
        _discard_file(batch)  # nothing of a refused file is kept
        batch.status, batch.message = Status.REJECTED, exc.message[:500]
        batch.finished_at = timezone.now()
        batch.save()
        return batch
    batch.sheet, batch.header_row, batch.total_rows = table.sheet[:100], table.header_row, table.count
    batch.counts = report.as_counts()
    errors = sorted(report.errors, key=lambda e: e.row)  # stable: a row's errors keep their order
    batch.errors = [e.as_dict() for e in errors[:MAX_STORED_ERRORS]]
    batch.preview = {"columns": spec.preview_columns(), **report.samples, "options": report.options,
                     "decisions": {str(k): v for k, v in report.decisions.items()},
                     "confirm": report.confirmations[:MAX_STORED_CONFIRMATIONS]}
    batch.validated_at = timezone.now()
    if report.has_errors():
        batch.status = Status.INVALID
        batch.message = f"共 {report.error_count} 行有错误。"
    elif not table.count:
        batch.status = Status.INVALID
        batch.message = "文件中没有数据行。"
    else:
        batch.status = Status.VALIDATED
        batch.message = (f"还有 {len(report.confirmations)} 行的{spec.confirm_label}需要确认。"
                         if report.confirmations else "")
    batch.save()
    if batch.status == Status.VALIDATED and (not report.confirmations or _decides_on_plan(spec)):
        plans.keep(batch, spec, user, plan, marker=marker, rows=table.count)
    else:
        plans.discard(batch)
    return batch


def import_decide(*, batch: ImportBatch, user: Any, decisions: dict[int, str] | None = None,
                  accept_suggested: bool = False, progress: Progress = no_progress) -> ImportBatch:
    """Record the user's choice for rows the preview asked to confirm, then validate again.

    ``decisions`` maps row numbers to chosen values (blank = no decision yet); ``accept_suggested``
    takes the suggestion of every pending row that has one. Raises ValidationFailed for a value the
    spec does not allow (nothing is recorded then)."""
    from qinjian.core.errors import ValidationFailed

    spec = get_spec(batch.kind)
    _check_owner(batch, user)
    _check_user(spec, user)
    if batch.status not in (Status.VALIDATED, Status.INVALID) or batch.is_expired:
        raise DomainError("该导入批次已处理完毕或已过期，不能再修改。")
    pending = {int(item["row"]): item for item in pending_confirmations(batch)}
    chosen = batch_decisions(batch)
    problems: dict[str, list[str]] = {}
    for row, value in (decisions or {}).items():
        value = (value or "").strip()
        if not value:
            continue
        try:
            chosen[int(row)] = spec.check_decision(value)[0]
        except CellError as exc:
            problems[f"row_{row}"] = [f"第 {row} 行：{exc.message}"]
    if problems:
        raise ValidationFailed("；".join(m[0] for m in problems.values()), fields=problems)
    if accept_suggested:
        for row, item in pending.items():
            if row not in chosen and item.get("suggested"):
                chosen[row] = str(item["suggested"])
    batch.preview = {**(batch.preview or {}), "decisions": {str(k): v for k, v in sorted(chosen.items())}}
    ImportBatch.objects.filter(pk=batch.pk).update(preview=batch.preview)
    if batch.status == Status.VALIDATED and _decides_on_plan(spec):
        decided = _decide_on_kept_plan(batch, spec, user, chosen)
        if decided is not None:
            return decided
    return import_validate(batch=batch, user=user, progress=progress)


def _decides_on_plan(spec: ImportSpec) -> bool:
    return type(spec).apply_decisions is not ImportSpec.apply_decisions


def _decide_on_kept_plan(batch: ImportBatch, spec: ImportSpec, user: Any, chosen: dict[int, str]
                         ) -> ImportBatch | None:
    """The decisions applied to the plan kept at validation (nothing else about the rows changed, and
    nothing they depend on has changed since: see :mod:`.plans`); None -> validate again."""
    kept = plans.reuse_for_decisions(batch, spec, user)
    if kept is None:
        return None
    plan, marker = kept
    decided = spec.apply_decisions(plan, chosen)
    if decided is None:
        return None
    counts = dict(batch.counts or {})
    counts["create"] = int(counts.get("create") or 0) + len(decided.resolved)
    counts.pop("confirm", None)
    if decided.pending_count:
        counts["confirm"] = decided.pending_count
    preview = dict(batch.preview or {})
    samples = list(preview.get("create") or [])
    for row, display in sorted(decided.resolved.items()):
        if len(samples) >= Report.PREVIEW_ROWS:
            break
        samples.append({"row": row, "values": display, "changes": []})
    preview["create"] = sorted(samples, key=lambda item: item["row"])[:Report.PREVIEW_ROWS]
    preview["confirm"] = decided.pending[:MAX_STORED_CONFIRMATIONS]
    batch.counts, batch.preview = counts, preview
    batch.message = (f"还有 {decided.pending_count} 行的{spec.confirm_label}需要确认。"
                     if decided.pending_count else "")
    batch.save(update_fields=["counts", "preview", "message"])
    plans.keep(batch, spec, user, plan, marker=marker, rows=batch.total_rows)
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
            waiting = int((locked.counts or {}).get("confirm") or 0)
            if waiting:
                raise DomainError(f"还有 {waiting} 行的{spec.confirm_label}需要确认，确认后才能导入。",
                                  code="needs_confirmation")
            kept = plans.reuse(locked, spec, user)
            if kept is not None:  # validated once, and nothing it depended on has changed since
                plan, counts, total_rows = kept, dict(locked.counts or {}), locked.total_rows
            else:
                try:
                    table, report, plan = _read_and_validate(locked, spec, user, progress)
                except ImportRefused as exc:
                    raise DomainError(exc.message) from None
                if report.has_errors() or report.confirmations:
                    raise DomainError(
                        f"数据在预览后发生了变化，重新校验发现 {report.error_count} 行有错误，本次没有导入任何数据。"
                        "请重新上传文件查看错误。", code="stale")
                counts, total_rows = report.as_counts(), table.count
            written = spec.commit(plan, user=user, progress=progress)
            locked.status, locked.message = Status.COMMITTED, ""
            locked.counts = {**counts, **written}
            locked.total_rows = total_rows
            locked.finished_at = timezone.now()
            locked.save()
            # The upload holds plain personal data (phones); once written (encrypted) it goes.
            transaction.on_commit(lambda: _forget_file(locked.pk))
            security_log.record(
                SecurityEventType.IMPORT, user=user, obj=locked, kind=locked.kind, file=locked.original_name,
                rows=total_rows, created=counts.get("create", 0), updated=counts.get("update", 0),
                unchanged=counts.get("unchanged", 0),
            )
    finally:
        if token is not None:
            context.reset(token)
        plans.forget(batch)
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
