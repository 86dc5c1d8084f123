"""What introspection cannot tell the permission matrix about a route. Keep it short: most routes
need nothing here. A route the matrix cannot build a URL for fails the test with a message that
points to this file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Anonymous users may open these (everything else: login redirect for pages, 401/403 for the API).
PUBLIC = {
    "healthz",
    "accounts:login",
    "accounts:mfa",        # redirects to the login page without a pending second factor
    "api-schema",
    "api-docs",
    "auth-api:token",      # obtaining a token is the API's login
}

# A user's own session things: every signed-in user may POST here whatever the role. The matrix
# still checks that they never answer 500, but does not expect a denial.
SELF_SERVICE = {
    "core:inbox_read_all",
    "core:inbox_read",     # only for one's own message: see ROUTES below
    "accounts:login",
    "accounts:mfa",
    "accounts:password_change",
    "accounts:role_switch",
    "auth-api:token",      # POST logs in, DELETE revokes the caller's own token
    "auth-api:me",
    "accounts:token_list",    # everyone manages their own API tokens
    "accounts:token_create",
    "accounts:token_revoke",  # only one's own: see ROUTES below
    "jobs:jobrun_cancel",     # one's own job only: see ROUTES below
    "jobs-api:jobrun-cancel",
    # Approval actions: who may act is the assignment (role + unit rule + scope), decided by the
    # approvals service, not a model permission; the scope denial is still checked (see ROUTES).
    "workflow:approvalrequest_approve",
    "workflow:approvalrequest_reject",
    "workflow:approvalrequest_return",
    "workflow:approvalrequest_withdraw",
    "workflow:approvalrequest_comment",
    "workflow-api:request-approve",
    "workflow-api:request-reject",
    "workflow-api:request-return",
    "workflow-api:request-withdraw",
    "workflow-api:request-comment",
    "workflow-api:request-submit",
}

# Not POSTed by the sweep at all: it ends the very session the matrix is using (its own tests cover it).
NO_WRITE_SWEEP = {
    "accounts:logout",
}


@dataclass(frozen=True)
class RouteSpec:
    """How to fill a route's kwargs and who may reach its object.

    ``kwargs``: kwarg name -> model label ("org.Unit") or a function(world, side) -> the object (the URL
    gets its attribute of the kwarg's name if it has one, else its pk).
    ``model``: the model whose permissions the route needs, when the view does not say.
    ``visible_to``: function(actor, obj) -> bool replacing the unit-scope rule for this route.
    ``write``: whether a function view changes state on POST (when its name does not tell).
    """

    kwargs: dict[str, str | Callable[[Any, str], Any]] | None = None
    model: str | None = None
    visible_to: Callable[[Any, Any], bool] | None = None
    write: bool | None = None


def _recipient_only(actor: Any, obj: Any) -> bool:
    return actor.user is not None and obj.recipient_id == actor.user.pk


def _owner_only(actor: Any, obj: Any) -> bool:
    return actor.user is not None and obj.user_id == actor.user.pk


def _uploader_only(actor: Any, obj: Any) -> bool:
    return actor.user is not None and obj.user_id == actor.user.pk


def _import_routes(prefix: str, kind: str) -> dict[str, RouteSpec]:
    """The import wizard's batch pages: only the uploader may open them; permissions are the ledger's."""
    from .world import import_batch

    spec = RouteSpec(kwargs={"token": import_batch(kind)}, model=kind, visible_to=_uploader_only)
    return {f"{prefix}_{step}": spec for step in ("preview", "commit", "errors")}


def _job_routes() -> dict[str, RouteSpec]:
    # the jobs themselves are built in world.py (one per side, started by that side's unit admin)
    seen = RouteSpec(model="jobs.JobRun")
    owner = RouteSpec(model="jobs.JobRun", visible_to=_owner_only)
    return {"jobs:jobrun_detail": seen, "jobs-api:jobrun-detail": seen,
            "jobs:jobrun_download": owner, "jobs:jobrun_cancel": owner, "jobs-api:jobrun-cancel": owner}


def _unit_attachment(world: Any, side: str) -> Any:
    """The text file on that side's unit (world.py uploads it; its name carries the side's marker)."""
    from qinjian.attachments.models import Attachment

    return Attachment._base_manager.get(pk=world.extra[f"attachment_{side}"])


def _unit_of_side(world: Any, side: str) -> Any:
    return world.sides[side].unit


def _unit_token(world: Any, side: str) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(model="org.unit", pk=0)


_MATRIX_UNIT_SIDES = {"QA-JYJ": "a", "QA-WJW": "b"}


def _attachment_visible(actor: Any, attachment: Any) -> bool | None:
    """An attachment is visible exactly when its object (here a unit of one side) is."""
    if actor.user is None:
        return None
    if actor.role is None:
        return False
    side = _MATRIX_UNIT_SIDES.get(getattr(attachment.content_object, "code", ""))
    if actor.restricted and actor.side != side:
        return False
    if actor.scope == "own":
        return False  # a unit is nobody's own record
    return None


def _attachment_routes() -> dict[str, RouteSpec]:
    on_unit = {"model": _unit_token, "pk": _unit_of_side}
    one = RouteSpec(kwargs={"pk": _unit_attachment}, model="attachments.Attachment", visible_to=_attachment_visible)
    return {
        "attachments:attachment_upload": RouteSpec(kwargs=on_unit, model="attachments.Attachment"),
        "attachments:attachment_download": one,
        "attachments:attachment_thumbnail": one,
        "attachments:attachment_delete": one,
        "attachments:qr_resolve": RouteSpec(kwargs=on_unit),
        "attachments:qr_png": RouteSpec(kwargs=on_unit),
        "attachments:qr_svg": RouteSpec(kwargs=on_unit),
        "attachments-api:qr": RouteSpec(kwargs=on_unit),
        "attachments-api:attachment-detail": one,
        "attachments-api:attachment-download": one,
    }


def _alert(world: Any, side: str) -> Any:
    """The open alert of that side's unit (world.py opens it; its title carries the side's marker)."""
    from qinjian.alerts.models import Alert

    return Alert.objects.get(pk=world.extra[f"alert_{side}"])


def _alert_routes() -> dict[str, RouteSpec]:
    spec = RouteSpec(kwargs={"pk": _alert}, model="alerts.Alert")
    return {name: spec for name in ("alerts:alert_detail", "alerts:alert_handle", "alerts:alert_close",
                                    "alerts-api:alert-detail", "alerts-api:alert-handle", "alerts-api:alert-close")}


def _staffing_request(world: Any, side: str) -> Any:
    """The submitted 编制调整申请 of that side's unit (built with the world, see world.py)."""
    from qinjian.org.models import StaffingChangeRequest

    return StaffingChangeRequest.objects.get(pk=world.extra[f"staffing_{side}"])


