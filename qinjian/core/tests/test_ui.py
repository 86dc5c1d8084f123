"""The shared page machinery: table, paging, domain errors on forms, history rendering, shell."""

from __future__ import annotations

import pytest
from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.urls import reverse

from qinjian.core.errors import ValidationFailed
from qinjian.core.models import Notification
from qinjian.core.ui.history import history_page
from qinjian.core.ui.tables import Column, Table, export_rows
from qinjian.core.ui.views import apply_domain_error, page_links
from qinjian.testing.factories import make_user

# core knows no domain app (import-linter): a concrete business model is looked up, not imported
Unit = apps.get_model("org", "Unit")


class _UnitTable(Table):
    model = Unit
    name = Column(linkify=True, required=True)
    code = Column(order_by=("-code", "name"))
    level = Column()
    parent = Column(linkify=True, order_by="parent__name")
    remark = Column(visible=False, order_by=None, export=False)


def test_table_headers_default_to_verbose_names_and_visibility():
    table = _UnitTable([])
    assert [c.verbose_name for c in table.columns] == ["单位名称", "单位编码", "行政层级", "上级单位"]
    assert _UnitTable([], visible=["level", "nope"]).visible_names == ["name", "level"]


def test_table_ordering_for_sort_parameter():
    assert _UnitTable.ordering_for("name") == ["name"]
    assert _UnitTable.ordering_for("-name") == ["-name"]
    assert _UnitTable.ordering_for("code") == ["-code", "name"]
    assert _UnitTable.ordering_for("-code") == ["code", "-name"]
    assert _UnitTable.ordering_for("-parent") == ["-parent__name"]
    assert _UnitTable.ordering_for("remark") is None
    assert _UnitTable.ordering_for("password") is None


def test_table_header_cycles_sort_states():
    table = _UnitTable([], order="-name")
    header = {h["col"].name: h for h in table.headers()}
    assert (header["name"]["state"], header["name"]["next"]) == ("desc", None)
    assert (header["code"]["state"], header["code"]["next"]) == ("", "code")
    assert _UnitTable([], order="code").headers()[1]["next"] == "-code"


@pytest.mark.django_db
def test_cells_render_choices_links_and_escape(mini_city):
    unit = Unit.objects.select_related("parent").get(pk=mini_city.edu_school.pk)
    unit.name = "<b>一中</b>"
    (_row, cells), = _UnitTable([unit]).body()
    html = [str(cell) for _, cell in cells]
    assert html[0] == f'<a href="/org/units/{unit.pk}/">&lt;b&gt;一中&lt;/b&gt;</a>'
    assert html[2] == "市级"
    assert html[3] == f'<a href="/org/units/{mini_city.edu.pk}/">示范市教育局</a>'
    headers, rows = export_rows(_UnitTable, [unit])
    assert headers == ["单位名称", "单位编码", "行政层级", "上级单位"]
    assert list(rows) == [["<b>一中</b>", "SFS-JYJ-01", "市级", "示范市教育局"]]


def test_page_links_with_gaps():
    def links(total, current):
        return page_links(Paginator(range(total * 10), 10).get_page(current))

    assert links(5, 3) == [1, 2, 3, 4, 5]
    assert links(20, 1) == [1, 2, 3, 4, None, 20]
    assert links(20, 10) == [1, None, 9, 10, 11, None, 20]
    assert links(20, 20) == [1, None, 17, 18, 19, 20]


def test_domain_error_maps_fields_and_summary():
    class F(forms.Form):
        name = forms.CharField()
        code = forms.CharField()

    form = F({"name": "x", "code": "y"})
    assert form.is_valid()
    apply_domain_error(form, ValidationFailed("信息有误。", fields={"code": ["编码已被使用。"], "other": ["另一个问题。"]}))
    assert form.errors["code"] == ["编码已被使用。"]
    assert form.non_field_errors() == ["信息有误。", "另一个问题。"]


@pytest.mark.django_db
def test_history_shows_verbose_names_and_display_values(mini_city):
    unit = Unit.objects.get(pk=mini_city.edu.pk)
    unit.name, unit.unit_type = "示范市教育局（新）", "institution"
    unit.save()
    page = history_page(unit, 1)
    latest = page.entries[0]
    assert latest.change.action == "update"
    rows = {r.label: (r.before, r.after) for r in latest.rows}
    assert rows == {"单位名称": ("示范市教育局", "示范市教育局（新）"), "单位类型": ("党政机关", "事业单位")}
    created = page.entries[-1]
    assert created.change.action == "create"
    assert {r.label: r.after for r in created.rows}["上级单位"] == "示范市人民政府"


