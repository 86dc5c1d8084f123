"""Template helpers shared by every page (loaded as a builtin)."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from ..ui.widgets import render_input, render_select

register = template.Library()

_SELECTS = {"select", "selectmultiple", "nullbooleanselect"}


@register.filter
def qj_widget(field: BoundField) -> Any:
    """Render a form field with the design kit's classes and the invalid state."""
    widget_type = field.widget_type
    if widget_type in {"checkbox"}:
        css = "form-check-input"
    elif widget_type in _SELECTS:
        css = "form-select"
    elif widget_type in {"clearablefile", "file"}:
        css = "form-control"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = field.field.widget.attrs.get("class", "")
    attrs: dict[str, str | bool] = {"class": f"{existing} {css}".strip()}
    if widget_type in {"select", "selectmultiple"} and field.field.widget.template_name.startswith("django/forms/"):
        return render_select(field, attrs)
    return render_input(field, attrs) or field.as_widget(attrs=attrs)


@register.simple_tag
def qj_filter_field(field: BoundField, oob: bool = False) -> SafeString:
    """One field of a list's filter panel: label, input and errors, built without a template (a
    panel has fifteen of them on every page of a list)."""
    label = conditional_escape(field.label)
    if field.widget_type == "checkbox":
        body = f'<label class="form-check mb-0">{qj_widget(field)}<span class="form-check-label">{label}</span></label>'
    else:
        body = (f'<label class="form-label" for="{conditional_escape(field.id_for_label)}">{label}</label>'
                f"{qj_widget(field)}")
    errors = "".join(f'<div class="invalid-feedback d-block">{conditional_escape(str(e))}</div>' for e in field.errors)
    swap = ' hx-swap-oob="true"' if oob else ""
    return mark_safe(  # noqa: S308 - label, id and errors escaped; the widget renders escaped markup
        f'<div class="mb-2" id="qj-filter-field-{conditional_escape(field.name)}"{swap}>{body}{errors}</div>')


@register.filter
def verbose_name(obj: Any) -> str:
    return str(obj._meta.verbose_name)


@register.simple_tag
def status_badge(active: bool, yes: str = "启用", no: str = "停用") -> str:
    if active:
        return format_html('<span class="badge bg-green-lt">{}</span>', yes)
    return format_html('<span class="badge bg-secondary-lt">{}</span>', no)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def qj_fieldsets(form: Any) -> list[tuple[str, list[BoundField]]]:
    """The form's visible fields grouped by ``form.fieldsets`` ((title, [names]), ...); rest last."""
    visible = {f.name: f for f in form.visible_fields()}
    groups: list[tuple[str, list[BoundField]]] = []
    used: set[str] = set()
    for title, names in getattr(form, "fieldsets", ()) or ():
        fields = [visible[n] for n in names if n in visible]
        used.update(n for n in names)
        if fields:
            groups.append((title, fields))
    rest = [f for name, f in visible.items() if name not in used]
    if rest:
        groups.append(("其他" if groups else "", rest))
    return groups


@register.filter
def qj_is_wide(field: BoundField) -> bool:
    wide = getattr(field.form, "wide_fields", ()) or ()
    return field.name in wide or field.widget_type in {"textarea", "checkboxselectmultiple"}
