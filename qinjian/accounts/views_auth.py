"""Login, second factor, logout, password change and role switch."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from qinjian.core import security_log
from qinjian.core.errors import DomainError
from qinjian.core.middleware import client_ip

from .forms import LoginForm, PasswordChangeForm, TotpForm
from .models import User
from .services import auth

MFA_SESSION_KEY = "qj_mfa_user"
MFA_TTL_SECONDS = 300
MFA_MAX_TRIES = 5


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _complete_login(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    login(request, user, backend="qinjian.accounts.backends.RoleBackend")
    request.session["qj_login_at"] = timezone.now().timestamp()
    primary = user.get_active_assignment()
    request.session["qj_assignment"] = primary.pk if primary else None
    request.session.save()
    auth.session_opened(user=user, session_key=request.session.session_key or "", ip=client_ip(request),
                        user_agent=request.META.get("HTTP_USER_AGENT", ""))
    if auth.password_needs_change(user):
        return redirect("accounts:password_change")
    return redirect(next_url)


@never_cache
@csrf_protect
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST or None)
    error = ""
    if request.GET.get("expired"):
        error = "会话已超时或已在别处结束，请重新登录。"
    if request.method == "POST" and form.is_valid():
        try:
            user = auth.login_attempt(username=form.cleaned_data["username"], password=form.cleaned_data["password"],
                                      ip=client_ip(request))
        except auth.LoginFailed as exc:
            error = exc.message
        else:
            if user.requires_mfa():
                request.session.cycle_key()
                request.session[MFA_SESSION_KEY] = {"user": user.pk, "at": timezone.now().timestamp(), "tries": 0,
                                                    "next": _next_url(request)}
                return redirect("accounts:mfa")
            return _complete_login(request, user, _next_url(request))
    elif request.method == "POST":
        error = "请输入账户名和密码。"
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": _next_url(request),
                                                   "policy": auth.policy})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@never_cache
@csrf_protect
def mfa_view(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(MFA_SESSION_KEY)
    if not pending or timezone.now().timestamp() - pending["at"] > MFA_TTL_SECONDS:
        request.session.pop(MFA_SESSION_KEY, None)
        messages.error(request, "验证已超时，请重新登录。")
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("accounts:login")
    enrolling = user.totp_confirmed_at is None
    if enrolling and not user.totp_secret:
        auth.totp_begin_enrollment(user=user)
    form = TotpForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid() and auth.totp_verify(user=user, code=form.cleaned_data["code"], enrolling=enrolling):
            request.session.pop(MFA_SESSION_KEY, None)
            return _complete_login(request, user, pending.get("next") or "/")
        pending["tries"] += 1
        request.session[MFA_SESSION_KEY] = pending
        if pending["tries"] >= MFA_MAX_TRIES:
            request.session.pop(MFA_SESSION_KEY, None)
            messages.error(request, "动态口令错误次数过多，请重新登录。")
            return redirect("accounts:login")
        error = "动态口令不正确或已使用，请输入认证器上的最新 6 位数字。"
    context = {"form": form, "error": error, "enrolling": enrolling, "user_name": user.display_name}
    if enrolling:
        context["secret"] = user.totp_secret
        context["qr"] = _qr_svg(auth.totp_uri(user))
    return render(request, "accounts/mfa.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.session_closed(user=request.user, session_key=request.session.session_key)
    logout(request)
    messages.success(request, "已安全退出。")
    return redirect("accounts:login")


@never_cache
@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    reason = auth.password_needs_change(user)  # type: ignore[arg-type]
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth.password_change(user=user, old_password=form.cleaned_data["old_password"],  # type: ignore[arg-type]
                                 new_password=form.cleaned_data["new_password1"],
                                 keep_session=request.session.session_key)
        except DomainError as exc:
            for field, errors in exc.fields.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            # keep this session alive after the hash changed (Django cycles its key)
            old_key = request.session.session_key
            update_session_auth_hash(request, user)  # type: ignore[arg-type]
            request.session.save()
            auth.session_rekeyed(old_key=old_key, new_key=request.session.session_key)
            messages.success(request, "密码已修改。")
            return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form, "reason": reason})


@require_POST
@login_required
def role_switch_view(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("assignment")
    user = request.user
    for assignment in user.active_assignments():  # type: ignore[union-attr]
        if str(assignment.pk) == wanted:
            request.session["qj_assignment"] = assignment.pk
            security_log.record("role_switched", user=user, role=assignment.role.code, unit=assignment.unit_id)
            messages.success(request, f"已切换为：{assignment.role.name}（{assignment.unit.name}）")
            return redirect("core:home")
    messages.error(request, "无法切换到该角色。")
    return redirect("core:home")