@pytest.mark.django_db
def test_shell_shows_unread_count_role_and_scope(client, mini_city):
    user = make_user("unit_admin", mini_city.edu, scope="unit_tree")
    Notification.objects.create(recipient=user, title="测试消息一")
    Notification.objects.create(recipient=user, title="测试消息二")
    client.force_login(user)
    html = client.get(reverse("core:home")).content.decode()
    assert 'badge-notification badge-pill">2</span>' in html
    assert "单位信息管理员" in html and "本单位及下级单位" in html and "示范市教育局" in html
    assert reverse("org:unit_list") in html  # sidebar menu item
    assert "<script>" not in html and "onclick" not in html


@pytest.mark.django_db
def test_user_without_role_sees_notice(client, mini_city):
    from qinjian.testing.factories import UserFactory

    client.force_login(UserFactory(unit=mini_city.edu))
    html = client.get(reverse("core:home")).content.decode()
    assert "您的账户尚未被授予角色" in html


class _PanelForm(forms.Form):
    text = forms.CharField(label='名称<"x">', max_length=10, required=False,
                           widget=forms.TextInput(attrs={"placeholder": '如 "A"'}))
    number = forms.DecimalField(label="金额", min_value=0, required=False,
                                widget=forms.NumberInput(attrs={"min": 0, "step": "0.01"}))
    day = forms.DateField(label="日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    flag = forms.BooleanField(label="只看待确认", required=False)
    kind = forms.ChoiceField(label="类别", required=False, choices=[("", "全部"), ("a", "甲&乙"), ("b", "<丙>")])
    needed = forms.CharField(label="必填")
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea)


@pytest.mark.parametrize("data", [None, {}, {"text": '<b>"x"&', "number": "-1", "day": "2024-13-01", "flag": "on",
                                            "kind": "b", "needed": "", "note": "x"},
                                  {"text": "ok", "number": "12.5", "day": "2024-02-29", "kind": "a", "needed": "1"}])
def test_inputs_built_in_python_are_what_django_renders(data):
    """render_input/qj_widget give the markup of Django's widget templates, value, errors and escaping included."""
    from qinjian.core.ui.widgets import render_input

    form = _PanelForm(data)
    if data is not None:
        form.is_valid()
    for field in form:
        attrs = {"class": "form-control"}
        fast = render_input(field, attrs)
        if field.name in {"kind", "note"}:
            assert fast is None  # a select and a textarea take their own paths
        else:
            assert str(fast) == str(field.as_widget(attrs=attrs)), field.name


def test_filter_field_markup_escapes_and_marks_errors_and_oob():
    from qinjian.core.templatetags.qj import qj_filter_field

    form = _PanelForm({"text": "x" * 11, "flag": "on", "needed": "1"})
    assert not form.is_valid()
    text = str(qj_filter_field(form["text"]))
    assert text.startswith('<div class="mb-2" id="qj-filter-field-text"><label class="form-label" for="id_text">'
                           "名称&lt;&quot;x&quot;&gt;</label><input ")
    assert 'class="form-control is-invalid"' in text and 'aria-invalid="true"' in text
    assert '<div class="invalid-feedback d-block">' in text and "不超过 10 字符" in text
    flag = str(qj_filter_field(form["flag"], oob=True))
    assert flag.startswith('<div class="mb-2" id="qj-filter-field-flag" hx-swap-oob="true"><label class="form-check mb-0">')
    assert 'type="checkbox"' in flag and " checked" in flag and '<span class="form-check-label">只看待确认</span>' in flag


def test_remembered_options_carry_only_this_requests_selection():
    """The options of a select are rendered once per choice set; the selected one is marked per request."""
    from qinjian.core.templatetags.qj import qj_widget

    first = str(qj_widget(_PanelForm({"kind": "a", "needed": "1"})["kind"]))
    second = str(qj_widget(_PanelForm({"kind": "b", "needed": "1"})["kind"]))
    none = str(qj_widget(_PanelForm({"needed": "1"})["kind"]))
    assert '<option value="a" selected>甲&amp;乙</option>' in first and "selected" not in first.replace(
        '<option value="a" selected>', "")
    assert '<option value="b" selected>&lt;丙&gt;</option>' in second and '<option value="a">' in second
    assert '<option value="" selected>全部</option>' in none and none.count("selected") == 1
