"""After authentication: the active role, the acting user in the audit context, session limits,
and the forced password change."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from qinjian.core import context

from .services.auth import password_needs_change, session_closed

EXEMPT_PREFIXES = ("/accounts/login", "/accounts/logout", "/accounts/mfa", "/accounts/password", "/healthz",
                   "/static/", "/api/auth/")


def bind_user(user: object, assignment_id: int | None) -> None:
    """Make the user the actor of the current request/job with the chosen role."""
    user.set_active_assignment(assignment_id)  # type: ignore[attr-defined]
    ctx = context.current()
    ctx.user = user
    assignment = user.get_active_assignment()  # type: ignore[attr-defined]
    ctx.role_code = assignment.role.code if assignment else ""


class AccountPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            bind_user(user, request.session.get("qj_assignment"))
            now = int(timezone.now().timestamp())
            login_at = request.session.get("qj_login_at", 0)
            if login_at and now - login_at > settings.QINJIAN_SECURITY["ABSOLUTE_SESSION_SECONDS"]:
                return self._end(request, "absolute_timeout")
            seen = request.session.get("qj_seen", 0)
            if seen and now - seen >= settings.SESSION_COOKIE_AGE:
                # the store expires idle sessions itself; this holds whatever the store (a cache keeps its own time)
                return self._end(request, "idle_timeout")
            if now - seen >= settings.QINJIAN_SECURITY["SESSION_REFRESH_SECONDS"]:
                request.session["qj_seen"] = now  # a modified session is saved with a fresh idle expiry
            if password_needs_change(user) and not request.path.startswith(EXEMPT_PREFIXES):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"code": "password_change_required", "message": "请先修改密码后再使用系统。", "fields": {}},
                        status=403,
                    )
                return redirect("accounts:password_change")
        elif settings.SESSION_COOKIE_NAME in request.COOKIES and not request.path.startswith(EXEMPT_PREFIXES):
            request.qj_session_expired = True  # type: ignore[attr-defined]
        return self.get_response(request)

    def _end(self, request: HttpRequest, reason: str) -> HttpResponse:
        session_closed(user=request.user, session_key=request.session.session_key, reason=reason)
        logout(request)
        return self._expired(request)

    def _expired(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "session_expired", "message": "会话已过期，请重新登录。", "fields": {}},
                                status=401)
        return redirect(reverse("accounts:login") + "?expired=1")