def _approval(world: Any, side: str) -> Any:
    from qinjian.workflow.models import ApprovalRequest

    request = _staffing_request(world, side)
    return ApprovalRequest.objects.get(content_type__model="staffingchangerequest", object_id=request.pk)


def _approval_routes() -> dict[str, RouteSpec]:
    staffing = RouteSpec(kwargs={"pk": _staffing_request}, model="org.StaffingChangeRequest")
    approval = RouteSpec(kwargs={"pk": _approval}, model="workflow.ApprovalRequest")
    return {
        **{f"org:staffingchangerequest_{v}": staffing for v in ("detail", "edit", "submit")},
        **{f"org-api:staffingchangerequest-{v}": staffing for v in ("detail", "submit", "revise")},
        **{f"workflow:approvalrequest_{v}": approval
           for v in ("detail", "approve", "reject", "return", "withdraw", "comment")},
        **{f"workflow-api:request-{v}": approval
           for v in ("detail", "approve", "reject", "return", "withdraw", "comment")},
    }


ROUTES: dict[str, RouteSpec] = {
    **_approval_routes(),
    **_alert_routes(),
    **_attachment_routes(),
    **_job_routes(),
    "core:inbox_read": RouteSpec(model="core.Notification", visible_to=_recipient_only),
    # POST only computes class suggestions for names (nothing is written): any reader of assets may
    "assets-api:asset-classify": RouteSpec(model="assets.Asset", write=False),
    "core:change_detail": RouteSpec(model="core.ObjectChange"),
    "accounts:token_revoke": RouteSpec(model="accounts.ApiToken", visible_to=_owner_only),
    **_import_routes("org:unit_import", "org.unit"),
    **_import_routes("org:person_import", "org.person"),
}

# kwarg names that do not spell the model name ("<model>_pk", "<model>_id", "<model>").
KWARG_ALIASES = {
    "assignment": "accounts.RoleAssignment",
    "token": "accounts.ApiToken",
    "change": "core.ObjectChange",
    "event": "core.SecurityEvent",
    "notification": "core.Notification",
    "dept": "org.Department",
    "department": "org.Department",
}

# View classes whose POST saves a personal setting of a page the user may view (a list's columns and
# page size): allowed with the view permission, and may change only these tables.
PREFERENCE_VIEWS = {
    "qinjian.core.ui.views.ObjectListView": {"core.UserPreference"},
}
