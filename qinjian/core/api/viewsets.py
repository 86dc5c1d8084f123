"""Base API views: data scope, permissions, filtering and writes through services.

An app's endpoint is then a few declarations::

    class PersonViewSet(ListRetrieveMixin, CreateMixin, UpdateMixin, ScopedViewSet):
        queryset = Person.objects.select_related("unit", "department", "rank")
        serializer_class = PersonSerializer          # the representation (reads and write answers)
        write_serializer_class = PersonInput         # the body of POST/PUT/PATCH
        filterset_class = PersonFilter
        search_fields = ["name", "code"]
        ordering_fields = ["name", "code"]

        def perform_create(self, data):
            return person_create(**data)

        def perform_update(self, instance, data):
            return person_update(person=instance, **data)

A list that reaches city scale adds ``RowListMixin`` (``core.api.rows``: the page is read as row tuples
through a reader compiled from the serializer, with the same output) and a ``LeanFilterSet``
(``core.api.filters``: filters copied shallowly per request); the card API is the example.

Rows come from ``Model.objects.scoped(user, action)`` with the action of the request (``view`` for
reads, ``change``/``delete``/a custom verb for writes), so an object outside the scope is a 404;
a missing permission is a 403 before anything runs; a domain error from a service is a 4xx in
the one error shape.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from .filters import OrderingFilter, SearchFilter
from .pagination import StandardPagination
from .permissions import ModelPermission, permission_action
from .schema import AutoSchema


class ScopedViewSet(GenericViewSet):
    """A viewset over one model whose rows are always reached through the data scope."""

    scoped = True  # False only for shared reference data (ranks, regions): permission check only
    permission_classes = [ModelPermission]
    parser_classes = [JSONParser]
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    pagination_class = StandardPagination
    schema = AutoSchema()
    schema_tags: list[str] = []
    write_serializer_class: type[serializers.Serializer] | None = None
    update_serializer_class: type[serializers.Serializer] | None = None
    # Set per custom action through @action(..., permission_action="move"); None → by HTTP method.
    permission_action: str | None = None
    lookup_value_regex = r"[0-9]{1,18}"  # anything else is a plain 404, never a query

    def get_model(self) -> type[models.Model]:
        assert self.queryset is not None, f"{type(self).__name__} needs a queryset"
        return self.queryset.model

    def get_scope_action(self) -> str:
        return permission_action(self.request, self)

    def get_queryset(self) -> models.QuerySet:
        assert self.queryset is not None
        queryset = self.queryset.all()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if not self.scoped:
            return queryset
        return queryset.scoped(self.request.user, self.get_scope_action())  # type: ignore[attr-defined]

    def get_object_for_answer(self, instance: models.Model) -> models.Model:
        """The row as the representation needs it (related rows joined) after a service wrote it."""
        assert self.queryset is not None
        return self.queryset.all().get(pk=instance.pk)

    def represent(self, instance: models.Model) -> Any:
        return self.get_serializer(self.get_object_for_answer(instance)).data

    def input_context(self) -> dict[str, Any]:
        context = self.get_serializer_context()
        # Read-only fields a client may echo back from a GET are ignored, others are refused.
        context["ignored_fields"] = set(self.get_serializer_class()().fields)  # type: ignore[attr-defined]
        return context

    def validate_input(self, serializer_class: type[serializers.Serializer], data: Any, *,
                       partial: bool = False, instance: Any = None) -> dict[str, Any]:
        serializer = serializer_class(instance=instance, data=data, partial=partial, context=self.input_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class ListRetrieveMixin(mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """GET list (filtered, searched, ordered, paginated) and GET detail."""


class CreateMixin:
    """POST: validate the body, call ``perform_create(data)`` (a service), answer 201 with the row."""

    def create(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer_class = self.write_serializer_class
        assert serializer_class is not None, f"{type(self).__name__} needs write_serializer_class"
        data = self.validate_input(serializer_class, request.data)
        instance = self.perform_create(data)
        return Response(self.represent(instance), status=201)

    def perform_create(self, data: dict[str, Any]) -> models.Model:  # type: ignore[override]
        raise NotImplementedError


class UpdateMixin:
    """PUT (every required field) and PATCH (only the fields sent): ``perform_update(instance, data)``."""

    def update(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        instance = self.get_object()  # scoped with the "change" action: outside → 404
        serializer_class = self.update_serializer_class or self.write_serializer_class
        assert serializer_class is not None, f"{type(self).__name__} needs write_serializer_class"
        data = self.validate_input(serializer_class, request.data, partial=partial, instance=instance)
        instance = self.perform_update(instance, data)
        return Response(self.represent(instance))

    def partial_update(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def perform_update(self, instance: models.Model, data: dict[str, Any]) -> models.Model:  # type: ignore[override]
        raise NotImplementedError
