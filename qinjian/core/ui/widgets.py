"""Fast rendering of <select> elements.

Django renders every <option> through a template; with a few hundred units in a filter that is
half the time of a list page. This builds the same markup directly, escaping every value.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BoundField
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _option(option: dict[str, Any]) -> str:
    attrs = dict(option.get("attrs") or {})
    selected = attrs.pop("selected", False) or option.get("selected")
    return format_html(
        '<option value="{}"{}{}>{}</option>',
        "" if option["value"] is None else option["value"],
        mark_safe(" selected") if selected else "",
        flatatt({k: v for k, v in attrs.items() if v not in (None, False)}),
        option["label"],
    )


def _flat_options(widget: forms.Select, value: list[str]) -> str | None:
    """The options of a select without groups or per-option attributes, straight from its choices
    (a unit filter has hundreds); ``None`` when the widget needs Django's generic path."""
    if type(widget).create_option is not forms.Select.create_option:
        return None
    chosen = set(value)
    parts = []
    for key, label in widget.choices:
        if isinstance(label, list | tuple):
            return None
        text = "" if key is None else str(key)
        selected = " selected" if text in chosen else ""
        parts.append(f'<option value="{conditional_escape(text)}"{selected}>{conditional_escape(str(label))}</option>')
    return "".join(parts)


def render_select(field: BoundField, attrs: dict[str, Any]) -> SafeString:
    widget = field.field.widget
    final_attrs = widget.build_attrs(widget.attrs, {**attrs, "name": field.html_name})
    if field.auto_id and "id" not in final_attrs:
        final_attrs["id"] = field.auto_id
    if widget.allow_multiple_selected:
        final_attrs["multiple"] = True
    if field.field.required and not widget.allow_multiple_selected and "required" not in final_attrs:
        final_attrs["required"] = True
    value = widget.format_value(field.value())
    options = _flat_options(widget, value)
    if options is None:
        parts: list[str] = []
        for group_name, group, _index in widget.optgroups(field.html_name, value, final_attrs):
            rendered = "".join(_option(o) for o in group)
            if group_name:
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, mark_safe(rendered)))  # noqa: S308
            else:
                parts.append(rendered)
        options = "".join(parts)
    return format_html("<select{}>{}</select>", flatatt({k: conditional_escape(v) if not isinstance(v, bool) else v
                                                         for k, v in final_attrs.items()}),
                       mark_safe(options))  # noqa: S308 - built from escaped parts
