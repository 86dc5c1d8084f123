from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .models import Notification, WorkerHeartbeat

WORKER_STALE_SECONDS = 120


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from .dashboard import widgets_for

    return render(request, "core/home.html", {"widgets": widgets_for(request)})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and job-worker status for load balancers and operators."""
    result: dict = {"status": "ok", "database": {"status": "ok", "vendor": connection.vendor}}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        result["database"]["status"] = "error"
        result["status"] = "error"
    try:
        beat = WorkerHeartbeat.objects.order_by("-beat_at").first()
    except Exception:
        beat = None
    if beat is None:
        result["worker"] = {"status": "missing"}
    else:
        age = (timezone.now() - beat.beat_at).total_seconds()
        result["worker"] = {"status": "ok" if age < WORKER_STALE_SECONDS else "stale", "last_beat_seconds": int(age)}
    if result["worker"]["status"] != "ok" and result["status"] == "ok":
        result["status"] = "degraded"
    return JsonResponse(result, status=200 if result["status"] != "error" else 503,
                        json_dumps_params={"ensure_ascii": False})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "unread")
    qs = Notification.objects.filter(recipient=request.user)
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    from django.core.paginator import Paginator

    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page, "show": show})


@require_POST
@login_required
def inbox_read(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    qs = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    if pk is not None:
        note = get_object_or_404(Notification, pk=pk, recipient=request.user)
        qs = qs.filter(pk=note.pk)
        qs.update(read_at=timezone.now())
        return redirect(note.link or "core:inbox")
    qs.update(read_at=timezone.now())
    return redirect("core:inbox")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "请求的资源不存在。", "fields": {}}, status=404)
    return render(request, "errors/404.html", status=404)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "permission_denied", "message": "没有权限执行此操作。", "fields": {}}, status=403)
    return render(request, "errors/403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "message": "服务器内部错误，已记录，请联系管理员。", "fields": {}},
                            status=500)
    return render(request, "errors/500.html", status=500)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "bad_request", "message": "请求格式不正确。", "fields": {}}, status=400)
    return render(request, "errors/400.html", status=400)
