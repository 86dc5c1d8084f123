"""The 审批 tab on detail pages: the approvals of an approvable object (with the whole trail), and on a
unit's page the approvals that unit applied for."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string

from qinjian.core.ui.extensions import DetailTab, register_detail_tab
from qinjian.org.models import Unit

from . import selectors
from .registry import is_approvable


def _applies(model: type[models.Model]) -> bool:
    return model is Unit or is_approvable(model)


def _requests(request: HttpRequest, obj: Any) -> models.QuerySet:
    user = request.user
    if isinstance(obj, Unit):
        qs = selectors.visible_requests(user).filter(applicant_unit=obj)
    else:
        qs = selectors.requests_for_object(user, obj)
    return qs.select_related("applicant", "applicant_unit", "content_type").order_by("-submitted_at", "-id")


def _render(request: HttpRequest, obj: Any) -> str:
    approvals = list(_requests(request, obj)[:20])
    with_trail = not isinstance(obj, Unit)
    rows = [{"approval": a, "trail": list(selectors.trail(a)) if with_trail else []} for a in approvals]
    return render_to_string("workflow/_object_tab.html", {"rows": rows, "with_trail": with_trail, "object": obj},
                            request=request)


def _count(request: HttpRequest, obj: Any) -> int | None:
    return _requests(request, obj).count() or None


register_detail_tab(DetailTab(key="approvals", title="审批", order=50, applies=_applies, render=_render,
                              permission="workflow.view_approvalrequest", count=_count))
