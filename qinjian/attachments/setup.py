"""What this app registers at start-up: the 附件 tab on every detail page, the menu, the org labels."""

from __future__ import annotations

from qinjian.core.menu import MenuGroup, MenuItem, register
from qinjian.core.ui.extensions import DetailTab, register_detail_tab

from .registry import LabelSource, is_attachable, register_label_source


def register_all() -> None:
    from . import views

    register_detail_tab(DetailTab(
        key=views.TAB_KEY, title="附件", order=80, applies=is_attachable, render=views.render_tab,
        permission="attachments.view_attachment", count=views.tab_count,
    ))
    register(MenuGroup(
        key="labels", label="标签与扫码", icon="bi-qr-code", order=900,
        items=[
            MenuItem("扫码查看", "attachments:scan", "attachments.view_attachment", "bi-qr-code-scan"),
            MenuItem("打印标签", "attachments:labels", "attachments.view_attachment", "bi-printer"),
        ],
    ))
    # Units: code and name. The assets module adds its asset cards the same way, from its own ready().
    register_label_source(LabelSource(
        "org.unit", code_field="code", name_field="name", title="单位标签",
        list_view="qinjian.org.views.UnitListView",
        lines=lambda unit: [unit.short_name] if unit.short_name and unit.short_name != unit.name else [],
    ))
