"""标准库 pages: tables and their versions, new versions (sysadmin), the asset classification tree."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import RedirectView

from qinjian.core.errors import DomainError
from qinjian.core.ui.views import (
    Action,
    ObjectActionView,
    ObjectDetailView,
    ObjectListView,
    PageMixin,
    QueryLinks,
    apply_domain_error,
    pager_links,
)

from . import presentation, selectors
from .choices import Confidence, VersionStatus
from .filtersets import LegacyClassMappingFilterSet
from .forms import CONFIDENCE_CHOICES, RetireForm, VersionForm, rows_from_post
from .models import AssetClass, LegacyClassMapping, StandardRow, StandardTable, StandardVersion
from .services.versions import standard_version_create, standard_version_publish, standard_version_retire
from .tables import LegacyClassMappingTable, StandardTableTable


class StandardsHomeView(LoginRequiredMixin, RedirectView):
    """/standards/ → the list of tables (signed-in users only, like every page)."""

    pattern_name = "standards:standardtable_list"
    permanent = False


class NulSafeSearch:
    """PostgreSQL refuses NUL bytes in text: drop them from ?q= (core's list view does not yet)."""

    def get_search_q(self, term: str) -> Q:
        return super().get_search_q(term.replace("\x00", ""))  # type: ignore[misc,no-any-return]


STATUS_CSS: dict[str, str] = {VersionStatus.DRAFT: "bg-yellow-lt", VersionStatus.ACTIVE: "bg-green-lt",
              VersionStatus.RETIRED: "bg-secondary-lt"}


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------


class StandardTableListView(NulSafeSearch, ObjectListView):
    model = StandardTable
    table_class = StandardTableTable
    template_name = "standards/list.html"
    search_fields = ("title", "name", "category", "versions__doc_title", "versions__doc_no")
    search_placeholder = "标准名称、类别或依据文件"
    empty_message = "标准库为空，请运行 qinjian load_standards 载入"

    def get_queryset(self) -> QuerySet[StandardTable]:
        return super().get_queryset().distinct()

    def prepare_rows(self, rows: list[Any], sort: str) -> list[Any]:
        current = selectors.current_versions(rows)
        for row in rows:
            row.qj_current = current.get(row.pk)
        return rows


def _version_rows(version: StandardVersion) -> list[StandardRow]:
    return list(StandardRow.objects.filter(version=version).order_by("sort_order", "id"))


class StandardTableDetailView(ObjectDetailView):
    model = StandardTable
    template_name = "standards/detail.html"
    info_template_name = "standards/table_info.html"
    info_tab_title = "版本与数据"

    def get_actions(self) -> list[Action]:
        return [Action("新建版本", "standards:standardversion_create", "add", "bi-plus-lg", "btn-primary",
                       url=lambda o: reverse("standards:standardversion_create", args=[o.pk]))]

    def resolve_actions(self) -> list[dict[str, Any]]:
        # The actions concern versions: the permission is on StandardVersion, not on the table.
        if not self.request.user.has_perm("standards.add_standardversion"):
            return []
        url = reverse("standards:standardversion_create", args=[self.object.pk])
        return [{"label": "新建版本", "url": url, "icon": "bi-plus-lg", "style": "btn-primary", "method": "get",
                 "confirm": "", "key": "standardversion_create"}]

    def get_subtitle(self) -> str:
        return f"{self.object.category} · 程序标识 {self.object.name}"

    def get_badges(self) -> list[tuple[str, str]]:
        return []

    def get_info_context(self) -> dict[str, Any]:
        today = timezone.localdate()
        versions: list[Any] = list(StandardVersion.objects.filter(table=self.object).annotate(row_count=Count("rows"))
                        .order_by("-effective_from", "-id"))
        current = next((v for v in versions if v.in_force_on(today)), None)
        for v in versions:
            v.qj_status_css = STATUS_CSS.get(v.status, "")
            v.qj_current = v is current
        return {"versions": versions, "current": current, "today": today,
                "grid": presentation.grid(self.object, _version_rows(current)) if current else None}


# --------------------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------------------


class StandardVersionDetailView(ObjectDetailView):
    model = StandardVersion
    select_related = ("table", "based_on", "created_by")
    template_name = "standards/detail.html"
    info_template_name = "standards/version_info.html"
    info_tab_title = "数据"

    def get_actions(self) -> list[Action]:
        return [
            Action("发布", "standards:standardversion_publish", "change", "bi-check2-circle", "btn-success", "post",
                   "发布后该版本在其生效期间内用于所有核查。确定发布吗？",
                   condition=lambda o: o.status == VersionStatus.DRAFT),
            Action("废止", "standards:standardversion_retire", "change", "bi-x-circle", "btn-outline-danger",
                   condition=lambda o: o.status != VersionStatus.RETIRED),
            Action("以此为基础新建版本", "standards:standardversion_create", "add", "bi-files", "btn-primary",
                   condition=lambda o: o.status != VersionStatus.RETIRED,
                   url=lambda o: reverse("standards:standardversion_create", args=[o.table_id]) + f"?from={o.pk}"),
        ]

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        return [("标准库", reverse("standards:standardtable_list")),
                (self.object.table.title, self.object.table.get_absolute_url()), (self.object.code, "")]

    def get_subtitle(self) -> str:
        return f"{self.object.source} · {self.object.period}"

    def get_badges(self) -> list[tuple[str, str]]:
        badges = [(self.object.get_status_display(), STATUS_CSS.get(self.object.status, ""))]
        if self.object.in_force_on(timezone.localdate()):
            badges.append(("今日生效", "bg-primary-lt"))
        return badges

    def get_info_context(self) -> dict[str, Any]:
        return {"grid": presentation.grid(self.object.table, _version_rows(self.object)), "version": self.object}


class StandardVersionCreateView(PageMixin, View):
    """A new version: a copy of the version in force today (or ``?from=<id>``) with edited rows and dates."""

    model = StandardVersion
    template_name = "standards/version_form.html"
    blank_rows = 3

    def setup_objects(self, request: HttpRequest, pk: int) -> None:
        if not request.user.has_perm("standards.add_standardversion"):
            raise PermissionDenied
        self.table = get_object_or_404(StandardTable.objects.scoped(request.user, "view"), pk=pk)
        source_id = request.GET.get("from") or request.POST.get("based_on") or ""
        versions = StandardVersion.objects.scoped(request.user, "view").filter(table=self.table)
        if source_id.isdigit():
            self.based_on = get_object_or_404(versions, pk=int(source_id))
        else:
            self.based_on = selectors.version_in_force(self.table, timezone.localdate()) or (
                versions.order_by("-effective_from").first())

    def initial_rows(self) -> list[dict[str, Any]]:
        if self.based_on is None:
            return []
        return [{"key": dict(r.key), "values": dict(r.values), "confidence": r.confidence, "note": r.note}
                for r in _version_rows(self.based_on)]

    def render_page(self, form: forms.Form, rows: list[dict[str, Any]], row_errors: list[str],
                    status: int = 200) -> HttpResponse:
        rows = [*rows, *({"key": {}, "values": {}, "confidence": Confidence.SECONDARY, "note": ""}
                         for _ in range(self.blank_rows))]
        table = self.table
        grid_rows = []
        for i, row in enumerate(rows):
            cells = [{"name": f"row-{i}-k-{c['name']}", "value": row["key"].get(c["name"], ""),
                      "label": c.get("label", c["name"]), "choices": c.get("choices"), "is_key": True}
                     for c in table.key_columns]
            cells += [{"name": f"row-{i}-v-{c['name']}", "value": row["values"].get(c["name"], ""),
                       "label": c.get("label", c["name"]), "is_key": False, "type": c.get("type", "text")}
                      for c in table.value_columns]
            grid_rows.append({"index": i, "cells": cells, "confidence": row.get("confidence", ""),
                              "note": row.get("note", ""), "is_blank": i >= len(rows) - self.blank_rows})
        context = {
            "view": self, "form": form, "table": table, "based_on": self.based_on,
            "headers": presentation.column_headers(table), "grid_rows": grid_rows, "row_count": len(rows),
            "row_errors": row_errors, "confidence_choices": CONFIDENCE_CHOICES,
            "page_title": f"新建版本：{table.title}",
            "breadcrumbs": [("标准库", reverse("standards:standardtable_list")), (table.title, table.get_absolute_url()),
                            ("新建版本", "")],
            "cancel_url": table.get_absolute_url(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.setup_objects(request, pk)
        initial: dict[str, Any] = {"status": VersionStatus.ACTIVE, "close_previous": True}
        if self.based_on is not None:
            initial.update(doc_no=self.based_on.doc_no, doc_title=self.based_on.doc_title)
        initial["effective_from"] = timezone.localdate() + datetime.timedelta(days=1)
        return self.render_page(VersionForm(initial=initial), self.initial_rows(), [])

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.setup_objects(request, pk)
        form = VersionForm(request.POST)
        rows = rows_from_post(request.POST, self.table.key_names, self.table.value_names)
        if not form.is_valid():
            if not form.non_field_errors():
                form.add_error(None, "填写内容有误，请检查标红的字段。")
            return self.render_page(form, rows, [])
        data = form.cleaned_data
        try:
            version = standard_version_create(
                table=self.table, code=data["code"], doc_no=data["doc_no"], doc_title=data["doc_title"],
                effective_from=data["effective_from"], effective_to=data["effective_to"], note=data["note"],
                status=data["status"], rows=rows, based_on=self.based_on, close_previous=data["close_previous"],
            )
        except DomainError as exc:
            row_errors = list(exc.fields.pop("rows", [])) if exc.fields else []
            apply_domain_error(form, exc)
            return self.render_page(form, rows, row_errors)
        messages.success(request, f"已新建“{self.table.title}”的版本“{version.code}”（{version.get_status_display()}）。")
        return redirect(version.get_absolute_url())


class StandardVersionPublishView(ObjectActionView):
    model = StandardVersion
    verb = "发布"
    button_style = "btn-success"
    confirm_message = "发布后“{obj}”在其生效期间内用于所有核查。确定发布吗？"
    success_message = "已发布“{obj}”。"

    def perform(self, obj: StandardVersion, form: forms.BaseForm | None) -> StandardVersion:
        return standard_version_publish(version=obj)


class StandardVersionRetireView(ObjectActionView):
    model = StandardVersion
    verb = "废止"
    button_style = "btn-danger"
    form_class = RetireForm
    confirm_message = ("废止后“{obj}”不再用于任何核查；若没有其他版本覆盖其生效期间，相关核查会提示“没有生效的版本”。"
                       "版本和数据保留备查。")
    success_message = "已废止“{obj}”。"

    def perform(self, obj: StandardVersion, form: forms.BaseForm | None) -> StandardVersion:
        assert form is not None
        return standard_version_retire(version=obj, reason=form.cleaned_data["reason"])


# --------------------------------------------------------------------------------------------------
# Asset classification
# --------------------------------------------------------------------------------------------------


class AssetClassTreeView(PageMixin, View):
    """Browse the tree one level at a time (``?node=<code>``) or search by code or name (``?q=``)."""

    model = AssetClass
    template_name = "standards/assetclass_tree.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        self.require("view")
        qs = AssetClass.objects.scoped(request.user, "view")
        term = request.GET.get("q", "").replace("\x00", "").strip()[:60]
        node = None
        ancestors: list[AssetClass] = []
        if term:
            results = selectors.asset_class_search(qs, term).order_by("code")
        else:
            code = request.GET.get("node", "").replace("\x00", "").strip().upper()[:9]
            if code:
                node = get_object_or_404(qs, code=code)
                cursor: AssetClass | None = node
                by_code = {c.code: c for c in qs.filter(code__in=_ancestor_codes(node.code))}
                while cursor is not None and cursor.parent_id:
                    cursor = next((c for c in by_code.values() if c.pk == cursor.parent_id), None)
                    if cursor is not None:
                        ancestors.insert(0, cursor)
            results = qs.filter(parent=node).order_by("code")
        results = results.annotate(child_count=Count("children"))
        page = Paginator(results, 50).get_page(request.GET.get("page"))
        mappings = []
        if node is not None:
            mappings = list(LegacyClassMapping.objects.scoped(request.user, "view").filter(asset_class=node))
        crumbs: list[tuple[str, str]] = [("资产分类", reverse("standards:assetclass_list") if (node or term) else "")]
        crumbs += [(a.name, a.get_absolute_url()) for a in ancestors]
        if node is not None:
            crumbs.append((node.name, ""))
        elif term:
            crumbs.append((f"搜索“{term}”", ""))
        context = {
            "page_title": "资产分类（GB/T 14885-2022）", "breadcrumbs": crumbs, "q": term, "node": node,
            "ancestors": ancestors, "page": page, "pager": pager_links(page, QueryLinks(request.GET)), "mappings": mappings,
            "total": qs.count() if not (node or term) else None,
        }
        return render(request, self.template_name, context)


def _ancestor_codes(code: str) -> list[str]:
    """A02010105 → A02000000, A02010000, A02010100 (the 2-digit levels of the code)."""
    out = []
    for digits in (2, 4, 6):
        parent = code[: 1 + digits].ljust(9, "0")
        if parent != code:
            out.append(parent)
    return out


class LegacyClassMappingListView(NulSafeSearch, ObjectListView):
    model = LegacyClassMapping
    table_class = LegacyClassMappingTable
    template_name = "standards/list.html"
    filterset_class = LegacyClassMappingFilterSet
    select_related = ("asset_class",)
    search_fields = ("legacy_code", "legacy_name", "asset_class__code", "asset_class__name")
    search_placeholder = "旧代码、旧名称或2022分类"
    title = "旧分类代码对照"
    empty_message = "没有符合条件的对照"
