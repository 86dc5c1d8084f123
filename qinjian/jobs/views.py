"""后台任务: the list of jobs (mine, and my units' with a wider scope), a job's progress page, cancel, download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views import View

from qinjian.core.errors import DomainError, NotAllowed
from qinjian.core.ui.views import ObjectListView

from .filtersets import JobRunFilterSet
from .models import JobRun
from .services import job_cancel, live_progress
from .tables import BADGES, JobRunTable

COUNT_LABELS = {
    "rows": "数据行", "create": "将新增", "created": "已新增", "update": "将更新", "updated": "已更新",
    "unchanged": "无变化", "error": "有错误的行", "exported": "已导出行数",
}


class JobRunListView(ObjectListView):
    model = JobRun
    table_class = JobRunTable
    filterset_class = JobRunFilterSet
    select_related = ("user", "unit")
    search_fields = ("title",)
    search_placeholder = "任务名称"
    title = "后台任务"
    empty_message = "还没有后台任务。导入大文件、导出大量数据时，系统会自动转为后台任务并显示在这里。"


class JobView(LoginRequiredMixin, View):
    def get_job(self, pk: int) -> JobRun:
        if not self.request.user.has_perm("jobs.view_jobrun"):
            raise PermissionDenied("您没有查看后台任务的权限。")
        qs = JobRun.objects.scoped(self.request.user, "view").select_related("user", "unit")
        return get_object_or_404(qs, pk=pk)


def counts_of(job: JobRun) -> list[tuple[str, Any]]:
    counts = job.counts if isinstance(job.counts, dict) else {}
    def show(value: Any) -> Any:
        return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value

    known = [(label, show(counts[key])) for key, label in COUNT_LABELS.items() if key in counts]
    return known + [(key, show(value)) for key, value in counts.items() if key not in COUNT_LABELS]


class JobRunDetailView(JobView):
    """The progress page; ``#job-progress`` is polled every second while the job runs (HTMX)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_job(pk)
        polling = bool(request.headers.get("HX-Request")) and request.headers.get("HX-Target") == "job-progress"
        if polling and job.is_finished:
            # the page grows a result section: reload it, or go on to the next step (e.g. the import preview)
            response = HttpResponse(status=204)
            target = job.next_url if job.status == JobRun.Status.SUCCEEDED and job.next_url.startswith("/") else ""
            if target:
                response["HX-Redirect"] = target
            else:
                response["HX-Refresh"] = "true"
            return response
        is_owner = job.user_id == request.user.pk
        context = {
            "job": job,
            "progress": live_progress(job),
            "badge": BADGES.get(job.status, ""),
            "counts": counts_of(job),
            "errors": job.errors if isinstance(job.errors, list) else [],
            "can_cancel": is_owner and not job.is_finished,
            "can_download": is_owner and bool(job.result_file),
            "next_url": job.next_url if job.next_url.startswith("/") else "",
            "page_title": job.title,
            "breadcrumbs": [("后台任务", reverse("jobs:jobrun_list")), (f"任务 #{job.pk}", "")],
        }
        template = "jobs/jobrun_detail.html#progress" if polling else "jobs/jobrun_detail.html"
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response


class JobRunCancelView(JobView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_job(pk)
        try:
            job = job_cancel(job=job, user=request.user)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if job.status == JobRun.Status.CANCELLED:
                messages.success(request, "任务已取消。")
            else:
                messages.info(request, "已请求取消，任务将在当前步骤结束时停止，不会写入半截数据。")
        return redirect(job.get_absolute_url())


class JobRunDownloadView(JobView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        job = self.get_job(pk)
        if job.user_id != request.user.pk:
            raise PermissionDenied("结果文件只有发起任务的用户可以下载。")
        if not job.result_file:
            raise Http404("结果文件不存在或已过期清理。")
        try:
            handle = job.result_file.open("rb")
        except FileNotFoundError:
            raise Http404("结果文件不存在或已过期清理。") from None
        return FileResponse(handle, as_attachment=True, filename=job.result_name or "结果文件")


jobrun_list = JobRunListView.as_view()
jobrun_detail = JobRunDetailView.as_view()
jobrun_cancel = JobRunCancelView.as_view()
jobrun_download = JobRunDownloadView.as_view()
