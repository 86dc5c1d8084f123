"""Generic pages every module reuses: list, detail, form (create/edit) and POST actions.

Conventions (override the attribute when a module differs):
url names are ``<app_label>:<model_name>_list`` / ``_detail`` / ``_create`` / ``_edit``;
permissions are ``<app_label>.<action>_<model_name>``; rows are reached only through
``Model.objects.scoped(user, action)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from .. import background, security_log
from ..errors import DomainError
from ..excel import xlsx_response
from ..models import UserPreference
from ..paging import CappedPaginator
from ..scope import permission_name
from ..search import contains_q
from .extensions import detail_tabs_for
from .history import history_page
from .tables import Column, Table, export_rows

PAGE_SIZES = (25, 50, 100)
EXPORT_MAX_ROWS = 200_000


def try_reverse(name: str, *args: Any) -> str:
    """The URL, or "" when the page does not exist (yet)."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return ""


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return fallback


def apply_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Field messages next to their fields; the summary (and the rest) at the top of the form."""
    form.add_error(None, exc.message)
    for name, msgs in (exc.fields or {}).items():
        for msg in msgs:
            if name in form.fields and name not in form.errors:
                form.add_error(name, msg)
            elif name in form.fields:
                form.errors[name].append(msg)
            else:
                form.add_error(None, msg)


@dataclass
class Button:
    """A header/toolbar link button; hidden when the user lacks ``perm`` or the URL does not resolve."""

    label: str
    url_name: str
    perm: str = ""
    icon: str = ""
    style: str = "btn-outline-primary"
    query: str = ""
    keep_query: bool = False  # pass the list's current filters and search on (e.g. print labels of the filtered set)

    def resolve(self, request: HttpRequest, *args: Any) -> dict[str, str] | None:
        if self.perm and not request.user.has_perm(self.perm):
            return None
        url = try_reverse(self.url_name, *args)
        if not url:
            return None
        query = self.query
        if self.keep_query:
            kept = urlencode([(k, v) for k, values in request.GET.lists()
                              if k not in {"page", "sort", "per_page", "export"} for v in values])
            if kept:
                query = f"{query}&{kept}" if query else f"?{kept}"
        return {"label": self.label, "url": url + query, "icon": self.icon, "style": self.style,
                "keep_query": url + self.query if self.keep_query else ""}


class PageMixin(LoginRequiredMixin):
    model: type[models.Model]
    title: str = ""
    request: HttpRequest

    @property
    def opts(self) -> Any:
        return self.model._meta

    def perm(self, action: str) -> str:
        return permission_name(self.model, action)

    def require(self, action: str) -> None:
        if not self.request.user.has_perm(self.perm(action)):
            raise PermissionDenied

    def url_name(self, suffix: str) -> str:
        return f"{self.opts.app_label}:{self.opts.model_name}_{suffix}"

    def list_url(self) -> str:
        return try_reverse(self.url_name("list"))

    def list_crumb(self) -> tuple[str, str]:
        return (str(self.opts.verbose_name_plural), self.list_url())


# --------------------------------------------------------------------------------------------------
# List
# --------------------------------------------------------------------------------------------------


class ObjectListView(PageMixin, View):
    """Filter panel, search, sortable columns, page size, column chooser, Excel export, HTMX."""

    table_class: type[Table]
    filterset_class: Any = None
    search_fields: Sequence[str] = ()
    search_placeholder: str = "搜索"
    select_related: Sequence[str] = ()
    prefetch_related: Sequence[str] = ()
    template_name = "ui/list.html"
    results_template_name = "ui/_list_results.html"
    buttons: Sequence[Button] = ()
    export_filename: str = ""
    empty_message: str = "暂无数据"
    # Opt-in: count at most this many matches (the page says "10,000+ 条"); None counts exactly.
    count_limit: int | None = None

    # --- hooks ------------------------------------------------------------------------------
    def get_queryset(self) -> models.QuerySet:
        qs = self.model.objects.scoped(self.request.user, "view")  # type: ignore[attr-defined]
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs

    def get_filterset(self, queryset: models.QuerySet) -> Any:
        if self.filterset_class is None:
            return None
        return self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)

    def get_search_q(self, term: str) -> Q:
        q = Q()
        for name in self.search_fields:
            q |= contains_q(name, term)
        return q

    def prepare_rows(self, rows: list[Any], sort: str) -> list[Any]:
        """Decorate the rows of one page before rendering (no queries per row, please)."""
        return rows

    def get_buttons(self) -> list[dict[str, str]]:
        create = Button("新增", self.url_name("create"), self.perm("add"), "bi-plus-lg", "btn-primary")
        out = [b.resolve(self.request) for b in (*self.buttons, create)]
        return [b for b in out if b]

    def get_title(self) -> str:
        return self.title or str(self.opts.verbose_name_plural)

    def get_export_table_class(self) -> type[Table]:
        """The columns of the Excel file (e.g. a subclass that shows data only some users may see)."""
        return self.table_class

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        return [(self.get_title(), "")]

    # --- preferences (column choice, page size) -----------------------------------------------
    @property
    def pref_key(self) -> str:
        return f"list:{self.opts.label_lower}"

    def load_prefs(self) -> dict[str, Any]:
        value = UserPreference.get_value(self.request.user, self.pref_key, {})
        return value if isinstance(value, dict) else {}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Saves the column choice and page size of this list for the user."""
        self.require("view")
        if "reset" in request.POST:
            UserPreference.clear_value(request.user, self.pref_key)
        else:
            names = [n for n in request.POST.getlist("columns") if n in self.table_class.base_columns]
            value: dict[str, Any] = {"columns": names}
            per_page = request.POST.get("per_page", "")
            if per_page.isdigit() and int(per_page) in PAGE_SIZES:
                value["per_page"] = int(per_page)
            UserPreference.set_value(request.user, self.pref_key, value)
        messages.success(request, "列表显示设置已保存。")
        return HttpResponseRedirect(safe_next(request, request.path))

    # --- GET ----------------------------------------------------------------------------------
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.require("view")
        qs = self.get_queryset()
        filterset = self.get_filterset(qs)
        filter_invalid = filterset is not None and filterset.is_bound and not filterset.form.is_valid()
        if filterset is not None:
            # an invalid filter shows its error and matches nothing (never silently widens the set)
            qs = qs.none() if filter_invalid else filterset.qs
        term = request.GET.get("q", "").replace("\x00", "").strip()[:100]
        if term:
            qs = qs.filter(self.get_search_q(term))
        sort = request.GET.get("sort", "")
        ordering = self.table_class.ordering_for(sort) if sort else None
        if ordering:
            qs = qs.order_by(*ordering, "pk")
        else:
            sort = ""
            if self.table_class.default_order:
                qs = qs.order_by(*self.table_class.default_order)
        if request.GET.get("export") == "xlsx":
            return self.export(qs)

        prefs = self.load_prefs()
        per_page = self._per_page(prefs)
        paginator = CappedPaginator(qs, per_page, count_limit=self.count_limit)
        page = paginator.get_page(request.GET.get("page"))
        rows = self.prepare_rows(list(page.object_list), sort)
        table = self.table_class(rows, visible=prefs.get("columns"), order=sort)
        links = QueryLinks(request.GET)
        table.links = links
        chips = active_filters(request, filterset)
        context = {
            "view": self,
            "page_title": self.get_title(),
            "breadcrumbs": self.get_breadcrumbs(),
            "buttons": self.get_buttons(),
            "table": table,
            "page": page,
            "pager": pager_links(page, links),
            "filterset": filterset,
            "active_filters": chips,
            "q": term,
            "sort": sort,
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            "search_enabled": bool(self.search_fields) or type(self).get_search_q is not ObjectListView.get_search_q,
            "search_placeholder": self.search_placeholder,
            "can_export": request.user.has_perm(self.perm("export")),
            "export_url": links(export="xlsx", page=None),
            "all_columns": self.table_class.all_columns(),
            "empty_message": self.empty_message,
            "is_filtered": bool(term) or bool(chips) or filter_invalid,
            "filter_invalid": filter_invalid,
            "list_path": request.path,
            "full_path": request.get_full_path(),
        }
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "qj-results":
            # filters whose choices depend on other filters are refreshed out of band
            dependent = getattr(filterset, "dependent_fields", ()) if filterset is not None else ()
            context["oob_fields"] = [filterset.form[name] for name in dependent]
            response = render(request, self.results_template_name, context)
        else:
            response = render(request, self.template_name, context)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response

    def _per_page(self, prefs: dict[str, Any]) -> int:
        raw = self.request.GET.get("per_page", "")
        if raw.isdigit() and int(raw) in PAGE_SIZES:
            return int(raw)
        stored = prefs.get("per_page")
        return stored if stored in PAGE_SIZES else PAGE_SIZES[0]

    # --- export -------------------------------------------------------------------------------
    def export(self, qs: models.QuerySet) -> HttpResponseBase:
        if not self.request.user.has_perm(self.perm("export")):
            raise PermissionDenied
        deferred = background.export_hook(self, qs)  # large sets: written by a background job
        if deferred is not None:
            return deferred
        headers, rows = export_rows(self.get_export_table_class(), qs[:EXPORT_MAX_ROWS].iterator(chunk_size=2000))
        counter = _Counter(rows)
        filename = f"{self.export_filename or self.get_title()}.xlsx"
        response = xlsx_response(filename, headers, counter, sheet_title=self.get_title(), title=self.get_title())
        filters = {k: v for k, v in self.request.GET.lists() if k not in {"export", "page"}}
        security_log.record("export", obj_count=counter.count, model=self.opts.label_lower, filters=filters,
                            object_type=self.opts.label_lower)
        return response


