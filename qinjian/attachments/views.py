"""Pages: the 附件 tab (upload, download, delete), QR codes, label sheets and the scan page.

Every object is reached through its model's ``scoped(user, "view")``: outside the scope → 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views import View

from qinjian.core.errors import DomainError

from .forms import LabelOptionsForm, UploadForm
from .labels import DEFAULT_LAYOUT, LAYOUTS, MAX_LABELS, Label, page_count, render_labels
from .models import Attachment
from .qr import qr_png, qr_svg
from .registry import label_source, label_sources, object_token, resolver_path, visible_object
from .selectors import LABEL_PARAMS, attachments_for, label_queryset, lookup
from .services import attachment_delete, attachment_upload
from .sniffing import ALLOWED_SUMMARY, human_size, max_upload_bytes

TAB_KEY = "attachments"


def _object_or_404(request: HttpRequest, token: str, pk: Any) -> Any:
    obj = visible_object(request.user, token, pk)
    if obj is None:
        raise Http404("对象不存在或不在您的数据权限范围内。")
    return obj


def tab_url(obj: Any) -> str:
    return f"{obj.get_absolute_url()}?tab={TAB_KEY}"


def tab_context(request: HttpRequest, obj: Any, *, form: UploadForm | None = None,
                error: str = "", success: str = "") -> dict[str, Any]:
    user = request.user
    rows = list(attachments_for(user, obj))
    token = object_token(obj)
    source = label_source(token)
    return {
        "object": obj,
        "attachments": rows,
        "photos": [a for a in rows if a.is_image],
        "files": [a for a in rows if not a.is_image],
        "can_add": user.has_perm("attachments.add_attachment"),
        "can_delete": user.has_perm("attachments.delete_attachment"),
        "form": form or UploadForm(),
        "upload_url": reverse("attachments:attachment_upload", args=[token, obj.pk]),
        "qr_png": reverse("attachments:qr_png", args=[token, obj.pk]),
        "qr_svg": reverse("attachments:qr_svg", args=[token, obj.pk]),
        "qr_target": request.build_absolute_uri(resolver_path(obj)),
        "labels_url": (reverse("attachments:labels") + f"?model={quote(token)}&ids={obj.pk}") if source else "",
        "max_size": human_size(max_upload_bytes()),
        "allowed": ALLOWED_SUMMARY,
        "error": error,
        "success": success,
    }


def render_tab(request: HttpRequest, obj: Any) -> str:
    """The 附件 tab body on every detail page (registered in apps.py)."""
    return render_to_string("attachments/_tab.html", tab_context(request, obj), request=request)


def tab_count(request: HttpRequest, obj: Any) -> int | None:
    if not request.user.has_perm("attachments.view_attachment"):
        return None
    return Attachment.objects.alive().for_object(obj).count() or None


class UploadView(LoginRequiredMixin, View):
    """POST files to an object. HTMX gets the refreshed tab; a plain form post is redirected back."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, model: str, pk: int) -> HttpResponse:
        if not request.user.has_perm("attachments.add_attachment"):
            raise PermissionDenied
        obj = _object_or_404(request, model, pk)
        form = UploadForm(request.POST, request.FILES)
        error = success = ""
        if form.is_valid():
            try:
                saved = attachment_upload(obj=obj, files=form.cleaned_data["files"],
                                          description=form.cleaned_data["description"],
                                          kind=form.cleaned_data["kind"])
            except DomainError as exc:
                error = exc.message
            else:
                success = f"已上传 {len(saved)} 个文件。"
                form = UploadForm()
        else:
            error = "上传内容有误，请检查。"
        if request.headers.get("HX-Request"):
            context = tab_context(request, obj, form=form, error=error, success=success)
            return render(request, "attachments/_tab.html", context, status=200)
        (messages.error if error else messages.success)(request, error or success)
        return HttpResponseRedirect(tab_url(obj))


def _scoped_attachment(request: HttpRequest, pk: int, action: str = "view") -> Attachment:
    return get_object_or_404(Attachment.objects.scoped(request.user, action), pk=pk)


