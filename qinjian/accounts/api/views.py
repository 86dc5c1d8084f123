"""Authentication endpoints: obtain and revoke a token, and who am I."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinjian.core import security_log
from qinjian.core.api.errors import error_body
from qinjian.core.api.permissions import IsAuthenticated
from qinjian.core.api.schema import AutoSchema
from qinjian.core.api.serializers import ErrorSerializer
from qinjian.core.middleware import client_ip

from ..models import ApiToken, RoleAssignment, User
from ..services import auth
from ..services.tokens import token_create_for, token_revoke
from .authentication import ApiTokenAuthentication
from .serializers import MeSerializer, TokenRequestSerializer, TokenSerializer


def _error(code: str, message: str, http_status: int, fields: dict[str, list[str]] | None = None) -> Response:
    return Response(error_body(code, message, fields), status=http_status)


class TokenView(APIView):
    """API 令牌：用账户名、密码（及动态口令）换取令牌，或吊销当前令牌。"""

    authentication_classes = [ApiTokenAuthentication]  # no session here: a token request needs no CSRF
    parser_classes = [JSONParser]
    schema = AutoSchema()
    schema_tags = ["认证"]

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        operation_id="auth_token_create",
        summary="申请令牌（登录）",
        description=(
            "用账户名和密码换取 API 令牌，令牌只返回这一次。与网页登录共用失败计数：连续 5 次密码错误账户锁定 "
            "15 分钟（网页与 API 同时锁定），错误提示不区分原因。三员等须动态口令的角色还须提供 otp；"
            "须先修改密码的账户不能申请令牌（code 为 password_change_required）。"
        ),
        request=TokenRequestSerializer,
        responses={
            201: TokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="请求数据有误"),
            401: OpenApiResponse(ErrorSerializer, description="账户名或密码错误、账户暂时不可用（login_failed），"
                                                               "或动态口令缺失/错误（otp_required、otp_invalid）"),
            403: OpenApiResponse(ErrorSerializer, description="须先修改密码（password_change_required）或"
                                                               "须先在网页上绑定动态口令（mfa_enrollment_required）"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = auth.login_attempt(username=data["username"], password=data["password"], ip=client_ip(request))
        if user.requires_mfa():
            refused = self._check_otp(user, data.get("otp") or "")
            if refused is not None:
                return refused
        if auth.password_needs_change(user):
            return _error("password_change_required", "须先修改密码：请在网页上登录并修改密码后再申请令牌。",
                          status.HTTP_403_FORBIDDEN)
        token, key = token_create_for(user=user, name=data.get("name") or "API 登录",
                                      assignment_id=data.get("assignment"))
        security_log.record("login", user=user, channel="api", token=token.prefix)
        payload = {
            "token": key,
            "token_type": "Token",
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
            "user": {"id": user.pk, "username": user.username, "full_name": user.full_name},
        }
        return Response(TokenSerializer(payload).data, status=status.HTTP_201_CREATED)

    def _check_otp(self, user: User, otp: str) -> Response | None:
        if user.totp_confirmed_at is None:
            return _error("mfa_enrollment_required", "该账户须使用动态口令：请先在网页上登录并完成绑定，再申请令牌。",
                          status.HTTP_403_FORBIDDEN)
        if not otp:
            return _error("otp_required", "该账户须提供动态口令：请在 otp 字段填写认证器上的 6 位数字。",
                          status.HTTP_401_UNAUTHORIZED, {"otp": ["请填写动态口令。"]})
        # A wrong code counts toward the account lockout (auth.second_factor_failed), as on the web.
        if not auth.totp_verify(user=user, code=otp):
            return _error("otp_invalid", "动态口令不正确或已使用，请输入认证器上的最新 6 位数字。",
                          status.HTTP_401_UNAUTHORIZED, {"otp": ["动态口令不正确或已使用。"]})
        return None

    @extend_schema(
        operation_id="auth_token_destroy",
        summary="吊销当前令牌（退出）",
        description="吊销本次请求所用的令牌，之后该令牌不能再使用。必须用令牌认证调用。",
        request=None,
        responses={204: None, 400: OpenApiResponse(ErrorSerializer, description="本次请求不是用令牌认证的"),
                   401: OpenApiResponse(ErrorSerializer, description="未认证或令牌无效")},
    )
    def delete(self, request: Request) -> Response:
        token = request.auth
        if not isinstance(token, ApiToken):
            return _error("not_token_auth", "本次请求不是用令牌认证的，没有可吊销的令牌。", status.HTTP_400_BAD_REQUEST)
        token_revoke(user=request.user, token=token)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


def _role(assignment: RoleAssignment) -> dict[str, Any]:
    unit = assignment.unit
    return {
        "assignment_id": assignment.pk,
        "code": assignment.role.code,
        "name": assignment.role.name,
        "is_primary": assignment.is_primary,
        "scope": {
            "code": assignment.scope,
            "name": assignment.get_scope_display(),
            "unit": {"id": unit.pk, "code": unit.code, "name": unit.name},
        },
    }


class MeView(APIView):
    """当前用户：所属单位、当前角色与数据范围、全部角色、当前角色的权限。"""

    permission_classes = [IsAuthenticated]
    schema = AutoSchema()
    schema_tags = ["认证"]

    @extend_schema(operation_id="auth_me", summary="当前用户", responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        active = user.get_active_assignment()
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return Response(MeSerializer({
            "user": {"id": user.pk, "username": user.username, "full_name": user.full_name},
            "unit": {"id": user.unit.pk, "code": user.unit.code, "name": user.unit.name},
            "role": _role(active) if active else None,
            "roles": [_role(a) for a in user.active_assignments()],
            "permissions": sorted(user.get_all_permissions()),
            "token": {"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at} if token else None,
            "password_change_required": bool(auth.password_needs_change(user)),
        }).data)