class _Counter:
    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            yield row


class QueryLinks:
    """What ``{% querystring k=v %}`` gives, for the 30–40 sort and page links of one list page: the tag copies
    the whole QueryDict (a deep copy) per link, this reads the query once. Same order and encoding."""

    def __init__(self, query: QueryDict) -> None:
        self.items = list(query.lists())

    def __call__(self, **changes: Any) -> str:
        pairs: list[tuple[str, str]] = []
        for key, values in self.items:
            if key not in changes:
                pairs.extend((key, v) for v in values)
            elif changes[key] is not None:
                pairs.append((key, str(changes[key])))
        present = {key for key, _values in self.items}
        pairs.extend((key, str(v)) for key, v in changes.items() if key not in present and v is not None)
        if not pairs and not self.items:
            return ""
        return "?" + urlencode(pairs)


def pager_links(page: Page, links: QueryLinks) -> dict[str, Any]:
    """The URLs of a pagination bar: previous, next and the numbered pages (None for a gap)."""
    return {
        "previous": links(page=page.previous_page_number()) if page.has_previous() else "",
        "next": links(page=page.next_page_number()) if page.has_next() else "",
        "numbers": [(n, links(page=n) if n is not None else "") for n in page_links(page)],
    }


def page_links(page: Page) -> list[int | None]:
    """Page numbers around the current one, None for a gap (…)."""
    total, current = page.paginator.num_pages, page.number
    if total <= 7:
        return list(range(1, total + 1))
    wanted = {1, total, current - 1, current, current + 1}
    if current <= 3:
        wanted |= {2, 3, 4}
    if current >= total - 2:
        wanted |= {total - 1, total - 2, total - 3}
    out: list[int | None] = []
    prev = 0
    for n in sorted(n for n in wanted if 1 <= n <= total):
        if n - prev > 1:
            out.append(None)
        out.append(n)
        prev = n
    return out


