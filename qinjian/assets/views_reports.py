"""台账与报表 pages: the ledger as of a date (hub with summary by class and unit), the card ledger as of a
date, increases and decreases over a period, the year-end report download; 折旧计提 runs. Thin views: the
reads are ``selectors``, the files ``reports``, the run ``services.depreciation`` (as a background job)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from qinjian.core import background, security_log
from qinjian.core.errors import DomainError
from qinjian.core.excel import workbook_response, xlsx_response
from qinjian.core.ui.tables import Column, Table
from qinjian.core.ui.views import Button, ObjectDetailView, ObjectListView

from .choices import ON_BOOKS_STATUSES, AssetStatus, RunStatus
from .jobs import DEPRECIATION_JOB, LEDGER_EXPORT_JOB, YEAR_REPORT_JOB
from .models import DepreciationRun, DepreciationRunLine
from .reports import (
    LEDGER_HEADERS,
    ledger_filter_from_params,
    ledger_rows,
    year_report_filename,
    year_report_workbook,
)
from .selectors import (
    FUNDING_CHOICES,
    by_unit,
    can_report,
    class_names,
    class_rows,
    decorate_cards,
    kind_rows,
    ledger_cards,
    ledger_summary,
    movements,
    period_by_class,
    period_by_unit,
    unit_choices,
    unit_rows,
)
from .services.depreciation import depreciation_run, first_of_month, month_label, previous_month

INLINE_REPORT_CARDS = 20_000  # larger scopes build the year report as a background job


def _parse_day(raw: str | None, default: datetime.date) -> tuple[datetime.date, str]:
    if not raw:
        return default, ""
    try:
        day = datetime.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return default, f"日期“{raw[:20]}”格式不正确，已按 {default:%Y-%m-%d} 显示。"
    if day > timezone.localdate():
        return timezone.localdate(), "不能查询未来日期的台账，已按今天显示。"
    if day.year < 1950:
        return default, "日期过早，已按默认日期显示。"
    return day, ""


def shortcuts(today: datetime.date) -> list[tuple[str, datetime.date]]:
    month_end = today.replace(day=1) - datetime.timedelta(days=1)
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [("今天", today), ("上月末", month_end), ("上季末", quarter_start - datetime.timedelta(days=1)),
            ("上年末", datetime.date(today.year - 1, 12, 31)), ("前年末", datetime.date(today.year - 2, 12, 31))]


class ReportView(LoginRequiredMixin, View):
    """Base of the report pages: ``assets.report_asset`` and the scope's units."""

    template_name = ""
    title = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not can_report(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def unit(self) -> Any:
        raw = self.request.GET.get("unit", "")
        return unit_choices(self.request.user).filter(pk=raw).first() if raw.isdigit() else None

    def base_context(self, **extra: Any) -> dict[str, Any]:
        today = timezone.localdate()
        return {"page_title": self.title, "units": unit_choices(self.request.user), "today": today,
                "breadcrumbs": [("资产管理", ""), ("资产台账与报表", reverse("assets:ledger")), (self.title, "")]
                if self.title != "资产台账与报表" else [("资产管理", ""), (self.title, "")], **extra}


def _query(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "", False)})


class LedgerHubView(ReportView):
    """台账与报表: the ledger as of a date, by class (level 1 and 2) and by unit."""

    title = "资产台账与报表"

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        day, warning = _parse_day(request.GET.get("as_of"), today)
        if warning:
            messages.warning(request, warning)
        unit = self.unit()
        level = 1 if request.GET.get("level") == "1" else 2
        data = ledger_summary(request.user, day, unit=unit, by_unit=True)
        merged: dict[tuple[int | None, str], Any] = {}
        from .selectors import Figures

        for (_, cls), f in data.items():
            merged.setdefault((None, cls), Figures()).add(f)
        rows = class_rows(merged, names=class_names(), level=level)
        units = unit_rows(data)
        common = _query(as_of=day.isoformat(), unit=unit.pk if unit else "")
        return render(request, "assets/report_ledger.html", self.base_context(
            day=day, unit=unit, level=level, rows=rows, unit_rows=units, total=rows[-1].figures,
            shortcuts=shortcuts(today), common=common, year=day.year if day.month == 12 and day.day == 31 else day.year - 1,
            is_today=day == today))