def _file_response(att: Attachment, field: str = "file", *, inline: bool = False) -> FileResponse:
    handle = getattr(att, field)
    try:
        stream = handle.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("文件已丢失，请联系管理员。") from None
    if field == "thumbnail":
        response = FileResponse(stream, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
    else:
        response = FileResponse(stream, as_attachment=not inline, filename=att.original_name,
                                content_type=att.mime_type)
        response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if field == "thumbnail" or att.is_image:
        # a picture needs nothing else; even if a browser mis-sniffed it, nothing could run
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


class DownloadView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        att = _scoped_attachment(request, pk)
        from .sniffing import ALLOWED

        inline_ok = any(t.key == att.file_type and t.inline for t in ALLOWED)
        return _file_response(att, inline=inline_ok and request.GET.get("inline") == "1")


class ThumbnailView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        att = _scoped_attachment(request, pk)
        if not att.thumbnail:
            raise Http404("该附件没有缩略图。")
        return _file_response(att, "thumbnail")


class DeleteView(LoginRequiredMixin, View):
    """GET: the confirmation page (works without JS); POST: soft delete."""

    def _get(self, request: HttpRequest, pk: int) -> Attachment:
        if not request.user.has_perm("attachments.delete_attachment"):
            raise PermissionDenied
        return _scoped_attachment(request, pk, "delete")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        att = self._get(request, pk)
        obj = att.content_object
        return render(request, "ui/confirm.html", {
            "object": att, "form": None, "error": "",
            "page_title": f"删除附件：{att.original_name}",
            "breadcrumbs": [(str(obj), tab_url(obj)), ("删除附件", "")],
            "message": f"确定删除附件“{att.original_name}”吗？删除后在页面上不再显示，删除记录会保留。",
            "verb": "删除", "button_style": "btn-danger", "cancel_url": tab_url(obj),
        })

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        att = self._get(request, pk)
        obj = att.content_object
        error = success = ""
        try:
            attachment_delete(attachment=att, user=request.user)
        except DomainError as exc:
            error = exc.message
        else:
            success = f"已删除附件“{att.original_name}”。"
        if request.headers.get("HX-Request"):
            return render(request, "attachments/_tab.html",
                          tab_context(request, obj, error=error, success=success))
        (messages.error if error else messages.success)(request, error or success)
        return HttpResponseRedirect(tab_url(obj))


# --- QR codes -------------------------------------------------------------------------------------


class QrResolveView(LoginRequiredMixin, View):
    """What a scanned label opens: the object's page, if the scanning user may see it (else 404)."""

    def get(self, request: HttpRequest, model: str, pk: int) -> HttpResponse:
        obj = _object_or_404(request, model, pk)
        return HttpResponseRedirect(obj.get_absolute_url())


class QrImageView(LoginRequiredMixin, View):
    fmt = "png"

    def get(self, request: HttpRequest, model: str, pk: int) -> HttpResponse:
        obj = _object_or_404(request, model, pk)
        data = request.build_absolute_uri(resolver_path(obj))
        filename = f"二维码-{getattr(obj, 'code', '') or obj.pk}.{self.fmt}"
        if self.fmt == "svg":
            response = HttpResponse(qr_svg(data), content_type="image/svg+xml")
            response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        else:
            size = request.GET.get("size", "")
            response = HttpResponse(qr_png(data, int(size) if size.isdigit() else 8), content_type="image/png")
        disposition = "attachment" if request.GET.get("download") else "inline"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
        response["Cache-Control"] = "private, max-age=3600"
        return response


# --- label sheets ---------------------------------------------------------------------------------


def _label_choices(request: HttpRequest) -> list[tuple[str, str]]:
    out = []
    for source in label_sources():
        model = source.model
        if request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
            out.append((source.model_label.lower(), source.label_title))
    return out


def _default_title(request: HttpRequest) -> str:
    from django.conf import settings

    configured = getattr(settings, "QINJIAN_LABEL_TITLE", "")
    if configured:
        return str(configured)
    getter = getattr(request.user, "get_active_assignment", None)
    assignment = getter() if getter else None
    unit = getattr(assignment, "unit", None)
    return str(unit.name) if unit is not None else ""


def _label_form(request: HttpRequest) -> tuple[LabelOptionsForm, list[tuple[str, str]]]:
    choices = _label_choices(request)
    data = request.GET.copy()
    if "layout" not in data:
        data["layout"] = DEFAULT_LAYOUT
    if "start" not in data:
        data["start"] = "1"
    if "title" not in data and "layout" not in request.GET:
        data["title"] = _default_title(request)
    if "model" not in data and len(choices) == 1:
        data["model"] = choices[0][0]
    return LabelOptionsForm(data, model_choices=choices), choices


class LabelOptionsView(LoginRequiredMixin, View):
    """Choose the layout, the start position and the title; preview the sheet; open the PDF."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form, choices = _label_form(request)
        if not choices:
            raise PermissionDenied
        context: dict[str, Any] = {
            "page_title": "打印标签",
            "breadcrumbs": [("打印标签", "")],
            "form": form,
            "passthrough": [(k, v) for k, values in request.GET.lists() if k not in LABEL_PARAMS for v in values],
            "ids": request.GET.get("ids", ""),
        }
        if form.is_valid():
            source = label_source(form.cleaned_data["model"])
            assert source is not None
            layout = LAYOUTS[form.cleaned_data["layout"]]
            start = form.cleaned_data["start"] - 1
            qs = label_queryset(source, request)
            count = qs.count()
            context.update({
                "source": source, "layout": layout, "count": count, "start": start,
                "pages": page_count(min(count, MAX_LABELS), layout, start),
                "sample": [(source.code(o), source.name(o)) for o in qs[:8]],
                "too_many": count > MAX_LABELS, "max_labels": MAX_LABELS,
                "cells": _sheet_cells(layout, start, count),
                "pdf_query": request.GET.urlencode(),
            })
        response = render(request, "attachments/labels.html", context)
        patch_vary_headers(response, ("HX-Request",))
        return response


def _sheet_cells(layout: Any, start: int, count: int) -> list[str]:
    cells = []
    for i in range(layout.per_page):
        cells.append("used" if i < start else ("print" if i < start + count else "free"))
    return cells


class LabelPdfView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        form, choices = _label_form(request)
        if not choices:
            raise PermissionDenied
        if not form.is_valid():
            url = reverse("attachments:labels") + ("?" + request.GET.urlencode() if request.GET else "")
            messages.error(request, "标签选项有误，请检查后重试。")
            return HttpResponseRedirect(url)
        source = label_source(form.cleaned_data["model"])
        assert source is not None
        layout = LAYOUTS[form.cleaned_data["layout"]]
        objects = list(label_queryset(source, request)[: MAX_LABELS])
        labels = [Label(source.code(o), source.name(o), request.build_absolute_uri(resolver_path(o)),
                        source.extra_lines(o)) for o in objects]
        pdf = render_labels(labels, layout=layout, start=form.cleaned_data["start"] - 1,
                            title=form.cleaned_data["title"], outline=form.cleaned_data["outline"],
                            document_title=source.label_title)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(source.label_title + '.pdf')}"
        response["Cache-Control"] = "private, no-store"
        return response


# --- scan -----------------------------------------------------------------------------------------


class ScanView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "attachments/scan.html", {
            "page_title": "扫码查看", "breadcrumbs": [("扫码查看", "")],
            "codes": [s.model._meta.verbose_name for s in label_sources()],
        })


class ScanLookupView(LoginRequiredMixin, View):
    """A scanned or typed code → the object's page. JSON for scan.js (``format=json``), else a redirect
    or the scan page with the message."""

    def get(self, request: HttpRequest) -> HttpResponse:
        text = request.GET.get("code", "")
        result = lookup(request.user, text)
        if request.GET.get("format") == "json":
            return JsonResponse({
                "status": result.status, "message": result.message, "url": result.url,
                "choices": [{"kind": f.kind, "code": f.code, "name": str(f.obj), "url": f.url} for f in result.found],
            }, json_dumps_params={"ensure_ascii": False})
        if result.status == "found":
            return HttpResponseRedirect(result.url)
        return render(request, "attachments/scan.html", {
            "page_title": "扫码查看", "breadcrumbs": [("扫码查看", "")], "result": result,
            "code": text[:100], "codes": [s.model._meta.verbose_name for s in label_sources()],
        })
