"""One error shape for the API: {"code", "message", "fields"} with a 4xx status."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from ..errors import DomainError

MESSAGES = {
    "not_authenticated": "未登录或认证信息无效。",
    "authentication_failed": "认证失败。",
    "permission_denied": "没有权限执行此操作。",
    "not_found": "对象不存在或不在您的数据范围内。",
    "method_not_allowed": "不支持该请求方法。",
    "parse_error": "请求内容格式不正确。",
    "unsupported_media_type": "不支持的请求内容类型。",
    "throttled": "请求过于频繁，请稍后再试。",
    "not_acceptable": "无法提供所请求的格式。",
}


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                out[key] = [str(v) for v in value]
            else:
                out[key] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "message": exc.message, "fields": exc.fields}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"code": "validation_error", "message": "提交的数据有误。", "fields": fields},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "validation_error", "message": "提交的数据有误。", "fields": _flatten(exc.detail)}
    else:
        code = getattr(exc, "default_code", "error")
        detail = getattr(exc, "detail", "")
        message = MESSAGES.get(code) or str(detail)
        if code in {"authentication_failed", "permission_denied"} and isinstance(detail, str) and \
                any("\u4e00" <= ch <= "\u9fff" for ch in detail):
            message = detail
        body = {"code": code, "message": message, "fields": {}}
    response.data = body
    return response
