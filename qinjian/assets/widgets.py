"""The home-page widget of the asset module: the user's scoped totals (one aggregate query)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest

from qinjian.core.dashboard import Widget
from qinjian.core.dashboard import register as register_widget

from .selectors_cards import scope_totals

TEN_THOUSAND = Decimal("10000")


def _summary(request: HttpRequest) -> dict[str, Any]:
    figures = scope_totals(request.user)
    figures["original_wan"] = (figures["original"] / TEN_THOUSAND).quantize(Decimal("0.01"))
    figures["net_wan"] = (figures["net"] / TEN_THOUSAND).quantize(Decimal("0.01"))
    return {"assets": figures}


def register() -> None:
    register_widget(Widget(key="assets_summary", permission="assets.view_asset", order=200, render=_summary,
                           template="assets/widgets/summary.html"))
