"""Reads for the org pages: scoped querysets and staffing figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from qinjian.core import crypto
from qinjian.core.search import contains_q

from .choices import StaffingType
from .models import Department, Person, Rank, Unit


def units_for_choice(user: Any, action: str = "change") -> QuerySet[Unit]:
    """Active units the user may pick in a form (parent, person's unit …)."""
    return Unit.objects.scoped(user, action).filter(is_active=True).only("id", "name", "depth", "tree_path", "level")


def person_search_q(term: str) -> Q:
    """Name or code contains the term; a phone number matches exactly through the blind index."""
    q = contains_q("name", term) | contains_q("code", term)
    digits = term.replace(" ", "").replace("-", "")
    if digits.isdigit() and len(digits) >= 7:
        q |= Q(phone_index=crypto.blind_index(digits))
    return q


def departments_of(user: Any, unit_id: Any) -> QuerySet[Department]:
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        return Department.objects.none()
    return Department.objects.scoped(user, "view").filter(unit_id=pk, is_active=True)


def ranks_for_unit(unit: Unit | None) -> QuerySet[Rank]:
    qs = Rank.objects.all()
    return qs.filter(level=unit.level) if unit is not None else qs


@dataclass
class StaffingLine:
    staffing_type: str
    label: str
    quota: int | None
    used: int

    @property
    def over(self) -> bool:
        return self.quota is not None and self.used > self.quota

    @property
    def percent(self) -> int:
        if not self.quota:
            return 100 if self.used else 0
        return min(100, round(self.used * 100 / self.quota))


_QUOTA_FIELDS = {
    StaffingType.ADMIN: "quota_admin",
    StaffingType.INSTITUTION: "quota_institution",
    StaffingType.WORKER: "quota_worker",
}


def unit_staffing(unit: Unit) -> list[StaffingLine]:
    """编制 per staffing type: the quota against active people of that type (one query)."""
    used = dict(
        Person.objects.filter(unit=unit, is_active=True)
        .values_list("staffing_type")
        .annotate(n=Count("id"))
        .values_list("staffing_type", "n")
    )
    lines = []
    for value, label in StaffingType.choices:
        field = _QUOTA_FIELDS.get(value)  # type: ignore[call-overload]
        quota = getattr(unit, field) if field else None
        lines.append(StaffingLine(value, label, quota, used.get(value, 0)))
    return lines


def scope_summary(user: Any) -> dict[str, Any]:
    """Counts and staffing usage over the user's scope (for the home page)."""
    units = Unit.objects.scoped(user, "view").filter(is_active=True)
    people = Person.objects.scoped(user, "view").filter(is_active=True)
    quota = units.aggregate(a=Sum("quota_admin"), i=Sum("quota_institution"), w=Sum("quota_worker"))
    total_quota = (quota["a"] or 0) + (quota["i"] or 0) + (quota["w"] or 0)
    on_quota = people.exclude(staffing_type=StaffingType.NONE).count()
    return {
        "units": units.count(),
        "departments": Department.objects.scoped(user, "view").filter(is_active=True).count(),
        "people": people.count(),
        "quota": total_quota,
        "on_quota": on_quota,
        "percent": min(100, round(on_quota * 100 / total_quota)) if total_quota else 0,
        "over_units": units.annotate(
            used=Count("people", filter=Q(people__is_active=True) & ~Q(people__staffing_type=StaffingType.NONE))
        ).filter(used__gt=F("quota_admin") + F("quota_institution") + F("quota_worker")).count(),
    }
