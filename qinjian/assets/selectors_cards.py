"""Reads of the card pages: the panels of one card, its 履历 and 业务单, a unit's cards, the home totals.

Every read starts from a card the caller already found within the user's scope, or from
``Asset.objects.scoped(user, "view")``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from .choices import ON_BOOKS_STATUSES, AssetStatus, DepreciationMethod
from .models import Asset, AssetEvent, AssetOperationLine

ZERO = Decimal("0")


def asset_units(user: Any, action: str = "view") -> QuerySet[Any]:
    """Units whose cards the user may ``action`` (the asset data scope, not the org pages' permissions)."""
    from qinjian.core.scope import DataScope, active_assignment
    from qinjian.org.models import Unit

    assignment = active_assignment(user)
    if assignment is None or not user.has_perm(f"assets.{action}_asset"):
        return Unit.objects.none()
    units = Unit.objects.only("id", "name", "depth", "tree_path", "is_active")
    if assignment.scope == DataScope.ALL:
        return units
    if assignment.unit_id is None or assignment.scope == DataScope.OWN:
        return units.none()
    if assignment.scope == DataScope.UNIT:
        return units.filter(pk=assignment.unit_id)
    return units.filter(tree_path__startswith=assignment.unit.tree_path)


def card_events(asset: Asset, user: Any) -> QuerySet[AssetEvent]:
    """The card's 履历 (the whole life of the card goes with it, also the time before a transfer)."""
    if not user.has_perm("assets.view_assetevent"):
        return AssetEvent.objects.none()
    return (AssetEvent.objects.filter(asset=asset)
            .select_related("unit", "from_unit", "to_unit", "person", "operation", "actor")
            .order_by("-occurred_on", "-id"))


def card_operation_lines(asset: Asset, user: Any) -> QuerySet[AssetOperationLine]:
    """The 业务单 lines of this card that the user may see (documents are scoped on their own)."""
    from .models import AssetOperation

    visible = AssetOperation.objects.scoped(user, "view")
    return (AssetOperationLine.objects.filter(asset=asset, operation__in=visible.values("pk"))
            .select_related("operation").order_by("-operation__created_at", "-id"))


def card_panels(asset: Asset, user: Any) -> dict[str, Any]:
    """What the 基本信息 tab shows beyond the card's own fields: depreciation figures, a photo, the QR code."""
    original, accumulated = asset.original_value, asset.accumulated_depreciation
    percent = int(min(Decimal("100"), accumulated * 100 / original)) if original else 0
    monthly = None
    if asset.depreciation_method == DepreciationMethod.STRAIGHT_LINE and asset.useful_life_months:
        monthly = (original / asset.useful_life_months).quantize(Decimal("0.01"))
    life = asset.useful_life_months
    photo = None
    if user.has_perm("attachments.view_attachment"):
        from qinjian.attachments.selectors import attachments_for

        photo = attachments_for(user, asset).filter(kind="photo").order_by("-id").first()
    return {
        "dep": {
            "percent": percent,
            "monthly": monthly,
            "life_text": (f"{life // 12} 年" + (f" {life % 12} 个月" if life % 12 else "")) if life else "",
            "exempt": asset.depreciation_method == DepreciationMethod.NONE,
            "fully": bool(original) and accumulated >= original,
        },
        "photo": photo,
        "qr_svg": reverse("attachments:qr_svg", args=["assets.asset", asset.pk]),
        "on_books": asset.status in ON_BOOKS_STATUSES,
    }


def totals(qs: QuerySet[Asset]) -> dict[str, Any]:
    """Cards on the books in ``qs``: count, original value, net value, idle count; and drafts (one query)."""
    money: DecimalField = DecimalField(max_digits=20, decimal_places=2)
    on_books = Q(status__in=ON_BOOKS_STATUSES)
    row = qs.aggregate(
        count=Count("id", filter=on_books),
        original=Coalesce(Sum("original_value", filter=on_books), Value(ZERO), output_field=money),
        depreciation=Coalesce(Sum("accumulated_depreciation", filter=on_books), Value(ZERO), output_field=money),
        idle=Count("id", filter=Q(status=AssetStatus.IDLE)),
        drafts=Count("id", filter=Q(status=AssetStatus.DRAFT)),
    )
    row["net"] = row["original"] - row["depreciation"]
    return row


def scope_totals(user: Any) -> dict[str, Any]:
    """The home-page figures over the user's scope."""
    return totals(Asset.objects.scoped(user, "view"))