def active_filters(request: HttpRequest, filterset: Any) -> list[dict[str, str]]:
    """Chips for the applied filters, each with a link that removes it."""
    if filterset is None or not filterset.is_bound:
        return []
    form = filterset.form
    if not form.is_valid():
        return []
    chips = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()) or name not in request.GET:
            continue
        bound = form[name]
        field_obj = bound.field
        if isinstance(value, bool):
            text = "是" if value else "否"
            if isinstance(getattr(field_obj.widget, "choices", None), list | tuple):
                text = dict(field_obj.widget.choices).get("true" if value else "false", text)
        elif hasattr(field_obj, "choices") and not isinstance(value, models.Model):
            choices = {str(k): v for k, v in field_obj.choices if not isinstance(v, list | tuple)}
            text = str(choices.get(str(value), value))
        else:
            text = str(value)
        params = request.GET.copy()
        params.pop(name, None)
        params.pop("page", None)
        chips.append({"label": str(bound.label), "value": text, "remove": "?" + params.urlencode()})
    return chips


# --------------------------------------------------------------------------------------------------
# Detail
# --------------------------------------------------------------------------------------------------


@dataclass
class RelatedList:
    """A tab on a detail page listing related rows; ``queryset(obj, user)`` MUST be scoped."""

    key: str
    title: str
    table: type[Table]
    queryset: Callable[[Any, Any], models.QuerySet]
    list_url: Callable[[Any], str] | None = None
    columns: Sequence[str] | None = None
    per_page: int = 10
    icon: str = ""


