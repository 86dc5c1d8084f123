"""The job engine as core sees it (qinjian.core.background): installed by JobsConfig.ready()."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponseBase
from django.shortcuts import redirect

from qinjian.core.background import JobRef, export_job_rows

from .handlers import LIST_EXPORT, export_in_job
from .models import JobRun
from .services import current_job, job_start


def ref(job: JobRun) -> JobRef:
    return JobRef(pk=job.pk, url=job.get_absolute_url(), status=job.status, finished=job.is_finished)


class JobRunner:
    def start(self, *, kind: str, title: str, user: Any, params: dict[str, Any], target: Any = None,
              next_url: str = "") -> JobRef:
        return ref(job_start(kind=kind, title=title, user=user, params=params, target=target, next_url=next_url))

    def active_for(self, *, target: Any, user: Any) -> JobRef | None:
        job = JobRun.objects.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk), user_id=user.pk,
            status__in=(JobRun.Status.QUEUED, JobRun.Status.RUNNING),
        ).order_by("-id").first()
        return ref(job) if job is not None else None

    def export(self, view: Any, queryset: Any) -> HttpResponseBase | None:
        if current_job() is not None:
            return export_in_job(view, queryset)  # the export job itself (or inline within another job)
        count = queryset.count()
        if count <= export_job_rows():
            return None
        request = view.request
        query = urlencode([(k, v) for k, vs in request.GET.lists() for v in vs if k != "page"])
        title = view.get_title()
        job = job_start(kind=LIST_EXPORT, title=f"导出“{title}”（{count:,} 条）", user=request.user,
                        params={"path": request.path, "query": query, "count": count})
        messages.info(request, f"共 {count:,} 条数据，已转为后台导出。完成后可在本页下载文件。")
        return redirect(job.get_absolute_url())
