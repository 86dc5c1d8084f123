"""我的 API 令牌: every user lists, creates (key shown once) and revokes their own tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from qinjian.core.errors import DomainError
from qinjian.core.ui.views import apply_domain_error

from .forms import TokenForm
from .services import tokens as token_services
from .tables import TokenTable

CRUMBS = [("我的 API 令牌", "/accounts/tokens/")]


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    rows = list(token_services.tokens_of(request.user))  # type: ignore[arg-type]
    return render(request, "accounts/token_list.html", {
        "page_title": "我的 API 令牌", "breadcrumbs": [("我的 API 令牌", "")], "table": TokenTable(rows),
        "tokens": rows,
    })


@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = token_services.token_create_for(user=request.user, name=form.cleaned_data["name"],  # type: ignore[arg-type]
                                                         assignment_id=form.cleaned_data.get("assignment"))
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            # The key is in this response only; the database keeps its digest.
            return render(request, "accounts/token_created.html", {
                "page_title": "令牌已创建", "breadcrumbs": [*CRUMBS, ("令牌已创建", "")], "token": token, "key": key})
    return render(request, "ui/form.html", {
        "form": form, "page_title": "新建 API 令牌", "breadcrumbs": [*CRUMBS, ("新建", "")],
        "cancel_url": "/accounts/tokens/", "submit_label": "创建令牌", "view": None,
    })


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(token_services.tokens_of(request.user), pk=pk)  # type: ignore[arg-type]
    token_services.token_revoke(user=request.user, token=token)  # type: ignore[arg-type]
    messages.success(request, f"令牌“{token.name}”已吊销。")
    return redirect("accounts:token_list")
