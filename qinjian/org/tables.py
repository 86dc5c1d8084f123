"""Columns of the org lists and of the related lists on detail pages."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from qinjian.core.ui.tables import Column, Table

from .models import Department, Person, Unit


def _unit_link(record: Any, value: Any) -> Any:
    """The short name keeps ledgers narrow; the full name is in the tooltip and the export."""
    if value is None:
        return mark_safe('<span class="text-secondary">—</span>')
    return format_html('<a href="{}" title="{}">{}</a>', value.get_absolute_url(), value.name,
                       value.short_name or value.name)


def _unit_name(record: Unit, value: Any) -> Any:
    indent = getattr(record, "qj_indent", 0)
    if indent:
        return format_html('<span class="qj-tree-indent" style="margin-left:{}rem"></span><a href="{}">{}</a>',
                           (indent - 1) * 1.25, record.get_absolute_url(), value)
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)


class UnitTable(Table):
    model = Unit
    default_order = ("tree_path",)

    name = Column(render=_unit_name, required=True, css="qj-unit-name")
    short_name = Column(visible=False)
    code = Column()
    credit_code = Column(visible=False)
    unit_type = Column()
    level = Column()
    parent = Column(render=_unit_link, order_by="parent__tree_path")
    region = Column(visible=False, order_by="region__code")
    staffing_quota = Column("编制数", align="end", order_by=None)
    contact_phone = Column(visible=False, order_by=None)
    address = Column(visible=False, order_by=None)
    is_active = Column("启用")


class DepartmentTable(Table):
    model = Department
    default_order = ("unit__tree_path", "sort_order", "id")

    name = Column(linkify=True, required=True)
    code = Column()
    unit = Column(render=_unit_link, order_by="unit__tree_path")
    people_count = Column("在册人数", align="end", order_by="people_count")
    sort_order = Column(visible=False)
    is_active = Column("启用")


def _phone(record: Person, value: Any) -> Any:
    return record.phone_masked or mark_safe('<span class="text-secondary">—</span>')


class PersonTable(Table):
    model = Person
    default_order = ("unit__tree_path", "sort_order", "id")

    name = Column(linkify=True, required=True)
    code = Column()
    gender = Column(order_by=None, visible=False)
    unit = Column(render=_unit_link, order_by="unit__tree_path")
    department = Column(order_by="department__name")
    rank = Column(order_by="rank__sort_order")
    post = Column()
    staffing_type = Column()
    status = Column()
    phone = Column(render=_phone, order_by=None, export=lambda r: r.phone_masked)
    is_active = Column("启用", visible=False)


class PersonExportTable(PersonTable):
    """The export for users who may see full phone numbers."""

    phone = Column("手机号码", render=_phone, order_by=None, export=lambda r: r.phone)
