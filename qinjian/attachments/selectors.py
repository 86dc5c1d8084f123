"""Reads: the attachments of an object, the objects a label sheet covers, and what a code opens."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db import models
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

from qinjian.core.search import contains_q

from .models import Attachment
from .registry import LabelSource, label_sources, model_for_token, object_token, visible_object

MAX_CODE = 100


def attachments_for(user: Any, obj: models.Model) -> models.QuerySet[Attachment]:
    """Live attachments of an object the caller has already found within the user's scope."""
    if not user.has_perm("attachments.view_attachment"):
        return Attachment.objects.none()
    return Attachment.objects.alive().for_object(obj).select_related("created_by")


# --- label sheets ---------------------------------------------------------------------------------

LABEL_PARAMS = {"model", "ids", "layout", "start", "title", "outline", "page", "sort", "per_page", "export"}


def label_queryset(source: LabelSource, request: HttpRequest) -> models.QuerySet:
    """The objects of a label sheet: ``ids=1,2,3`` and/or the same filters and search as the model's list."""
    model = source.model
    qs = model.objects.scoped(request.user, "view")  # type: ignore[attr-defined]
    raw_ids = request.GET.get("ids", "")
    if raw_ids:
        ids = [int(x) for x in re.findall(r"\d{1,18}", raw_ids)[:5000]]
        qs = qs.filter(pk__in=ids)
    if source.list_view:
        view = import_string(source.list_view)()
        view.setup(request)
        view.request = request
        filterset = view.get_filterset(qs) if hasattr(view, "get_filterset") else None
        if filterset is not None:
            qs = filterset.qs if not filterset.is_bound or filterset.form.is_valid() else qs.none()
        term = request.GET.get("q", "").replace("\x00", "").strip()[:100]
        if term and hasattr(view, "get_search_q"):
            qs = qs.filter(view.get_search_q(term))
        order = getattr(getattr(view, "table_class", None), "default_order", None)
        if order:
            qs = qs.order_by(*order)
    else:
        term = request.GET.get("q", "").replace("\x00", "").strip()[:100]
        if term:
            qs = qs.filter(contains_q(source.code_field, term) | contains_q(source.name_field, term))
    if source.select_related:
        qs = qs.select_related(*source.select_related)
    return qs


# --- scan lookup ----------------------------------------------------------------------------------


@dataclass
class Found:
    obj: Any
    kind: str     # the model's verbose name
    code: str
    url: str


@dataclass
class LookupResult:
    status: str   # "found" | "several" | "out_of_scope" | "unknown" | "empty"
    message: str
    found: list[Found] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.found[0].url if self.status == "found" else ""


_RESOLVER = re.compile(r"/attachments/q/([a-z0-9_]+\.[a-z0-9_]+)/(\d{1,18})/?$")


def _path_of(text: str) -> str:
    """The path of a scanned URL (any host: labels printed under another host name still work)."""
    if text.startswith("/"):
        return text.split("?", 1)[0]
    if re.match(r"^https?://", text, re.I):
        try:
            return urlsplit(text).path
        except ValueError:
            return ""
    return ""


def _target_of_path(path: str) -> tuple[str, int] | None:
    match = _RESOLVER.search(path)
    if match:
        return match.group(1), int(match.group(2))
    try:
        resolved = resolve(path)
    except (Resolver404, ValueError):
        return None
    model = getattr(getattr(resolved.func, "view_class", None), "model", None)
    pk = resolved.kwargs.get("pk")
    if model is None or pk is None:
        return None
    return object_token(model), int(pk)


def _found(obj: Any, source: LabelSource | None = None) -> Found:
    code = source.code(obj) if source else str(getattr(obj, "code", "") or "")
    return Found(obj, str(obj._meta.verbose_name), code, obj.get_absolute_url())


def lookup(user: Any, text: str) -> LookupResult:
    """What a scanned QR code or a typed code opens, within the user's data scope."""
    text = (text or "").replace("\x00", "").strip()[:500]
    if not text:
        return LookupResult("empty", "请输入或扫描编码。")
    path = _path_of(text)
    if path:
        target = _target_of_path(path)
        if target is None:
            return LookupResult("unknown", "这个二维码不是本平台的标签，无法识别。")
        token, pk = target
        obj = visible_object(user, token, pk)
        if obj is not None:
            return LookupResult("found", f"已找到：{obj}", [_found(obj)])
        model = model_for_token(token)
        if model is not None and model._base_manager.filter(pk=pk).exists():
            return LookupResult("out_of_scope", "该标签对应的对象不在您的数据权限范围内，无法查看。")
        return LookupResult("unknown", "该标签对应的对象不存在或已被删除。")
    code = text[:MAX_CODE]
    found: list[Found] = []
    exists_elsewhere = False
    for source in label_sources():
        model = source.model
        lookup_q = models.Q(**{f"{source.code_field}__iexact": code})
        rows = list(model.objects.scoped(user, "view").filter(lookup_q)[:5])  # type: ignore[attr-defined]
        found.extend(_found(obj, source) for obj in rows)
        if not rows and model._base_manager.filter(lookup_q).exists():
            exists_elsewhere = True
    if len(found) == 1:
        return LookupResult("found", f"已找到：{found[0].obj}", found)
    if found:
        return LookupResult("several", f"编码“{code}”对应多个对象，请选择：", found)
    if exists_elsewhere:
        return LookupResult("out_of_scope", f"编码“{code}”对应的对象不在您的数据权限范围内，无法查看。")
    return LookupResult("unknown", f"没有找到编码为“{code}”的对象，请核对后重试。")