@dataclass
class Action:
    """A header button on a detail page.

    ``method="post"`` actions open a confirmation dialog (and fall back to the action's GET
    confirmation page without JS). Shown only with the permission ``<app>.<perm_action>_<model>``
    and when the object is within ``scoped(user, perm_action)``.
    """

    label: str
    url_name: str
    perm_action: str = "change"
    icon: str = ""
    style: str = "btn-outline-secondary"
    method: str = "get"
    confirm: str = ""
    condition: Callable[[Any], bool] | None = None
    url: Callable[[Any], str] | None = None  # when the URL is not ``url_name`` with the object's pk
    permission: str = ""  # a permission other than ``<app>.<perm_action>_<model>`` (e.g. another model's add_)


class ObjectDetailView(PageMixin, View):
    template_name = "ui/detail.html"
    info_template_name = "ui/_detail_info.html"
    select_related: Sequence[str] = ()
    fields: Sequence[str | Column] = ()
    related: Sequence[RelatedList] = ()
    actions: Sequence[Action] = ()
    info_tab_title = "基本信息"
    history_per_page = 20
    object: Any = None

    def get_queryset(self) -> models.QuerySet:
        qs = self.model.objects.scoped(self.request.user, "view")  # type: ignore[attr-defined]
        return qs.select_related(*self.select_related) if self.select_related else qs

    def get_object(self) -> Any:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_actions(self) -> Sequence[Action]:
        edit = Action("编辑", self.url_name("edit"), "change", "bi-pencil", "btn-primary")
        return [*self.actions, edit]

    def get_subtitle(self) -> str:
        return ""

    def get_badges(self) -> list[tuple[str, str]]:
        """(text, css) badges next to the title; by default the is_active state."""
        active = getattr(self.object, "is_active", None)
        if active is None:
            return []
        return [("启用", "bg-green-lt")] if active else [("已停用", "bg-secondary-lt")]

    def get_fields(self) -> list[tuple[Column, Any]]:
        out = []
        for spec in self.fields:
            col = spec if isinstance(spec, Column) else Column(linkify="value")
            if not col.name:
                name = spec if isinstance(spec, str) else (col.accessor or "")
                col.bind(name, self.model)
            out.append((col, col.render(self.object)))
        return out

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        return [self.list_crumb(), (str(self.object), "")]

    def get_extra_context(self) -> dict[str, Any]:
        return {}

    def get_info_context(self) -> dict[str, Any]:
        """Extra context for the 基本信息 tab only (panels that cost queries)."""
        return {}

    def resolve_actions(self) -> list[dict[str, Any]]:
        user, obj = self.request.user, self.object
        allowed_scope: dict[str, bool] = {}
        out = []
        for action in self.get_actions():
            if not user.has_perm(action.permission or self.perm(action.perm_action)):
                continue
            if action.condition is not None and not action.condition(obj):
                continue
            url = action.url(obj) if action.url is not None else try_reverse(action.url_name, obj.pk)
            if not url:
                continue
            if action.perm_action not in allowed_scope:
                allowed_scope[action.perm_action] = self.model.objects.scoped(  # type: ignore[attr-defined]
                    user, action.perm_action).filter(pk=obj.pk).exists()
            if not allowed_scope[action.perm_action]:
                continue
            out.append({"label": action.label, "url": url, "icon": action.icon, "style": action.style,
                        "method": action.method, "confirm": action.confirm, "key": action.url_name.split(":")[-1]})
        return out

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require("view")
        self.object = self.get_object()
        tabs: list[dict[str, Any]] = [{"key": "info", "title": self.info_tab_title, "count": None}]
        related_by_key = {r.key: r for r in self.related}
        for rel in self.related:
            tabs.append({"key": rel.key, "title": rel.title, "count": None})
        extensions = {t.key: t for t in detail_tabs_for(self.model, request.user)}
        for ext in extensions.values():
            tabs.append({"key": ext.key, "title": ext.title,
                         "count": ext.count(request, self.object) if ext.count else None})
        tabs.append({"key": "history", "title": "历史", "count": None})
        tab = request.GET.get("tab", "info")
        if tab not in {t["key"] for t in tabs}:
            tab = "info"
        for t in tabs:
            t["url"] = "?" + urlencode({"tab": t["key"]}) if t["key"] != "info" else request.path
            t["active"] = t["key"] == tab
        context: dict[str, Any] = {
            "view": self,
            "object": self.object,
            "page_title": str(self.object),
            "subtitle": self.get_subtitle(),
            "badges": self.get_badges(),
            "breadcrumbs": self.get_breadcrumbs(),
            "actions": self.resolve_actions(),
            "tabs": tabs,
            "tab": tab,
            **self.get_extra_context(),
        }
        if tab == "info":
            context["fields"] = self.get_fields()
            context.update(self.get_info_context())
        elif tab == "history":
            context["history"] = history_page(self.object, request.GET.get("page"), self.history_per_page)
        elif tab in extensions:
            context["extension_html"] = extensions[tab].render(request, self.object)
        else:
            rel = related_by_key[tab]
            qs = rel.queryset(self.object, request.user)
            page = Paginator(qs, rel.per_page).get_page(request.GET.get("page"))
            context["related"] = {
                "spec": rel,
                "page": page,
                "table": rel.table(list(page.object_list), visible=rel.columns),
                "list_url": rel.list_url(self.object) if rel.list_url else "",
            }
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "qj-tab":
            response = render(request, "ui/_detail_tab.html", context)
        else:
            response = render(request, self.template_name, context)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response


