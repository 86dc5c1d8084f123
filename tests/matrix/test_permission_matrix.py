"""The permission matrix: every URL pattern of the project (pages and API), as every kind of user
of two units, proves that nothing leaks outside the data scope, that no request answers 500, and
that every refused write changes nothing.

The routes come from the URL resolver, the users from the built-in roles; a module that adds pages
is covered without editing this file. See tests/matrix/registry.py for the few routes that need
help, and tests/matrix/world.py for the data.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from .checks import (
    Result,
    Target,
    Unresolvable,
    forbidden_markers,
    is_json_error,
    is_login_redirect,
    send,
    targets,
)
from .registry import NO_WRITE_SWEEP, PUBLIC
from .routes import Route, matrix_routes
from .rules import allowed_changes, read_denial_reason, write_denial_reason
from .world import Actor, World

pytestmark = pytest.mark.django_db

ROUTES = matrix_routes()
DENIED = {403, 404, 405}
MAX_REPORTED = 40


def _id(route: Route) -> str:
    return route.name if not route.name.startswith("<unnamed") else route.regex


class Problems(list):
    def add(self, actor: Actor, method: str, url: str, message: str) -> None:
        self.append(f"{actor.label:<28} {method.upper():<6} {url}  →  {message}")

    def check(self) -> None:
        if self:
            shown = "\n".join(self[:MAX_REPORTED])
            more = f"\n… and {len(self) - MAX_REPORTED} more" if len(self) > MAX_REPORTED else ""
            pytest.fail(f"{len(self)} problem(s):\n{shown}{more}", pytrace=False)


def _status(result: Result) -> str:
    return result.error or f"HTTP {result.status}"


def _leaks(body: str | None, markers: list[str]) -> list[str]:
    return [m for m in markers if body and m in body]


def _hostile_query(world: World, actor: Actor) -> str:
    """Filters pointing at the other side: a list must not use them to reach outside the scope."""
    other = world.sides[world.other(actor.side or "a")]
    return urlencode({"unit": other.unit.pk, "parent": other.unit.pk, "unit_id": other.unit.pk,
                      "q": "司马", "search": "司马"})


def _check_read(route: Route, world: World, actor: Actor, target: Target, problems: Problems) -> None:
    result = send(actor, "get", target.url, check_unchanged=False, api=route.is_api)
    if result.error or (result.status or 500) >= 500:
        problems.add(actor, "get", target.url, f"server error: {_status(result)}")
        return
    if actor.anonymous:
        if route.name in PUBLIC:
            return
        for _ in range(2):  # a redirect to another page (/standards/ -> /standards/tables/) is followed
            location = result.response["Location"] if result.status in (301, 302) and result.response else ""
            if not location.startswith("/") or is_login_redirect(result):
                break
            result = send(actor, "get", location, check_unchanged=False, api=route.is_api)
        if route.is_api:
            if result.status not in (401, 403, 405) or (result.status != 405 and not is_json_error(result)):
                problems.add(actor, "get", target.url, f"anonymous API call must get 401/403 JSON, got {_status(result)}")
        elif not (is_login_redirect(result) or result.status == 405):
            problems.add(actor, "get", target.url, f"anonymous must be sent to the login page, got {_status(result)}")
        return
    reason = read_denial_reason(route, actor, target)
    if reason and result.status not in DENIED:
        problems.add(actor, "get", target.url, f"must be 403/404 ({reason}), got {_status(result)}")
    markers = forbidden_markers(world, actor)
    leaked = _leaks(result.body, markers)
    if leaked:
        problems.add(actor, "get", target.url, f"shows the other unit's data: {leaked}")
    if target.obj is not None or result.status != 200 or not markers:
        return
    # A list: also try filters that point outside the scope, and the Excel export.
    for query in (_hostile_query(world, actor), "export=xlsx", "export=xlsx&" + _hostile_query(world, actor)):
        url = f"{target.url}?{query}"
        extra = send(actor, "get", url, check_unchanged=False, api=route.is_api)
        if extra.error or (extra.status or 500) >= 500:
            problems.add(actor, "get", url, f"server error: {_status(extra)}")
            continue
        leaked = _leaks(extra.body, markers)
        if leaked:
            what = "Excel export" if (extra.body or "").startswith("XLSX:") else "filtered list"
            problems.add(actor, "get", url, f"{what} shows the other unit's data: {leaked}")


def _check_write(route: Route, world: World, actor: Actor, target: Target, method: str,
                 problems: Problems) -> None:
    reason = write_denial_reason(route, actor, target, method)
    may_change = allowed_changes(route, actor) if reason is None else set()
    result = send(actor, method, target.url, check_unchanged=may_change is not None, api=route.is_api,
                  may_change=may_change or set(), baseline=world.baseline)
    if result.error or (result.status or 500) >= 500:
        problems.add(actor, method, target.url, f"server error: {_status(result)}")
        return
    if reason is None:
        if result.changed:
            problems.add(actor, method, target.url, f"changed what this request may not: {', '.join(result.changed)}")
        return
    if actor.anonymous:
        ok = result.status in (401, 403, 405) if route.is_api else (is_login_redirect(result) or result.status in (403, 405))
    else:
        ok = result.status in DENIED
    if not ok:
        problems.add(actor, method, target.url, f"must be refused ({reason}), got {_status(result)}")
    if result.changed:
        problems.add(actor, method, target.url, f"refused ({reason}) but changed: {', '.join(result.changed)}")


def _problems(route: Route, world: World) -> Problems:
    try:
        route_targets = targets(route, world)
    except Unresolvable as exc:
        unresolvable = str(exc)
    else:
        unresolvable = ""
    if unresolvable:
        pytest.fail(unresolvable, pytrace=False)
    problems = Problems()
    for actor in world.actors:
        for target in route_targets:
            if target.side == "a" and not actor.restricted:
                continue  # both sides look alike to anonymous and to users who see everything
            if route.accepts_get():
                _check_read(route, world, actor, target, problems)
            if route.name in NO_WRITE_SWEEP:
                continue
            for method in route.write_methods():
                _check_write(route, world, actor, target, method, problems)
    return problems


@pytest.mark.parametrize("route", ROUTES, ids=[_id(r) for r in ROUTES])
def test_route(route: Route, world: World) -> None:
    _problems(route, world).check()


def test_the_matrix_catches_broken_views(world: World, settings) -> None:
    """Views with the classic mistakes, mounted instead of the project's URLs: each must be reported."""
    settings.ROOT_URLCONF = "tests.matrix.broken_urls"
    found = {r.name: "\n".join(_problems(r, world)) for r in matrix_routes("tests.matrix.broken_urls")}
    assert "unit_admin@a                 GET    /people/  →  shows the other unit's data: ['司马卫青']" in found["person_list"]
    assert "must be 403/404 (object outside the actor's data scope), got HTTP 200" in found["person_detail"]
    assert "anonymous must be sent to the login page, got HTTP 200" in found["person_detail"]
    deactivate = found["unit_deactivate"]
    assert "must be refused (role has only view/export permissions), got HTTP 200" in deactivate
    assert "refused (object outside the actor's data scope) but changed: org.Unit" in deactivate
    assert "server error: ValueError: boom" in found["crash"]


def test_matrix_sees_every_app() -> None:
    """The walk must reach the pages and the API of every app, or the matrix proves nothing."""
    prefixes = {r.template.split("/")[1] for r in ROUTES}
    assert {"accounts", "org", "api"} <= prefixes, prefixes


def test_world_has_every_kind_of_user(world: World) -> None:
    from qinjian.accounts.roles import default_roles

    codes = {spec["code"] for spec in default_roles()}
    made = {label.split("@")[0] for label in world.all_users}
    assert codes <= made
    scopes = {a.scope for a in world.actors if a.user is not None}
    assert {"all", "unit_tree", "unit", "own"} <= scopes


def test_exports_are_read_as_workbooks(world: World) -> None:
    """The leak check really opens the Excel file: a unit admin's export has its own people only."""
    from django.urls import reverse

    actor = next(a for a in world.actors if a.label == "unit_admin@a")
    result = send(actor, "get", reverse("org:person_list") + "?export=xlsx", check_unchanged=False, api=False)
    assert result.status == 200
    assert (result.body or "").startswith("XLSX:")
    assert "欧阳明远" in result.body
    assert "司马卫青" not in result.body
