"""People: create, change, deactivate."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from qinjian.core.errors import ValidationFailed

from ..choices import Gender, PersonStatus, StaffingType
from ..models import Department, Person, Rank, Unit
from ..validators import mobile_error

# Django's enum ``.values`` builds a new list on every access: person_check runs once per imported row.
_GENDERS = frozenset(Gender.values)
_STAFFING_TYPES = frozenset(StaffingType.values)
_STATUSES = frozenset(PersonStatus.values)

PERSON_FIELDS = ("code", "name", "gender", "unit", "department", "rank", "post", "staffing_type", "status",
                 "phone", "sort_order")


def person_check(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The rules of clean_person that need no query: (normalised data, errors by field).

    Bulk callers (the Excel importer) run this per row and check code uniqueness set-based.
    """
    errors: dict[str, list[str]] = {}
    code = (data.get("code") or "").strip()
    name = (data.get("name") or "").strip()
    if not code:
        errors["code"] = ["请填写人员编号。"]
    elif len(code) > 32:
        errors["code"] = ["人员编号不能超过 32 个字符。"]
    if not name:
        errors["name"] = ["请填写姓名。"]
    elif len(name) > 50:
        errors["name"] = ["姓名不能超过 50 个字符。"]
    if data.get("gender") not in _GENDERS:
        errors["gender"] = ["请选择性别。"]
    unit: Unit | None = data.get("unit")
    if unit is None:
        errors["unit"] = ["请选择所在单位。"]
    elif not unit.is_active:
        errors["unit"] = ["所选单位已停用。"]
    department: Department | None = data.get("department")
    if department is not None and unit is not None and department.unit_id != unit.pk:
        errors["department"] = ["所选部门不属于该单位。"]
    rank: Rank | None = data.get("rank")
    if rank is not None and unit is not None and rank.level != unit.level:
        errors["rank"] = [f"职级“{rank.name}”不适用于{unit.get_level_display()}单位。"]
    if data.get("staffing_type", StaffingType.ADMIN) not in _STAFFING_TYPES:
        errors["staffing_type"] = ["编制类型不正确。"]
    if data.get("status", PersonStatus.ACTIVE) not in _STATUSES:
        errors["status"] = ["人员状态不正确。"]
    phone = (data.get("phone") or "").strip().replace(" ", "").replace("-", "")
    message = mobile_error(phone)
    if message:
        errors["phone"] = [message]
    return {**data, "code": code, "name": name, "phone": phone}, errors


def clean_person(data: dict[str, Any], instance: Person | None = None) -> dict[str, Any]:
    """Validate person data; the forms and API call this, the importer runs person_check per row."""
    cleaned, errors = person_check(data)
    code = cleaned["code"]
    if "code" not in errors and Person.objects.filter(code=code).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["code"] = [f"人员编号“{code}”已被使用。"]
    if errors:
        raise ValidationFailed("人员信息有误，请检查标红的字段。", fields=errors)
    return cleaned


@transaction.atomic
def person_create(**data: Any) -> Person:
    data = clean_person(data)
    person = Person(**{k: v for k, v in data.items() if k in PERSON_FIELDS})
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, **data: Any) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    merged = {f: getattr(person, f) for f in PERSON_FIELDS} | data
    merged = clean_person(merged, instance=person)
    for field in PERSON_FIELDS:
        setattr(person, field, merged[field])
    person.save()
    return person


@transaction.atomic
def person_deactivate(*, person: Person, status: str = PersonStatus.TRANSFERRED) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    person.is_active = False
    person.status = status
    person.save()
    return person
