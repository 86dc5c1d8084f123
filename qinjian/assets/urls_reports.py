"""台账与报表 and 折旧计提 pages (mounted under /assets/)."""

from django.urls import path

from . import views_reports as v

urlpatterns = [
    path("ledger/", v.LedgerHubView.as_view(), name="ledger"),
    path("ledger/unit/", v.LedgerUnitView.as_view(), name="ledger_unit"),
    path("ledger/cards/", v.LedgerCardsView.as_view(), name="ledger_cards"),
    path("ledger/movements/", v.LedgerMovementsView.as_view(), name="ledger_movements"),
    path("ledger/year-report/", v.YearReportView.as_view(), name="ledger_year_report"),
    path("depreciation/", v.DepreciationRunListView.as_view(), name="depreciationrun_list"),
    path("depreciation/new/", v.DepreciationRunCreateView.as_view(), name="depreciationrun_create"),
    path("depreciation/<int:pk>/", v.DepreciationRunDetailView.as_view(), name="depreciationrun_detail"),
]
