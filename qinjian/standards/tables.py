"""Columns of the standards lists."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from qinjian.core.ui.tables import EMPTY, Column, Table

from .models import LegacyClassMapping, StandardTable
from .presentation import confidence_badge


def _current(record: StandardTable, value: Any) -> Any:
    version = getattr(record, "qj_current", None)
    if version is None:
        return mark_safe('<span class="badge bg-red-lt">今日无生效版本</span>')
    return format_html('<a href="{}">{}</a>', version.get_absolute_url(), version.code)


def _source(record: StandardTable, value: Any) -> Any:
    version = getattr(record, "qj_current", None)
    return format_html("{}", version.source) if version else EMPTY


def _since(record: StandardTable, value: Any) -> Any:
    version = getattr(record, "qj_current", None)
    return format_html("{}", version.period) if version else EMPTY


class StandardTableTable(Table):
    model = StandardTable
    default_order = ("sort_order", "name")

    title = Column(linkify=True, required=True)
    category = Column()
    current = Column("现行版本", render=_current, order_by=None, export=lambda r: getattr(r.qj_current, "code", ""))
    source = Column("依据文件", render=_source, order_by=None, css="qj-wrap",
                    export=lambda r: getattr(r.qj_current, "source", ""))
    period = Column("生效期间", render=_since, order_by=None, export=lambda r: getattr(r.qj_current, "period", ""))
    name = Column("程序标识", visible=False)


def _badge(record: LegacyClassMapping, value: Any) -> Any:
    b = confidence_badge(record.confidence)
    return format_html('<span class="badge {}" title="{}">[{}] {}</span>', b["css"], b["title"], b["code"], b["text"])


def _target(record: LegacyClassMapping, value: Any) -> Any:
    if record.asset_class is None:
        return mark_safe('<span class="badge bg-red-lt">未对应，须人工归类</span>')
    return format_html('<a href="{}">{} {}</a>', record.asset_class.get_absolute_url(), record.asset_class.code,
                       record.asset_class.name)


def _match(record: LegacyClassMapping, value: Any) -> Any:
    css = {"exact": "bg-green-lt", "broader": "bg-yellow-lt", "none": "bg-red-lt"}.get(record.match, "")
    return format_html('<span class="badge {}">{}</span>', css, record.get_match_display())


class LegacyClassMappingTable(Table):
    model = LegacyClassMapping
    default_order = ("scheme", "legacy_code")

    legacy_code = Column(required=True)
    legacy_name = Column()
    scheme = Column()
    asset_class = Column("2022分类", render=_target, order_by="asset_class__code",
                         export=lambda r: str(r.asset_class) if r.asset_class else "未对应")
    match = Column(render=_match)
    confidence = Column(render=_badge)
    note = Column(order_by=None, css="qj-wrap")
    source = Column(visible=False, order_by=None)
