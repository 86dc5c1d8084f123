"""One error shape for the API: ``{"code", "message", "fields"}`` with a 4xx status.

DRF's own exceptions, Django's (404, PermissionDenied, ValidationError), domain errors from the
services and integrity races all end here. Anything else propagates to ``handler500``, which
answers JSON under /api/ too, so an API client never receives an HTML page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from ..errors import DomainError

log = logging.getLogger(__name__)

VALIDATION_MESSAGE = "提交的数据有误，请检查各字段的错误说明。"

MESSAGES = {
    "not_authenticated": "未登录或未提供认证信息。请在请求头中提供 Authorization: Token <令牌>。",
    "authentication_failed": "认证失败。",
    "permission_denied": "没有权限执行此操作。",
    "not_found": "对象不存在或不在您的数据范围内。",
    "parse_error": "请求内容格式不正确，请提交合法的 JSON。",
    "unsupported_media_type": "不支持的请求内容类型，请使用 application/json。",
    "not_acceptable": "无法提供所请求的格式，请接受 application/json。",
}
# Codes whose detail may carry a specific message of ours ("令牌无效或已过期。").
OWN_MESSAGE_CODES = {"authentication_failed", "permission_denied", "not_found", "not_authenticated"}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field" | "field.sub" | "items.0.field": [messages]}``."""
    out: dict[str, list[str]] = {}

    def key(name: Any) -> str:
        return f"{prefix}.{name}" if prefix else str(name)

    if isinstance(detail, dict):
        for name, value in detail.items():
            name = "non_field_errors" if name in {"non_field_errors", "__all__"} and not prefix else name
            if isinstance(value, dict):
                out.update(flatten_errors(value, key(name)))
            elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
                for index, item in enumerate(value):
                    if item:
                        out.update(flatten_errors(item, f"{key(name)}.{index}"))
            elif isinstance(value, list):
                out[key(name)] = [str(v) for v in value]
            else:
                out[key(name)] = [str(value)]
        return out
    if isinstance(detail, list):
        messages = [str(v) for v in detail if not isinstance(v, dict | list)]
        if messages:
            out[prefix or "non_field_errors"] = messages
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def _message_for(exc: exceptions.APIException, code: str, context: dict[str, Any]) -> str:
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if isinstance(exc, exceptions.MethodNotAllowed):
        method = str(getattr(context.get("request"), "method", "") or "")[:10]
        return f"不支持该请求方法{f'（{method}）' if method else ''}。"
    if isinstance(exc, exceptions.Throttled):
        wait = getattr(exc, "wait", None)
        return f"请求过于频繁，请 {wait:.0f} 秒后再试。" if wait else "请求过于频繁，请稍后再试。"
    # A message of our own (Chinese, not DRF's translated default) says more than the generic one.
    own = code in OWN_MESSAGE_CODES and _has_chinese(detail) and detail != str(exc.default_detail)
    if code in MESSAGES and not own:
        return MESSAGES[code]
    return detail if _has_chinese(detail) else "请求无法处理。"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body("validation_error", VALIDATION_MESSAGE, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A unique constraint lost a race with a concurrent request: a conflict, not a server error.
        log.warning("integrity error answered as 409: %s", exc)
        return Response(error_body("conflict", "数据与现有记录冲突（可能已被他人同时提交），请刷新后重试。"),
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DataError):
        log.warning("data error answered as 400: %s", exc)
        return Response(error_body("invalid_data", "提交的数据格式或长度不符合要求。"), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("validation_error", VALIDATION_MESSAGE, flatten_errors(exc.detail))
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        body = error_body("csrf_failed", "CSRF 校验失败：浏览器会话提交须携带 X-CSRFToken 请求头；脚本调用请使用令牌认证。")
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        code = str(code)
        body = error_body(code, _message_for(exc, code, context))
    response.data = body
    return response
