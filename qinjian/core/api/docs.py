"""The OpenAPI schema (/api/schema/) and Swagger UI (/api/docs/), for signed-in users only.

Swagger UI is served from drf_spectacular_sidecar (no CDN) by the split view: the page loads its
init script from the same URL (``?script=``), so it runs under ``script-src 'self'``.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.response import Response

from .permissions import IsAuthenticated


class SchemaView(SpectacularAPIView):
    """OpenAPI 3 schema; YAML by default, JSON with ``?format=json`` or ``Accept: application/json``."""

    permission_classes = [IsAuthenticated]
    # The schema depends only on the code, so it is generated once per process (it takes ~1 s).
    _cache: ClassVar[dict[tuple[Any, ...], Any]] = {}

    def _get_schema_response(self, request: Any) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, self.serve_public, str(self.urlconf))
        if key not in self._cache:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            self._cache[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(data=self._cache[key],
                        headers={"Content-Disposition": f'inline; filename="qinjian-api.{self._suffix(request)}"'})

    def _suffix(self, request: Any) -> str:
        return str(self.perform_content_negotiation(request, force=True)[0].format)

    @extend_schema(exclude=True)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return self._get_schema_response(request)


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI; a visitor who is not signed in is sent to the login page first."""

    permission_classes: ClassVar[list[Any]] = []
    title = "勤俭 API 文档"

    @extend_schema(exclude=True)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            login = reverse("accounts:login")
            return HttpResponseRedirect(f"{login}?{urlencode({'next': request.path})}")
        return super().get(request, *args, **kwargs)
