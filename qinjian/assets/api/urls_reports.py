"""reports API (registered in api/urls.py): ledger summary, movements, depreciation runs."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import reports

router = SimpleRouter()
router.register("depreciation-runs", reports.DepreciationRunViewSet, basename="depreciationrun")

urlpatterns: list[URLPattern | URLResolver] = [
    path("ledger/summary/", reports.LedgerSummaryView.as_view(), name="ledger-summary"),
    path("ledger/movements/", reports.LedgerMovementsView.as_view(), name="ledger-movements"),
    *router.urls,
]
