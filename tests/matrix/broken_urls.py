"""Deliberately broken views: the matrix must catch each of them (see test_the_matrix_catches_*)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views import View

from qinjian.org.models import Person, Unit

app_name = "broken"


@login_required
def leaky_person_list(request: HttpRequest) -> HttpResponse:
    # BUG: every person, whatever the user's scope
    return HttpResponse("<ul>" + "".join(f"<li>{p.name}</li>" for p in Person.objects.all()) + "</ul>")


class UnscopedPersonDetail(View):
    model = Person

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        # BUG: looked up outside the scope (and without a login check)
        return HttpResponse(get_object_or_404(Person, pk=pk).name)


class UncheckedUnitDeactivate(View):
    model = Unit

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        # BUG: no permission or scope check; the change skips the audit log too
        Unit.objects.filter(pk=pk).update(is_active=False)
        return HttpResponse("ok")


@login_required
def crashing_page(request: HttpRequest) -> HttpResponse:
    raise ValueError("boom")


urlpatterns = [
    path("people/", leaky_person_list, name="person_list"),
    path("people/<int:pk>/", UnscopedPersonDetail.as_view(), name="person_detail"),
    path("units/<int:pk>/deactivate/", UncheckedUnitDeactivate.as_view(), name="unit_deactivate"),
    path("crash/", crashing_page, name="crash"),
]