class LedgerUnitView(ReportView):
    """One unit's holdings by class as of a date (a row of the hub's unit table)."""

    title = "单位资产分类汇总"

    def get(self, request: HttpRequest) -> HttpResponse:
        day, warning = _parse_day(request.GET.get("as_of"), timezone.localdate())
        if warning:
            messages.warning(request, warning)
        unit = self.unit()
        if unit is None:
            return redirect(reverse("assets:ledger") + "?" + _query(as_of=day.isoformat()))
        data = by_unit(ledger_summary(request.user, day, unit=unit, subtree=False, by_unit=True), unit.pk)
        rows = class_rows(data, level=2)
        self.title = f"{unit.name}资产分类汇总"
        return render(request, "assets/report_unit.html", self.base_context(
            day=day, unit=unit, rows=rows, total=rows[-1].figures, shortcuts=shortcuts(timezone.localdate()),
            common=_query(as_of=day.isoformat(), unit=unit.pk)))


class LedgerCardsView(ReportView):
    """资产明细账 as of a date: the cards as they stood that day (filters, pages, Excel)."""

    title = "资产明细账"
    per_page = 50

    def get(self, request: HttpRequest) -> HttpResponseBase:
        today = timezone.localdate()
        day, warning = _parse_day(request.GET.get("as_of"), today)
        if warning:
            messages.warning(request, warning)
        params = {k: request.GET.get(k, "") for k in ("unit", "subtree", "cls", "status", "funding", "q")}
        params["as_of"] = day.isoformat()
        flt = ledger_filter_from_params(request.user, params)
        qs = ledger_cards(request.user, flt).order_by("code")
        if request.GET.get("export") == "xlsx":
            return self.export(qs, params, flt.day)
        page = Paginator(qs.only("id", "code", "name", "class_code", "spec_model", "quantity", "measure_unit",
                                 "booked_on", "unit_id"), self.per_page).get_page(request.GET.get("page"))
        rows = decorate_cards(page.object_list)
        query = _query(**{k: v for k, v in params.items()})
        return render(request, "assets/report_cards.html", self.base_context(
            day=day, flt=flt, params=params, page=page, rows=rows, query=query, shortcuts=shortcuts(today),
            statuses=[(s, AssetStatus(s).label) for s in ON_BOOKS_STATUSES], fundings=FUNDING_CHOICES,
            common=_query(as_of=day.isoformat(), unit=params["unit"])))

    def export(self, qs: Any, params: dict[str, Any], day: datetime.date) -> HttpResponseBase:
        user = self.request.user
        if not user.has_perm("assets.export_asset"):
            raise PermissionDenied
        count = qs.count()
        security_log.record("export", obj_count=count, model="assets.asset", report="资产明细账", filters=params,
                            object_type="assets.asset")
        runner = background.runner()
        if runner is not None and count > background.export_job_rows():
            job = runner.start(kind=LEDGER_EXPORT_JOB, title=f"导出资产明细账（截至{day:%Y-%m-%d}，{count:,} 项）",
                               user=user, params=params)
            messages.info(self.request, f"共 {count:,} 项资产，已转为后台导出，完成后可在本页下载文件。")
            return redirect(job.url)
        return xlsx_response(f"资产明细账_{day:%Y%m%d}.xlsx", LEDGER_HEADERS, ledger_rows(qs),
                             sheet_title="资产明细账", title=f"资产明细账（截至{day:%Y年%m月%d日}）")