# --------------------------------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------------------------------


class ServiceModelForm(forms.ModelForm):
    """A ModelForm used only to parse input: the service validates and saves, never ``form.save()``.

    Model validation is skipped (the service is the single authority); ``user`` is available to
    limit choices to the user's scope.
    """

    fieldsets: Sequence[tuple[str, Sequence[str]]] = ()
    wide_fields: Sequence[str] = ()

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # Chinese placeholders instead of "---------"
            if getattr(field, "empty_label", None) == "---------":
                field.empty_label = "请选择"  # type: ignore[attr-defined]
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                field.choices = [(k, "请选择" if v == "---------" else v)
                                 for k, v in field.choices]  # type: ignore[union-attr]

    def _post_clean(self) -> None:
        pass


class ObjectFormView(PageMixin, View):
    """Create (no ``pk`` in the URL) or edit; ``perform`` calls the service and returns the object."""

    form_class: type[forms.BaseForm]
    template_name = "ui/form.html"
    select_related: Sequence[str] = ()
    object: Any = None
    form_script = ""  # a static path of page JS (the CSP forbids inline scripts)
    success_message = "{verbose}“{obj}”已保存。"

    @property
    def is_create(self) -> bool:
        return "pk" not in self.kwargs

    def get_object(self) -> Any:
        if self.is_create:
            return None
        qs = self.model.objects.scoped(self.request.user, "change")  # type: ignore[attr-defined]
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def get_initial(self) -> dict[str, Any]:
        return {}

    def get_form(self, data: Any = None) -> forms.BaseForm:
        kwargs: dict[str, Any] = {"initial": self.get_initial()}
        if issubclass(self.form_class, forms.BaseModelForm):
            kwargs["instance"] = self.object
        if issubclass(self.form_class, ServiceModelForm) or "user" in inspect.signature(
                self.form_class.__init__).parameters:
            kwargs["user"] = self.request.user
        return self.form_class(data, **kwargs)

    def perform(self, form: forms.BaseForm) -> Any:
        raise NotImplementedError

    def get_title(self) -> str:
        verbose = self.opts.verbose_name
        return f"新增{verbose}" if self.is_create else f"编辑{verbose}：{self.object}"

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        crumbs = [self.list_crumb()]
        if self.object is not None:
            crumbs.append((str(self.object), self.object.get_absolute_url()))
        crumbs.append(("新增" if self.is_create else "编辑", ""))
        return crumbs

    def get_cancel_url(self) -> str:
        if self.object is not None:
            return str(self.object.get_absolute_url())
        return safe_next(self.request, self.list_url() or "/")

    def get_success_url(self, obj: Any) -> str:
        return str(obj.get_absolute_url())

    def check_permission(self) -> None:
        self.require("add" if self.is_create else "change")

    def render_form(self, form: forms.BaseForm, status: int = 200) -> HttpResponse:
        context = {
            "view": self,
            "form": form,
            "object": self.object,
            "page_title": self.get_title(),
            "breadcrumbs": self.get_breadcrumbs(),
            "cancel_url": self.get_cancel_url(),
            "submit_label": "保存",
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_permission()
        self.object = self.get_object()
        return self.render_form(self.get_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_permission()
        self.object = self.get_object()
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                obj = self.perform(form)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, self.success_message.format(verbose=self.opts.verbose_name, obj=obj))
                return redirect(self.get_success_url(obj))
        elif not form.non_field_errors():
            form.add_error(None, "填写内容有误，请检查标红的字段。")
        return self.render_form(form, status=200)


# --------------------------------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------------------------------


class ObjectActionView(PageMixin, View):
    """A POST-only state change with a confirmation; GET shows the confirmation page (no JS needed).

    ``action`` names both the permission (``<app>.<action>_<model>``) and the scope the object is
    looked up in. ``perform(obj, form)`` calls the service.
    """

    action = "change"
    template_name = "ui/confirm.html"
    form_class: type[forms.BaseForm] | None = None
    verb = "确认"
    confirm_message = "确定要执行此操作吗？"
    success_message = "操作已完成。"
    button_style = "btn-primary"
    object: Any = None

    def get_object(self) -> Any:
        qs = self.model.objects.scoped(self.request.user, self.action)  # type: ignore[attr-defined]
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def get_form(self, data: Any = None) -> forms.BaseForm | None:
        if self.form_class is None:
            return None
        form_class: Any = self.form_class
        return form_class(data, user=self.request.user, obj=self.object)

    def perform(self, obj: Any, form: forms.BaseForm | None) -> Any:
        raise NotImplementedError

    title_format = "{verb}{verbose}：{obj}"

    def get_title(self) -> str:
        return self.title_format.format(verb=self.verb, verbose=self.opts.verbose_name, obj=self.object)

    def get_confirm_message(self) -> str:
        return self.confirm_message.format(obj=self.object, verbose=self.opts.verbose_name)

    def render_page(self, form: forms.BaseForm | None, error: str = "", status: int = 200) -> HttpResponse:
        context = {
            "view": self,
            "object": self.object,
            "form": form,
            "error": error,
            "page_title": self.get_title(),
            "breadcrumbs": [self.list_crumb(), (str(self.object), self.object.get_absolute_url()), (self.verb, "")],
            "message": self.get_confirm_message(),
            "verb": self.verb,
            "button_style": self.button_style,
            "cancel_url": self.object.get_absolute_url(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.action)
        self.object = self.get_object()
        return self.render_page(self.get_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.action)
        self.object = self.get_object()
        form = self.get_form(request.POST)
        if form is not None and not form.is_valid():
            return self.render_page(form)
        try:
            result = self.perform(self.object, form)
        except DomainError as exc:
            if form is not None:
                apply_domain_error(form, exc)
                return self.render_page(form)
            return self.render_page(None, error=exc.message)
        messages.success(request, self.success_message.format(obj=result or self.object,
                                                              verbose=self.opts.verbose_name))
        return redirect(self.get_success_url(result))

    def get_success_url(self, result: Any) -> str:
        target = result if isinstance(result, models.Model) and hasattr(result, "get_absolute_url") else self.object
        return target.get_absolute_url()


__all__ = [
    "Action",
    "Button",
    "Column",
    "ObjectActionView",
    "ObjectDetailView",
    "ObjectFormView",
    "ObjectListView",
    "RelatedList",
    "ServiceModelForm",
    "Table",
    "apply_domain_error",
]
