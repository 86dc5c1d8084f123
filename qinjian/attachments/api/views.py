"""Attachments under /api/attachments/: list/upload/download/delete on an object, QR codes, label PDFs,
code lookup. The same access rule as the pages: the object must be within the user's view scope."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404, HttpResponse, HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinjian.core.api.viewsets import ListRetrieveMixin, ScopedViewSet
from qinjian.core.errors import ValidationFailed

from .. import views as pages
from ..models import Attachment
from ..qr import qr_png, qr_svg
from ..registry import resolver_path, visible_object
from ..selectors import lookup
from ..services import attachment_delete, attachment_upload
from . import serializers as s

TAGS = ["附件与标签"]


@extend_schema(tags=TAGS)
class AttachmentViewSet(ListRetrieveMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Attachments visible to the caller; ``?model=org.unit&object_id=5`` narrows to one object."""

    queryset = Attachment.objects.select_related("content_type", "created_by")
    serializer_class = s.AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ordering_fields = ["created_at", "original_name", "size"]
    search_fields = ["original_name", "description"]

    def get_queryset(self) -> models.QuerySet:
        qs = super().get_queryset()
        model, object_id = self.request.query_params.get("model"), self.request.query_params.get("object_id")
        if model or object_id:
            obj = visible_object(self.request.user, model or "", object_id)
            if obj is None:
                return qs.none()
            qs = qs.for_object(obj)  # type: ignore[attr-defined]
        return qs

    @extend_schema(request={"multipart/form-data": s.UploadInput}, responses=s.AttachmentSerializer(many=True))
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = dict(request.data.items())
        data["files"] = request.FILES.getlist("files") or request.FILES.getlist("file")
        serializer = s.UploadInput(data=data)
        if not serializer.is_valid():
            if not data["files"]:
                raise ValidationFailed("请选择要上传的文件。", fields={"files": ["请选择要上传的文件。"]})
            serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        obj = visible_object(request.user, values["model"], values["object_id"])
        if obj is None:
            raise Http404
        saved = attachment_upload(obj=obj, files=values["files"], description=values.get("description", ""),
                                  kind=values.get("kind", ""))
        return Response(s.AttachmentSerializer(saved, many=True).data, status=201)

    def perform_destroy(self, instance: Attachment) -> None:
        attachment_delete(attachment=instance, user=self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: Any = None) -> Any:
        att = self.get_object()
        return pages._file_response(att)


class _ObjectView(APIView):
    def object(self, request: Request, model: str, pk: int) -> Any:
        obj = visible_object(request.user, model, pk)
        if obj is None:
            raise Http404
        return obj


@extend_schema(tags=TAGS, parameters=[OpenApiParameter("image", str, enum=["png", "svg"], description="图片格式")],
               responses={(200, "image/png"): bytes})
class QrView(_ObjectView):
    """The QR code of an object: it encodes the resolver URL that opens the object's page."""

    def get(self, request: Request, model: str, pk: int) -> HttpResponse:
        obj = self.object(request, model, pk)
        data = request.build_absolute_uri(resolver_path(obj))
        if request.query_params.get("image") == "svg":
            return HttpResponse(qr_svg(data), content_type="image/svg+xml")
        return HttpResponse(qr_png(data), content_type="image/png")


@extend_schema(tags=TAGS, parameters=[
    OpenApiParameter("model", str, description="标签类型，如 org.unit"),
    OpenApiParameter("ids", str, description="对象编号，逗号分隔；不填则为列表筛选条件选中的全部对象"),
    OpenApiParameter("layout", str, description="a4-3x8 / a4-3x7 / a4-2x5 / a4-4x10"),
    OpenApiParameter("start", int, description="从第几张开始（1 起）"),
], responses={(200, "application/pdf"): bytes})
class LabelPdfView(APIView):
    """An A4 label sheet PDF for the objects selected by ``ids`` and/or the list's filters."""

    def get(self, request: Request) -> HttpResponseBase:
        form, choices = pages._label_form(request._request)
        if not choices or not form.is_valid():
            errors = {k: [str(e) for e in v] for k, v in form.errors.items()} if choices else {}
            raise ValidationFailed("标签选项有误。" if choices else "没有可打印标签的对象类型。", fields=errors)
        return pages.LabelPdfView.as_view()(request._request)


_LOOKUP_RESPONSE = inline_serializer("ScanLookupResult", {
    "status": serializers.CharField(), "message": serializers.CharField(), "url": serializers.CharField(),
    "choices": inline_serializer("ScanLookupChoice", {
        "kind": serializers.CharField(), "code": serializers.CharField(), "name": serializers.CharField(),
        "url": serializers.CharField()}, many=True),
})


@extend_schema(tags=TAGS, parameters=[OpenApiParameter("code", str, description="扫描到的二维码内容或手工输入的编码")],
               responses=_LOOKUP_RESPONSE)
class LookupView(APIView):
    """What a scanned QR code or a typed code opens, within the caller's scope."""

    def get(self, request: Request) -> Response:
        result = lookup(request.user, request.query_params.get("code", ""))
        return Response({
            "status": result.status, "message": result.message, "url": result.url,
            "choices": [{"kind": f.kind, "code": f.code, "name": str(f.obj), "url": f.url} for f in result.found],
        })