class LedgerMovementsView(ReportView):
    """资产增减变动: increases (新增入账/调入/盘盈/价值调增) and decreases over a period."""

    title = "资产增减变动"
    per_page = 50

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        start, w1 = _parse_day(request.GET.get("start"), datetime.date(today.year, 1, 1))
        end, w2 = _parse_day(request.GET.get("end"), today)
        for w in (w1, w2):
            if w:
                messages.warning(request, w)
        if start > end:
            messages.warning(request, "开始日期晚于结束日期，已互换。")
            start, end = end, start
        unit = self.unit()
        qs = movements(request.user, start, end, unit=unit)
        inc_rows, dec_rows, inc_total, dec_total = kind_rows(qs)
        inc_cls, dec_cls = period_by_class(qs)
        keys = set(inc_cls) | set(dec_cls)
        from .selectors import Figures

        names = class_names()
        inc_by = {r.code: r for r in class_rows({k: inc_cls.get(k, Figures()) for k in keys}, names=names, level=1)}
        cls_rows = [(r, inc_by.get(r.code)) for r in
                    class_rows({k: dec_cls.get(k, Figures()) for k in keys}, names=names, level=1)]
        inc_u, dec_u = period_by_unit(qs)
        from qinjian.org.models import Unit

        unit_list = [(u, inc_u.get(u.pk, Figures()), dec_u.get(u.pk, Figures()))
                     for u in Unit.objects.filter(pk__in=set(inc_u) | set(dec_u)).order_by("tree_path")]
        lines = Paginator(qs.select_related("asset", "unit").order_by("-occurred_on", "-id"), self.per_page)
        page = lines.get_page(request.GET.get("page"))
        query = _query(start=start.isoformat(), end=end.isoformat(), unit=unit.pk if unit else "")
        return render(request, "assets/report_movements.html", self.base_context(
            start=start, end=end, unit=unit, inc_rows=inc_rows, dec_rows=dec_rows, inc_total=inc_total,
            dec_total=dec_total, cls_rows=cls_rows, unit_list=unit_list, page=page, query=query,
            periods=[("本年", datetime.date(today.year, 1, 1), today),
                     ("上年", datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)),
                     ("本月", today.replace(day=1), today),
                     ("上月", previous_month(today), today.replace(day=1) - datetime.timedelta(days=1))]))


class YearReportView(ReportView):
    """年度资产报表 (Excel): choose the year and unit, download (or build in the background when large)."""

    title = "年度资产报表"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        today = timezone.localdate()
        years = list(range(today.year, today.year - 10, -1))
        raw = request.GET.get("year", "")
        year = int(raw) if raw.isdigit() and int(raw) in years else today.year - 1
        unit = self.unit()
        if request.GET.get("download"):
            return self.download(year, unit)
        return render(request, "assets/report_year.html", self.base_context(
            year=year, years=years, unit=unit, partial_year=year == today.year))

    def download(self, year: int, unit: Any) -> HttpResponseBase:
        user = self.request.user
        from .models import Asset
        from .selectors import report_units

        scope = report_units(user)
        cards = Asset.objects.all() if scope is None else Asset.objects.filter(unit__in=scope)
        if unit is not None:
            cards = cards.filter(unit__tree_path__startswith=unit.tree_path)
        security_log.record("export", model="assets.asset", report="年度资产报表", year=year,
                            unit=unit.pk if unit else None, object_type="assets.asset")
        runner = background.runner()
        if runner is not None and cards.count() > INLINE_REPORT_CARDS:
            job = runner.start(kind=YEAR_REPORT_JOB, title=f"生成{year}年度资产报表", user=user,
                               params={"year": year, "unit": unit.pk if unit else None})
            messages.info(self.request, "资产较多，报表已转为后台生成，完成后可在本页下载。")
            return redirect(job.url)
        return workbook_response(year_report_workbook(user=user, year=year, unit=unit), year_report_filename(year, unit))


# ---------------------------------------------------------------------------------------- depreciation

class DepreciationRunTable(Table):
    model = DepreciationRun
    default_order = ("-month",)

    month = Column(linkify=True, required=True, render=lambda r, v: f"{v.year}年{v.month}月",
                   export=lambda r: f"{r.month.year}年{r.month.month}月")
    status = Column()
    asset_count = Column(align="end")
    total_amount = Column(align="end")
    started_by = Column("发起人", accessor="started_by.display_name", order_by=None)
    finished_at = Column()


class DepreciationRunListView(ObjectListView):
    model = DepreciationRun
    table_class = DepreciationRunTable
    select_related = ("started_by",)
    empty_message = "还没有计提过折旧"
    buttons = (Button("计提折旧", "assets:depreciationrun_create", "assets.add_depreciationrun", "bi-calculator",
                       "btn-primary"),)


