"""Every URL pattern of the project, flattened, with what introspection can tell about its view.

The permission matrix is generated from this list, so a module that adds pages is covered
without editing the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize
from django.views.generic import RedirectView

_HTTP_WRITE = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str                 # "org:unit_detail"; unnamed patterns get their regex
    regex: str                # the whole regex from the root, without anchors
    template: str             # "/org/units/%(pk)s/" (from django.utils.regex_helper.normalize)
    params: tuple[str, ...]   # kwargs the URL needs
    callback: Any
    is_api: bool
    view_class: Any = None
    drf_actions: dict[str, str] = field(default_factory=dict)  # DRF viewset: method -> action

    @property
    def url_name(self) -> str:
        return self.name.rsplit(":", 1)[-1]

    def build(self, kwargs: dict[str, Any]) -> str:
        return self.template % {k: str(v) for k, v in kwargs.items()}

    # --- what the view says about itself ---------------------------------------------------------
    def model(self) -> type[models.Model] | None:
        cls = self.view_class
        if cls is None:
            return None
        model = getattr(cls, "model", None)
        if isinstance(model, type) and issubclass(model, models.Model):
            return model
        queryset = getattr(cls, "queryset", None)
        if queryset is not None and hasattr(queryset, "model"):
            return queryset.model
        serializer = getattr(cls, "serializer_class", None)
        meta = getattr(serializer, "Meta", None)
        if meta is not None and getattr(meta, "model", None) is not None:
            return meta.model
        return None

    def write_methods(self) -> list[str]:
        """HTTP methods that may change state. Function views: POST (we cannot know more)."""
        if self.drf_actions:
            return [m for m in _HTTP_WRITE if m in self.drf_actions]
        cls = self.view_class
        if cls is None:
            return ["post"]
        if issubclass(cls, RedirectView):
            return []  # answers every method with the same redirect
        allowed = [m for m in getattr(cls, "http_method_names", _HTTP_WRITE) if m in _HTTP_WRITE]
        return [m for m in allowed if hasattr(cls, m)]

    def accepts_get(self) -> bool:
        if self.drf_actions:
            return "get" in self.drf_actions
        cls = self.view_class
        if cls is None:
            return True
        return hasattr(cls, "get") and "get" in getattr(cls, "http_method_names", ("get",))

    def declared_permissions(self) -> set[str]:
        """Permissions the view class declares (Django's PermissionRequiredMixin convention)."""
        cls = self.view_class
        perms = getattr(cls, "permission_required", None) if cls is not None else None
        if not perms:
            return set()
        return {perms} if isinstance(perms, str) else set(perms)


def _strip(regex: str, *, endpoint: bool) -> str:
    if regex.startswith("^"):
        regex = regex[1:]
    if endpoint:
        for tail in ("\\Z", "$"):
            if regex.endswith(tail):
                regex = regex[: -len(tail)]
    return regex


def _walk(patterns: list[Any], prefix: str, namespace: tuple[str, ...]) -> list[Route]:
    routes: list[Route] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + ((p.namespace,) if p.namespace else ())
            routes.extend(_walk(p.url_patterns, prefix + _strip(p.pattern.regex.pattern, endpoint=False), ns))
            continue
        assert isinstance(p, URLPattern)
        regex = prefix + _strip(p.pattern.regex.pattern, endpoint=True)
        possibilities = normalize(regex)
        template, params = possibilities[0] if possibilities else (regex, [])
        callback = p.callback
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        actions = dict(getattr(callback, "actions", None) or {})
        name = ":".join((*namespace, p.name)) if p.name else f"<unnamed {regex}>"
        routes.append(Route(
            name=name, regex=regex, template="/" + template, params=tuple(params), callback=callback,
            is_api=regex.startswith("api/"), view_class=view_class, drf_actions=actions,
        ))
    return routes


def all_routes(urlconf: str | None = None) -> list[Route]:
    return _walk(get_resolver(urlconf).url_patterns, "", ())


_FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>")


def matrix_routes(urlconf: str | None = None) -> list[Route]:
    """Routes the matrix walks: everything but DRF's format-suffix twins (same view, same check)."""
    seen: set[str] = set()
    out = []
    for route in all_routes(urlconf):
        if "format" in route.params or _FORMAT_SUFFIX.search(route.regex):
            continue
        key = route.name if not route.name.startswith("<unnamed") else route.regex
        if key in seen:  # the same name twice (e.g. optional trailing slash variants)
            key = route.regex
        seen.add(key)
        out.append(route)
    return out
