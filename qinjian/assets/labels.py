"""QR labels of asset cards (registered with qinjian.attachments from hooks.register_all).

A label carries the card's code, name, owning unit and class; its QR code opens the card (through the
attachments resolver, within the scanning user's scope); the scan page also finds a card by typed code.
Labels print for one card (``ids=``), a selection (``ids=1,2,3``) or the filtered list (the list's query).
"""

from __future__ import annotations

from typing import Any

from qinjian.attachments.registry import LabelSource, register_label_source


def label_lines(asset: Any) -> list[str]:
    unit = asset.unit.short_name or asset.unit.name
    detail = asset.spec_model or asset.asset_class.name
    return [unit, detail]


SOURCE = LabelSource(
    "assets.asset", code_field="code", name_field="name", title="资产标签",
    list_view="qinjian.assets.views_assets.AssetListView",
    lines=label_lines, select_related=("unit", "asset_class"),
)


def register() -> None:
    register_label_source(SOURCE)