class DepreciationRunDetailView(ObjectDetailView):
    model = DepreciationRun
    select_related = ("started_by",)
    fields = ("month", "status", "asset_count", "total_amount", Column("发起人", accessor="started_by.display_name"),
              "started_at", "finished_at", Column("说明", accessor="message", css="col-12"))
    info_template_name = "assets/depreciation_run_info.html"
    max_lines = 2000

    def get_info_context(self) -> dict[str, Any]:
        from django.db.models import Count, Sum

        from qinjian.standards.models import AssetClass

        lines_qs = DepreciationRunLine.objects.scoped(self.request.user, "view").filter(run=self.object)
        per_unit = (lines_qs.order_by("unit__tree_path").values("unit", "unit__name")
                    .annotate(count=Sum("asset_count"), amount=Sum("amount"), n=Count("id")))
        unit_totals = [{"unit": r["unit"], "name": r["unit__name"], "count": r["count"], "amount": r["amount"]}
                       for r in per_unit]
        if len(unit_totals) > 1:
            unit_totals.append({"unit": None, "name": "合计", "count": sum(u["count"] for u in unit_totals),
                                "amount": sum(u["amount"] for u in unit_totals)})
        lines = list(lines_qs.select_related("unit").order_by("unit__tree_path", "class_code")[: self.max_lines])
        names = dict(AssetClass.objects.filter(code__in={ln.class_code for ln in lines}).values_list("code", "name"))
        for ln in lines:
            ln.class_name = names.get(ln.class_code, "")  # type: ignore[attr-defined]
        return {"unit_totals": unit_totals, "lines": lines, "lines_truncated": len(lines) >= self.max_lines}

    def get_actions(self) -> list[Any]:
        return []

    def get_badges(self) -> list[tuple[str, str]]:
        css = {RunStatus.DONE: "bg-green-lt", RunStatus.RUNNING: "bg-blue-lt", RunStatus.FAILED: "bg-red-lt"}
        return [(self.object.get_status_display(), css.get(self.object.status, "bg-secondary-lt"))]

    def get_subtitle(self) -> str:
        return f"{self.object.asset_count} 项资产 · 合计 {self.object.total_amount:,.2f} 元"


class DepreciationRunForm(forms.Form):
    month = forms.CharField(label="计提月份", widget=forms.DateInput(attrs={"type": "month"}),
                            help_text="按月计提：当月增加的资产当月计提，当月减少的资产当月不计提。")


class DepreciationRunCreateView(LoginRequiredMixin, View):
    """计提: choose the month, then the run goes to a background job with a progress bar."""

    def check(self) -> None:
        if not self.request.user.has_perm("assets.add_depreciationrun"):
            raise PermissionDenied

    def context(self, form: forms.Form) -> dict[str, Any]:
        last = DepreciationRun.objects.order_by("-month").first()
        return {"form": form, "last": last, "page_title": "计提折旧",
                "breadcrumbs": [("资产管理", ""), ("折旧计提", reverse("assets:depreciationrun_list")), ("计提折旧", "")]}

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check()
        last = DepreciationRun.objects.order_by("-month").first()
        suggested = previous_month(timezone.localdate())
        if last is not None and last.month >= suggested:
            suggested = timezone.localdate().replace(day=1)
        return render(request, "assets/depreciation_run_form.html",
                      self.context(DepreciationRunForm(initial={"month": f"{suggested:%Y-%m}"})))

    def post(self, request: HttpRequest) -> HttpResponseBase:
        self.check()
        form = DepreciationRunForm(request.POST)
        if form.is_valid():
            try:
                month = first_of_month(form.cleaned_data["month"])
                runner = background.runner()
                if runner is not None:
                    from .services.depreciation import check_month

                    check_month(month)  # refuse at once what the job would refuse
                    job = runner.start(kind=DEPRECIATION_JOB, title=f"计提{month_label(month)}折旧", user=request.user,
                                       params={"month": month.isoformat()},
                                       next_url=reverse("assets:depreciationrun_list"))
                    messages.success(request, f"已开始计提{month_label(month)}折旧，可在本页查看进度。")
                    return redirect(job.url)
                run = depreciation_run(month=month, actor=request.user)
                messages.success(request, run.message)
                return redirect(run.get_absolute_url())
            except DomainError as exc:
                form.add_error("month" if "month" in (exc.fields or {}) else None, exc.message)
        return render(request, "assets/depreciation_run_form.html", self.context(form), status=200)
