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


ROUTES: dict[str, RouteSpec] = {
    "core:inbox_read": RouteSpec(model="core.Notification", visible_to=_recipient_only),
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
