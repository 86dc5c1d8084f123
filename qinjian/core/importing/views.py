"""The import wizard pages (上传 → 预览 → 完成), shared by every ledger: configure with ``kind``.

Files with more rows than ``background.import_job_rows()`` are validated and committed by background
jobs (when a job engine is installed): the user watches a progress page, which leads on to the preview.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from qinjian.core import background
from qinjian.core.errors import DomainError, ValidationFailed
from qinjian.core.excel import workbook_response, xlsx_response
from qinjian.core.models import ImportBatch

from .reader import ImportRefused, estimate_rows, max_bytes, max_rows
from .services import (
    batch_decisions,
    batch_options,
    import_commit,
    import_decide,
    import_upload,
    import_validate,
    pending_confirmations,
)
from .spec import ImportSpec, get_spec
from .template import build_template

SHOWN_ERRORS = 500
CONFIRM_PAGE = 50


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _running_job(batch: ImportBatch, request: HttpRequest) -> background.JobRef | None:
    runner = background.runner()
    return runner.active_for(target=batch, user=request.user) if runner is not None else None


class ImportView(LoginRequiredMixin, View):
    kind: str = ""
    section: str = "组织机构"

    @property
    def spec(self) -> ImportSpec:
        return get_spec(self.kind)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm(self.spec.permission):
            raise PermissionDenied(f"您没有导入{self.spec.label}的权限。")
        return super().dispatch(request, *args, **kwargs)

    def batch(self, token: str) -> ImportBatch:
        # Only the uploader sees a batch; anyone else gets a 404, never a hint that it exists.
        batch = ImportBatch.objects.filter(token=token, kind=self.kind, user=self.request.user).first()
        if batch is None:
            raise Http404("导入批次不存在")
        return batch

    def context(self, **extra: Any) -> dict[str, Any]:
        spec = self.spec
        urls = {step: _url(name) for step, name in spec.url_names.items() if step in ("upload", "template", "list")}
        crumbs = [(self.section, ""), (spec.label, urls.get("list", "")), (f"导入{spec.label}", urls.get("upload", ""))]
        return {"spec": spec, "urls": urls, "breadcrumbs": crumbs, "page_title": f"导入{spec.label}", **extra}


class ImportUploadView(ImportView):
    """Step 1: choose a file (and the spec's upload options). POST stores it, validates it and goes to
    the preview."""

    template_name = "core/import/upload.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_form(request)

    def render_form(self, request: HttpRequest, error: str = "", status: int = 200,
                    option_errors: dict[str, Any] | None = None) -> HttpResponse:
        recent = ImportBatch.objects.filter(user=request.user, kind=self.kind).order_by("-created_at")[:5]
        options = self.spec.upload_options(request.user)
        for option in options:
            option["value"] = request.POST.get(option["name"], option.get("initial", "")) \
                if request.method == "POST" else option.get("initial", "")
            option["errors"] = (option_errors or {}).get(option["name"], [])
        return render(request, self.template_name, self.context(
            step=1, error=error, recent=recent, max_mb=max_bytes() // (1024 * 1024), max_rows=max_rows(),
            preview_name=self.spec.url_names["preview"], options=options,
            job_rows=background.import_job_rows() if background.runner() is not None else 0,
        ), status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            options = self.spec.clean_options(request.POST, request.user)
        except ValidationFailed as exc:
            return self.render_form(request, exc.message, status=400, option_errors=exc.fields)
        upload = request.FILES.get("file")
        if upload is None:
            return self.render_form(request, "请选择要导入的文件。", status=400)
        try:
            batch = import_upload(user=request.user, kind=self.kind, upload=upload, name=upload.name or "",
                                  options=options)
        except ImportRefused as exc:
            return self.render_form(request, exc.message, status=400)
        runner = background.runner()
        rows = estimate_rows(batch.file, batch.file_format) if runner is not None else 0
        if runner is not None and rows > background.import_job_rows():
            job = runner.start(
                kind="import.validate", title=f"校验{self.spec.label}导入文件：{batch.original_name}",
                user=request.user, params={"batch": batch.token, "rows": rows, "import": self.kind}, target=batch,
                next_url=reverse(self.spec.url_names["preview"], args=[batch.token]))
            return redirect(job.url)
        batch = import_validate(batch=batch, user=request.user)
        if batch.status == ImportBatch.Status.REJECTED:
            return self.render_form(request, batch.message, status=400)
        return redirect(self.spec.url_names["preview"], token=batch.token)


class ImportPreviewView(ImportView):
    """Step 2 (and 3 once committed): counts, sample rows of each kind, every error by row and column,
    and the rows the user must confirm (a page at a time)."""

    template_name = "core/import/preview.html"

    def confirmation_context(self, request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
        pending = pending_confirmations(batch) if batch.status == ImportBatch.Status.VALIDATED else []
        try:
            page = max(1, int(request.GET.get("cpage", "1")))
        except ValueError:
            page = 1
        pages = max(1, (len(pending) + CONFIRM_PAGE - 1) // CONFIRM_PAGE)
        page = min(page, pages)
        decided = batch_decisions(batch)
        rows = pending[(page - 1) * CONFIRM_PAGE: page * CONFIRM_PAGE]
        decide = self.spec.url_names.get("decide")
        return {
            "confirm_rows": [{**r, "decided": decided.get(int(r["row"]), "")} for r in rows],
            "confirm_total": int((batch.counts or {}).get("confirm") or 0), "confirm_page": page,
            "confirm_pages": pages, "confirm_suggested": sum(1 for r in pending if r.get("suggested")),
            "decide_url": reverse(decide, args=[batch.token]) if decide and pending else "",
            "decision_choices": self.spec.decision_choices() if pending else [],
            "options_text": self.spec.describe_options(batch_options(batch)),
        }

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        batch = self.batch(token)
        running = _running_job(batch, request)
        if running is not None:  # still validating or committing in the background: watch its progress
            return redirect(running.url)
        if batch.status == ImportBatch.Status.REJECTED:
            return redirect(self.spec.url_names["upload"])
        counts = batch.counts or {}
        preview = batch.preview or {}
        step = 3 if batch.status == ImportBatch.Status.COMMITTED else 2
        columns = preview.get("columns", [])

        def rows(action: str) -> list[dict[str, Any]]:
            return [{**r, "cells": [r["values"].get(k, "") for k, _ in columns]} for r in preview.get(action, [])]

        done = step == 3
        tabs = [
            ("create", "已新增" if done else "将新增", "green", rows("create"), counts.get("create", 0)),
            ("update", "已更新" if done else "将更新", "blue", rows("update"), counts.get("update", 0)),
            ("unchanged", "无变化", "secondary", rows("unchanged"), counts.get("unchanged", 0)),
        ]
        return render(request, self.template_name, self.context(
            **self.confirmation_context(request, batch),
            step=step, batch=batch, counts=counts, tabs=tabs, columns=columns,
            errors=batch.errors[:SHOWN_ERRORS], more_errors=max(0, len(batch.errors) - SHOWN_ERRORS),
            commit_url=reverse(self.spec.url_names["commit"], args=[batch.token]),
            errors_url=reverse(self.spec.url_names["errors"], args=[batch.token]),
            expired=batch.is_expired, active_tab=next((t[0] for t in tabs if t[4]), "create"),
        ))


class ImportCommitView(ImportView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        batch = self.batch(token)
        running = _running_job(batch, request)
        if running is not None:  # a second click while the first commit runs: no second job
            return redirect(running.url)
        runner = background.runner()
        if runner is not None and batch.can_commit and batch.total_rows > background.import_job_rows():
            job = runner.start(
                kind="import.commit", title=f"导入{self.spec.label}：{batch.original_name}（{batch.total_rows:,} 行）",
                user=request.user, params={"batch": batch.token, "import": self.kind}, target=batch,
                next_url=reverse(self.spec.url_names["preview"], args=[batch.token]))
            return redirect(job.url)
        try:
            import_commit(batch=batch, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(self.spec.url_names["preview"], token=batch.token)


class ImportDecideView(ImportView):
    """POST the user's per-row choices (``decide_<row>`` fields) or accept every suggestion, then back
    to the preview (validated again)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        batch = self.batch(token)
        decisions = {int(key[7:]): str(value) for key, value in request.POST.items()
                     if key.startswith("decide_") and key[7:].isdigit()}
        try:
            import_decide(batch=batch, user=request.user, decisions=decisions,
                          accept_suggested=bool(request.POST.get("accept_all")))
        except ValidationFailed as exc:
            messages.error(request, exc.message)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存分类确认。")
        url = reverse(self.spec.url_names["preview"], args=[batch.token])
        page = request.POST.get("cpage", "")
        return redirect(f"{url}?cpage={page}" if page.isdigit() else url)


class ImportErrorsView(ImportView):
    """Every error of a batch as an .xlsx (row, column, message), to fix the file against."""

    def get(self, request: HttpRequest, token: str) -> HttpResponseBase:
        batch = self.batch(token)
        rows = ((e.get("row"), e.get("column"), e.get("message")) for e in batch.errors)
        stamp = timezone.localtime().strftime("%Y%m%d%H%M")
        return xlsx_response(f"{self.spec.label}导入错误清单_{stamp}.xlsx", ["行号", "列", "错误说明"], rows,
                             sheet_title="错误清单", title=f"{batch.original_name} 的错误清单")


class ImportTemplateView(ImportView):
    def get(self, request: HttpRequest) -> HttpResponseBase:
        return workbook_response(build_template(self.spec), f"{self.spec.label}导入模板.xlsx")
