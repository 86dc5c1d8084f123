"""The home-page widgets of the asset module: the user's scoped totals (one aggregate query) and the
running stocktakes the user counts in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from qinjian.core.dashboard import Widget
from qinjian.core.dashboard import register as register_widget

from .choices import CampaignStatus, StocktakeResult
from .models import StocktakeCampaign, StocktakeItem
from .selectors_cards import scope_totals

TEN_THOUSAND = Decimal("10000")


def _summary(request: HttpRequest) -> dict[str, Any]:
    figures = scope_totals(request.user)
    figures["original_wan"] = (figures["original"] / TEN_THOUSAND).quantize(Decimal("0.01"))
    figures["net_wan"] = (figures["net"] / TEN_THOUSAND).quantize(Decimal("0.01"))
    return {"assets": figures}


def _my_stocktakes(request: HttpRequest) -> dict[str, Any]:
    """The running campaigns the user counts in, with their progress (two queries for all of them)."""
    campaigns = list(StocktakeCampaign.objects.filter(counters=request.user, status=CampaignStatus.ACTIVE)
                     .order_by("planned_end", "pk")[:5])
    counts = {r["campaign_id"]: r for r in
              StocktakeItem.objects.filter(campaign__in=campaigns).values("campaign_id")
              .annotate(expected=Count("pk", filter=~Q(result=StocktakeResult.SURPLUS)),
                        found=Count("pk", filter=Q(result=StocktakeResult.FOUND)))}
    today = timezone.localdate()
    rows = []
    for campaign in campaigns:
        r = counts.get(campaign.pk, {})
        expected, found = r.get("expected", 0), r.get("found", 0)
        rows.append({"campaign": campaign, "expected": expected, "found": found,
                     "percent": round(found * 100 / expected) if expected else 0,
                     "overdue": campaign.planned_end < today})
    return {"stocktakes": rows}


def register() -> None:
    register_widget(Widget(key="assets_summary", permission="assets.view_asset", order=200, render=_summary,
                           template="assets/widgets/summary.html"))
    register_widget(Widget(key="assets_my_stocktakes", permission="assets.count_stocktakecampaign", order=190,
                           render=_my_stocktakes, template="assets/widgets/my_stocktakes.html"))
