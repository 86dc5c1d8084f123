"""The machinery of the permission matrix: filling a route's URL from the world, sending requests
that change nothing in the end, and the rules a response must obey."""

from __future__ import annotations

import hashlib
import io
import json
import traceback
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.http import HttpResponse

from qinjian.core.scope import DataScope

from .registry import KWARG_ALIASES, ROUTES, RouteSpec
from .routes import Route
from .world import Actor, World, WorldIncomplete, scope_unit_field

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Unresolvable(Exception):
    pass


# --- building URLs ---------------------------------------------------------------------------------

def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _project_models() -> dict[str, type[models.Model]]:
    return {m._meta.model_name: m for m in apps.get_models() if m.__module__.startswith("qinjian.")}


def route_spec(route: Route) -> RouteSpec:
    return ROUTES.get(route.name, RouteSpec())


def route_model(route: Route) -> type[models.Model] | None:
    spec = route_spec(route)
    if spec.model:
        return _model(spec.model)
    return route.model()


@dataclass
class Target:
    """The URL of a route for one side of the world, and the object it points at (if any)."""

    side: str | None
    url: str
    obj: Any = None


def _kwarg_model(route: Route, name: str) -> type[models.Model] | None:
    if name in ("pk", "id"):
        return route_model(route)
    base = name
    for suffix in ("_pk", "_id"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    if base in KWARG_ALIASES:
        return _model(KWARG_ALIASES[base])
    return _project_models().get(base.replace("_", ""))


def targets(route: Route, world: World) -> list[Target]:
    """One URL per side for routes with kwargs (object of unit A, object of unit B); one otherwise."""
    if not route.params:
        return [Target(None, route.template)]
    spec = route_spec(route)
    out = []
    for side in ("a", "b"):
        values: dict[str, Any] = {}
        primary = None
        for name in route.params:
            given = (spec.kwargs or {}).get(name)
            try:
                if callable(given):
                    obj = given(world, side)
                    values[name] = getattr(obj, name) if name not in ("pk", "id") and hasattr(obj, name) else obj.pk
                    primary = obj if primary is None or name in ("pk", "id") else primary
                    continue
                model = _model(given) if isinstance(given, str) else _kwarg_model(route, name)
                if model is None:
                    raise Unresolvable(
                        f"{route.name} ({route.template}): cannot tell which model the URL kwarg "
                        f"'{name}' refers to. Give the view class a `model`/`queryset`, or register the route "
                        f"in tests/matrix/registry.py ROUTES[{route.name!r}] = RouteSpec(kwargs={{{name!r}: "
                        f"'app.Model'}}) (or model='app.Model' for its pk)."
                    )
                obj = world.obj(model, side)
            except WorldIncomplete as exc:
                raise Unresolvable(f"{route.name}: {exc}") from exc
            values[name] = obj.pk
            if primary is None or name in ("pk", "id"):
                primary = obj
        out.append(Target(side, route.build(values), primary))
    return out


def visible(route: Route, actor: Actor, target: Target) -> bool | None:
    """False: the actor must not reach this object. None: the matrix makes no claim."""
    if target.obj is None or actor.user is None:
        return None
    spec = route_spec(route)
    if spec.visible_to is not None:
        return spec.visible_to(actor, target.obj)
    if scope_unit_field(type(target.obj)) is None:
        return None  # shared reference data (ranks, regions, roles)
    if actor.role is None:
        return False
    if actor.restricted and actor.side != target.side:
        return False
    if actor.scope == DataScope.OWN:
        # "own records" as the model itself defines them (own_records_q), e.g. a staff member's person row
        model = type(target.obj)
        own = getattr(model, "own_records_q", None)
        if own is None or not model._base_manager.filter(own(actor.user), pk=target.obj.pk).exists():
            return False
    return None


def forbidden_markers(world: World, actor: Actor) -> list[str]:
    if not actor.restricted:
        return []
    return [m for key, side in world.sides.items() if key != actor.side for m in side.markers]


# --- "nothing changed" -------------------------------------------------------------------------------

_NOT_TRACKED = {
    "core.securityevent",       # a denial may (and should) append access_denied; checked below
    "core.securitychainhead",
    "core.objectchange",        # checked as max id below
    "core.workerheartbeat",
    "accounts.usersession",
    "sessions.session",
}
_DENIAL_EVENTS = ("access_denied",)


def _tracked_models() -> list[type[models.Model]]:
    return [
        m for m in apps.get_models(include_auto_created=True)
        if m.__module__.startswith("qinjian.") and m._meta.label_lower not in _NOT_TRACKED
        and not m._meta.proxy and m._meta.managed
    ]


@cache
def _snapshot_queries() -> list[tuple[str, str]]:
    """Per table, a query whose result changes when any row does. PostgreSQL hashes in one round trip."""
    qn = connection.ops.quote_name
    models_ = _tracked_models()
    if connection.vendor == "postgresql":
        parts = [
            f"SELECT '{m._meta.label}', COUNT(*)::text || ':' || COALESCE(md5(string_agg(t::text, '|' "
            f"ORDER BY t.{qn(m._meta.pk.column)})), '') FROM {qn(m._meta.db_table)} t"
            for m in models_
        ]
        return [("*", " UNION ALL ".join(parts))]
    return [(m._meta.label, f"SELECT * FROM {qn(m._meta.db_table)} ORDER BY {qn(m._meta.pk.column)}")
            for m in models_]


def snapshot() -> dict[str, Any]:
    """Every row of every business table (the world is small), the audit-log high-water mark, and the
    number of security events other than denials."""
    from qinjian.core.models import ObjectChange, SecurityEvent

    out: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for label, sql in _snapshot_queries():
            cursor.execute(sql)
            if label == "*":
                out.update(dict(cursor.fetchall()))
            else:
                out[label] = hashlib.sha1(repr(cursor.fetchall()).encode()).hexdigest()
    out["core.ObjectChange(max id)"] = ObjectChange.objects.order_by("-id").values_list("id", flat=True).first()
    out["core.SecurityEvent(other than denials)"] = (
        SecurityEvent.objects.exclude(event_type__in=_DENIAL_EVENTS).count()
    )
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [k for k in before if before[k] != after.get(k)]


# --- sending requests --------------------------------------------------------------------------------

@dataclass
class Result:
    status: int | None
    response: HttpResponse | None
    error: str = ""
    changed: list[str] | None = None   # None: not checked
    body: str | None = None


def send(actor: Actor, method: str, url: str, *, check_unchanged: bool, api: bool,
         may_change: set[str] = frozenset(), baseline: dict[str, Any] | None = None) -> Result:  # type: ignore[assignment]
    """One request inside a savepoint that is rolled back, so the world stays as built."""
    client = actor.client
    result = Result(None, None)
    with transaction.atomic():
        # Every request is rolled back, so the state before each one is the world as built (baseline).
        before = (baseline or snapshot()) if check_unchanged else None
        try:
            if method == "get":
                response = client.get(url)
            elif method == "delete":
                response = client.delete(url)
            elif api:
                response = client.generic(method.upper(), url, data="{}", content_type="application/json")
            else:
                response = client.generic(method.upper(), url, data="",
                                          content_type="application/x-www-form-urlencoded")
            result.response, result.status = response, response.status_code
            result.body = body_text(response)
        except Exception as exc:  # a view that raises is a 500 in production
            result.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            tb = traceback.extract_tb(exc.__traceback__)
            here = [f for f in tb if "/qinjian/" in f.filename]
            if here:
                result.error += f"  (at {here[-1].filename.split('/qinjian/')[-1]}:{here[-1].lineno})"
        if before is not None and not result.error:
            try:
                result.changed = [t for t in diff(before, snapshot()) if t.split("(")[0] not in may_change]
            except Exception as exc:  # the view left the transaction broken
                result.error = f"transaction broken after the request: {exc!r}"
        transaction.set_rollback(True)
    return result


def body_text(response: HttpResponse) -> str | None:
    """What a person or program would read in the response: HTML/JSON text, or the cells of a workbook."""
    content_type = response.get("Content-Type", "")
    streaming = getattr(response, "streaming", False)
    raw = b"".join(response.streaming_content) if streaming else response.content  # type: ignore[attr-defined]
    if content_type.startswith(XLSX):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                 for c in row if c is not None]
        return "XLSX:" + "\t".join(cells)
    if "json" in content_type:
        try:
            return json.dumps(json.loads(raw), ensure_ascii=False)
        except ValueError:
            return raw.decode("utf-8", "replace")
    if content_type.startswith("text/") or not content_type:
        return raw.decode("utf-8", "replace")
    return None


def is_login_redirect(result: Result) -> bool:
    if result.status not in (301, 302, 303) or result.response is None:
        return False
    return result.response["Location"].startswith("/accounts/login/")


def is_json_error(result: Result) -> bool:
    try:
        return "code" in json.loads(result.body or "")
    except ValueError:
        return False
