"""Which permission a write route needs, as far as the view or the project's conventions tell."""

from __future__ import annotations

from functools import cache

from django.db import models

from .checks import Target, route_model, route_spec, visible
from .registry import PREFERENCE_VIEWS, PUBLIC, SELF_SERVICE
from .routes import Route
from .world import Actor

_VERB_TO_ACTION = {
    "create": "add", "add": "add", "new": "add",
    "edit": "change", "update": "change", "change": "change",
    "delete": "delete", "remove": "delete", "destroy": "delete",
}
_DRF_ACTION = {"create": "add", "update": "change", "partial_update": "change", "destroy": "delete"}


@cache
def _permission_exists(app_label: str, codename: str) -> bool:
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists()


def _perm(model: type[models.Model], action: str) -> str | None:
    codename = f"{action}_{model._meta.model_name}"
    return f"{model._meta.app_label}.{codename}" if _permission_exists(model._meta.app_label, codename) else None


def required_permissions(route: Route, method: str) -> set[str]:
    """Permissions the route certainly needs; empty when neither the view nor the name says."""
    declared = route.declared_permissions()
    if declared:
        return declared
    model = route_model(route)
    if model is None:
        return set()
    if route.drf_actions:
        action = route.drf_actions.get(method, "")
        verb = _DRF_ACTION.get(action, action)
    else:
        prefix = f"{model._meta.model_name}_"
        name = route.url_name.replace("-", "_")
        if not name.startswith(prefix):
            return set()
        verb = name[len(prefix):]
    for candidate in (verb, verb.split("_", 1)[0]):  # "import_commit" -> import_<model>
        perm = _perm(model, _VERB_TO_ACTION.get(candidate, candidate))
        if perm:
            return {perm}
    return set()


# Verbs in url names that mark a function view as one that changes state.
WRITE_VERBS = {
    "create", "add", "new", "edit", "update", "change", "delete", "remove", "destroy", "deactivate",
    "activate", "enable", "disable", "move", "import", "reset", "unlock", "lock", "revoke", "grant", "assign",
    "approve", "reject", "return", "submit", "cancel", "restore", "upload", "merge", "save", "set",
}


def is_write_route(route: Route) -> bool:
    """Class-based and API views say so by their methods; function views by their name or registry entry."""
    spec_write = route_spec(route).write
    if spec_write is not None:  # the registry knows better (e.g. a POST that only computes)
        return spec_write
    if route.view_class is not None or route.drf_actions:
        return bool(route.write_methods())
    # Names are "<entity>_<verb...>": "unit_import_commit", "token_create"; "change_detail" is a noun.
    name = route.url_name.replace("-", "_")
    model = route_model(route)
    if model is not None and name.startswith(model._meta.model_name + "_"):
        verbs = name[len(model._meta.model_name) + 1:].split("_")
    else:
        verbs = name.split("_")[1:]
    return bool(set(verbs) & WRITE_VERBS)


def preference_tables(route: Route) -> set[str] | None:
    """For a page whose POST only saves the user's own display settings: the tables it may change."""
    if route.view_class is None:
        return None
    for klass in route.view_class.__mro__:
        tables = PREFERENCE_VIEWS.get(f"{klass.__module__}.{klass.__qualname__}")
        if tables is not None:
            return tables
    return None


def write_denial_reason(route: Route, actor: Actor, target: Target, method: str) -> str | None:
    """Why this actor must be refused this write, or None if the matrix makes no claim."""
    if actor.anonymous:
        return None if route.name in PUBLIC or not is_write_route(route) else "anonymous"
    if visible(route, actor, target) is False:
        return "object outside the actor's data scope"
    if preference_tables(route) is not None:
        model = route_model(route)
        if model is not None and _perm(model, "view") not in actor.perms:
            return f"role lacks the view permission on {model._meta.label}"
        return None
    if route.name in SELF_SERVICE or not is_write_route(route):
        return None
    if actor.role is None:
        return "user has no role"
    if actor.read_only():
        return "role has only view/export permissions"
    needed = required_permissions(route, method)
    missing = needed - actor.perms
    if missing:
        return f"role lacks {', '.join(sorted(missing))}"
    model = route_model(route)
    if model is not None:
        writes = {p for p in actor.perms_on(model) if not p.split(".", 1)[1].startswith(("view_", "export_"))}
        if not writes:
            return f"role has no write permission on {model._meta.label}"
    return None


def read_denial_reason(route: Route, actor: Actor, target: Target) -> str | None:
    """Why this actor must get 403/404 on this GET, or None."""
    if actor.anonymous:
        return None  # anonymous rules are separate
    if visible(route, actor, target) is False:
        return "object outside the actor's data scope"
    if route.name in SELF_SERVICE:
        return None
    model = route_model(route)
    if model is not None and not actor.perms_on(model):
        return f"role has no permission at all on {model._meta.label}"
    return None


def allowed_changes(route: Route, actor: Actor) -> set[str] | None:
    """Tables a POST that is not refused may change; None: no claim (the actor may really write)."""
    tables = preference_tables(route)
    if tables is not None:
        return tables
    if route.name not in SELF_SERVICE and not is_write_route(route):
        # A page that does not write (the home page) changes nothing, for anyone; reading the
        # audit log is itself recorded as a security event.
        return {"core.SecurityEvent"}
    return None
