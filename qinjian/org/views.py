"""Org pages: units, departments, people. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from qinjian.core.ui.tables import Column, Table
from qinjian.core.ui.views import (
    Action,
    Button,
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    RelatedList,
)

from . import selectors
from .filtersets import DepartmentFilterSet, PersonFilterSet, UnitFilterSet
from .forms import DepartmentForm, PersonDeactivateForm, PersonForm, UnitForm, UnitMoveForm
from .models import Department, Person, Unit
from .services.people import person_create, person_deactivate, person_update
from .services.units import (
    department_create,
    department_deactivate,
    department_update,
    unit_activate,
    unit_create,
    unit_deactivate,
    unit_move,
    unit_update,
)
from .tables import DepartmentTable, PersonExportTable, PersonTable, UnitTable


def _list_url(name: str, **params: Any) -> str:
    return reverse(name) + "?" + urlencode(params)


# --------------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------------


class UnitListView(ObjectListView):
    model = Unit
    table_class = UnitTable
    filterset_class = UnitFilterSet
    select_related = ("parent", "region")
    search_fields = ("name", "short_name", "code", "credit_code")
    search_placeholder = "单位名称、简称、编码或统一社会信用代码"
    buttons = (Button("导入", "org:unit_import", "org.import_unit", "bi-upload", "btn-outline-secondary"),
               Button("打印标签", "attachments:labels", "org.view_unit", "bi-printer", "btn-outline-secondary",
                      query="?model=org.unit", keep_query=True))
    empty_message = "还没有登记单位"

    def prepare_rows(self, rows: list[Any], sort: str) -> list[Any]:
        if not sort and rows:  # tree order: indent below the shallowest unit on the page
            top = min(u.depth for u in rows)
            for unit in rows:
                unit.qj_indent = unit.depth - top
        return rows


def _child_units(obj: Unit, user: Any) -> QuerySet[Unit]:
    return Unit.objects.scoped(user, "view").filter(parent=obj).select_related("parent", "region")


def _unit_departments(obj: Unit, user: Any) -> QuerySet[Department]:
    return (Department.objects.scoped(user, "view").filter(unit=obj).select_related("unit")
            .annotate(people_count=Count("people", filter=Q(people__is_active=True)))
            .order_by("sort_order", "id"))


def _unit_people(obj: Unit, user: Any) -> QuerySet[Person]:
    return (Person.objects.scoped(user, "view").filter(unit=obj)
            .select_related("unit", "department", "rank").order_by("-is_active", "sort_order", "id"))


class UnitDetailView(ObjectDetailView):
    model = Unit
    select_related = ("parent", "region", "created_by")
    info_template_name = "org/unit_info.html"
    fields = (
        "name", "short_name", "code", "credit_code", "unit_type", "level",
        Column("上级单位", accessor="parent", linkify=True), "region", "address", "contact_phone", "sort_order",
        Column("创建时间", accessor="created_at"), Column("更新时间", accessor="updated_at"),
        Column("备注", accessor="remark", css="col-12"),
    )
    related = (
        RelatedList("children", "下级单位", UnitTable, _child_units,
                    lambda o: _list_url("org:unit_list", parent=o.pk),
                    columns=("name", "code", "unit_type", "level", "staffing_quota", "is_active")),
        RelatedList("departments", "内设机构", DepartmentTable, _unit_departments,
                    lambda o: _list_url("org:department_list", unit=o.pk),
                    columns=("name", "code", "people_count", "is_active")),
        RelatedList("people", "人员", PersonTable, _unit_people,
                    lambda o: _list_url("org:person_list", unit=o.pk), per_page=20,
                    columns=("name", "code", "gender", "department", "rank", "post", "staffing_type", "status")),
    )

    def get_actions(self) -> list[Action]:
        return [
            Action("新增下级单位", "org:unit_create", "add", "bi-plus-lg", "btn-outline-primary",
                   condition=lambda o: o.is_active,
                   url=lambda o: reverse("org:unit_create") + f"?parent={o.pk}"),
            Action("调整上级", "org:unit_move", "move", "bi-arrows-move"),
            Action("申请调整编制", "org:staffingchangerequest_create", "view", "bi-person-plus",
                   condition=lambda o: o.is_active, permission="org.add_staffingchangerequest",
                   url=lambda o: reverse("org:staffingchangerequest_create") + f"?unit={o.pk}"),
            Action("停用", "org:unit_deactivate", "change", "bi-slash-circle", "btn-outline-danger", "post",
                   "停用后该单位不能再新增下级单位、部门和人员，历史数据保留。确定停用吗？",
                   condition=lambda o: o.is_active),
            Action("启用", "org:unit_activate", "change", "bi-check-circle", "btn-outline-success", "post",
                   "确定重新启用该单位吗？", condition=lambda o: not o.is_active),
            Action("编辑", "org:unit_edit", "change", "bi-pencil", "btn-primary"),
        ]

    def get_subtitle(self) -> str:
        unit = self.object
        parts = [unit.get_unit_type_display(), unit.get_level_display()]
        if unit.parent_id:
            parts.append(f"上级：{unit.parent.name}")
        return " · ".join(parts)

    def get_info_context(self) -> dict[str, Any]:
        lines = selectors.unit_staffing(self.object)
        return {"staffing": lines, "staffing_quota": self.object.staffing_quota,
                "staffing_used": sum(line.used for line in lines if line.quota is not None)}


class UnitFormView(ObjectFormView):
    model = Unit
    form_class = UnitForm
    select_related = ("parent",)

    def get_initial(self) -> dict[str, Any]:
        raw = self.request.GET.get("parent", "")
        parent = Unit.objects.scoped(self.request.user, "add").filter(pk=raw).first() if raw.isdigit() else None
        return {"parent": parent.pk, "level": parent.level, "unit_type": parent.unit_type} if parent else {}

    def perform(self, form: forms.BaseForm) -> Unit:
        data = dict(form.cleaned_data)
        if self.object is None:
            return unit_create(parent=data.pop("parent", None), **data)
        return unit_update(unit=self.object, **data)


class UnitMoveView(ObjectActionView):
    model = Unit
    action = "move"
    form_class = UnitMoveForm
    verb = "调整上级单位"
    title_format = "调整上级单位：{obj}"
    button_style = "btn-primary"
    confirm_message = "请选择“{obj}”新的上级单位。"
    success_message = "已调整“{obj}”的上级单位。"

    def perform(self, obj: Unit, form: forms.BaseForm | None) -> Unit:
        assert form is not None
        return unit_move(unit=obj, new_parent=form.cleaned_data["parent"])


class UnitDeactivateView(ObjectActionView):
    model = Unit
    verb = "停用"
    button_style = "btn-danger"
    confirm_message = "停用“{obj}”后，不能再在其下新增单位、部门和人员，历史数据保留。确定停用吗？"
    success_message = "已停用“{obj}”。"

    def perform(self, obj: Unit, form: forms.BaseForm | None) -> Unit:
        return unit_deactivate(unit=obj)


class UnitActivateView(ObjectActionView):
    model = Unit
    verb = "启用"
    confirm_message = "确定重新启用“{obj}”吗？"
    success_message = "已启用“{obj}”。"

    def perform(self, obj: Unit, form: forms.BaseForm | None) -> Unit:
        return unit_activate(unit=obj)


# --------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------


class DepartmentListView(ObjectListView):
    model = Department
    table_class = DepartmentTable
    filterset_class = DepartmentFilterSet
    select_related = ("unit",)
    search_fields = ("name", "code")
    search_placeholder = "部门名称或编码"
    empty_message = "还没有登记内设机构"

    def get_queryset(self) -> QuerySet[Department]:
        return super().get_queryset().annotate(people_count=Count("people", filter=Q(people__is_active=True)))


def _department_people(obj: Department, user: Any) -> QuerySet[Person]:
    return (Person.objects.scoped(user, "view").filter(department=obj)
            .select_related("unit", "department", "rank").order_by("-is_active", "sort_order", "id"))


class DepartmentDetailView(ObjectDetailView):
    model = Department
    select_related = ("unit",)
    fields = ("name", "code", Column("所属单位", accessor="unit", linkify=True), "sort_order",
              Column("创建时间", accessor="created_at"), Column("更新时间", accessor="updated_at"))
    related = (
        RelatedList("people", "人员", PersonTable, _department_people,
                    lambda o: _list_url("org:person_list", unit=o.unit_id, department=o.pk), per_page=20,
                    columns=("name", "code", "gender", "rank", "post", "staffing_type", "status")),
    )
    actions = (
        Action("停用", "org:department_deactivate", "change", "bi-slash-circle", "btn-outline-danger", "post",
               "停用后不能再把人员分配到该部门。确定停用吗？", condition=lambda o: o.is_active),
    )

    def get_subtitle(self) -> str:
        return self.object.unit.name


class DepartmentFormView(ObjectFormView):
    model = Department
    form_class = DepartmentForm
    select_related = ("unit",)

    def get_initial(self) -> dict[str, Any]:
        unit = self.request.GET.get("unit", "")
        return {"unit": unit} if unit.isdigit() else {}

    def perform(self, form: forms.BaseForm) -> Department:
        data = form.cleaned_data
        if self.object is None:
            return department_create(unit=data["unit"], code=data["code"], name=data["name"],
                                     sort_order=data.get("sort_order") or 0)
        return department_update(department=self.object, code=data["code"], name=data["name"],
                                 sort_order=data.get("sort_order") or 0)


class DepartmentDeactivateView(ObjectActionView):
    model = Department
    verb = "停用"
    button_style = "btn-danger"
    confirm_message = "停用“{obj}”后不能再把人员分配到该部门。确定停用吗？"
    success_message = "已停用“{obj}”。"

    def perform(self, obj: Department, form: forms.BaseForm | None) -> Department:
        return department_deactivate(department=obj)


# --------------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------------


class PersonListView(ObjectListView):
    model = Person
    table_class = PersonTable
    filterset_class = PersonFilterSet
    select_related = ("unit", "department", "rank")
    search_placeholder = "姓名、人员编号或手机号码"
    buttons = (Button("导入", "org:person_import", "org.import_person", "bi-upload", "btn-outline-secondary"),)
    empty_message = "还没有登记人员"

    def get_search_q(self, term: str) -> Q:
        return selectors.person_search_q(term)

    def get_export_table_class(self) -> type[Table]:
        return PersonExportTable if self.request.user.has_perm("org.view_person_phone") else PersonTable


def _phone_display(obj: Person, user: Any) -> str:
    if not obj.phone:
        return ""
    return obj.phone if user.has_perm("org.view_person_phone") else obj.phone_masked


class PersonDetailView(ObjectDetailView):
    model = Person
    select_related = ("unit", "department", "rank")

    def get_fields(self) -> list[tuple[Column, Any]]:
        user = self.request.user
        self.fields = (
            "name", "code", "gender",
            Column("手机号码", accessor="pk", render=lambda r, v: _phone_display(r, user) or "—"),
            Column("所在单位", accessor="unit", linkify=True),
            Column("所在部门", accessor="department", linkify=True),
            "rank", "post", "staffing_type", "status", "sort_order",
            Column("创建时间", accessor="created_at"), Column("更新时间", accessor="updated_at"),
        )
        return super().get_fields()

    def get_actions(self) -> list[Action]:
        return [
            Action("离岗停用", "org:person_deactivate", "change", "bi-person-dash", "btn-outline-danger",
                   condition=lambda o: o.is_active),
            Action("编辑", "org:person_edit", "change", "bi-pencil", "btn-primary"),
        ]

    def get_badges(self) -> list[tuple[str, str]]:
        person = self.object
        css = "bg-green-lt" if person.status == "active" and person.is_active else "bg-secondary-lt"
        return [(person.get_status_display(), css)]

    def get_subtitle(self) -> str:
        person = self.object
        parts = [person.unit.name]
        if person.department_id:
            parts.append(person.department.name)
        if person.post:
            parts.append(person.post)
        return " · ".join(parts)


class PersonFormView(ObjectFormView):
    model = Person
    form_class = PersonForm
    template_name = "org/person_form.html"
    select_related = ("unit",)

    def get_initial(self) -> dict[str, Any]:
        unit = self.request.GET.get("unit", "")
        return {"unit": unit} if unit.isdigit() else {}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "qj-person-dependent":
            # the unit changed: re-offer departments and ranks of that unit
            self.check_permission()
            self.object = self.get_object()
            form = self.form_class(initial={"unit": request.GET.get("unit", "")}, instance=self.object,
                                   user=request.user)
            return render(request, "org/_person_dependent.html", {"form": form})
        return super().get(request, *args, **kwargs)

    def get_form(self, data: Any = None) -> forms.BaseForm:
        form = super().get_form(data)
        # choosing a unit re-offers that unit's departments and ranks (plain submit works too)
        form.fields["unit"].widget.attrs.update({
            "hx-get": self.request.path, "hx-target": "#qj-person-dependent", "hx-swap": "outerHTML",
            "hx-trigger": "change",
        })
        return form

    def perform(self, form: forms.BaseForm) -> Person:
        assert isinstance(form, PersonForm)
        data = form.service_data()
        if self.object is None:
            return person_create(**data)
        return person_update(person=self.object, **data)


class PersonDeactivateView(ObjectActionView):
    model = Person
    form_class = PersonDeactivateForm
    verb = "离岗停用"
    title_format = "人员离岗停用：{obj}"
    button_style = "btn-danger"
    confirm_message = "“{obj}”离岗后将不再计入在册人数，历史数据保留。"
    success_message = "“{obj}”已离岗停用。"

    def perform(self, obj: Person, form: forms.BaseForm | None) -> Person:
        assert form is not None
        return person_deactivate(person=obj, status=form.cleaned_data["status"])
