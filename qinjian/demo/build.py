"""Writing a :class:`~qinjian.demo.plan.CityPlan` into the database, idempotently; wiping it again.

Units go through the org service (tree paths, validation). Departments and people are many, so they
are bulk-inserted; bulk inserts skip the model signals, so the change-log rows are written here in
bulk with the same content the signal receivers would have written, and the phone blind index is
set explicitly. Rows are matched by natural key (codes, usernames): what exists is left untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from qinjian.accounts.models import Role, RoleAssignment, User
from qinjian.core import context, crypto, security_log
from qinjian.core.audit import bulk_log_created
from qinjian.core.errors import ValidationFailed
from qinjian.org.models import Department, Person, Rank, Region, Unit
from qinjian.org.services.units import unit_create

from .approvals import build_demo_approvals, reset_demo_approvals
from .asset_documents import build_demo_asset_documents
from .assets import build_demo_assets, reset_demo_assets
from .plan import CityPlan

DEMO_PASSWORD = "Demo@2026"
BATCH = 500


@dataclass
class Login:
    username: str
    full_name: str
    role: str
    unit: str
    scope: str
    mfa: bool


@dataclass
class BuildResult:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _existing(model: type[models.Model], field_name: str, values: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(values):
        found.update(model._default_manager.filter(**{f"{field_name}__in": chunk})
                     .values_list(field_name, flat=True))
    return found


def check_password_policy(password: str) -> None:
    try:
        password_validation.validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed("示范账户密码不符合密码策略：" + "；".join(exc.messages)) from exc


@transaction.atomic
def build_city(plan: CityPlan, *, password: str = DEMO_PASSWORD,
               progress: Callable[[str], None] = lambda _msg: None, assets: bool = False) -> BuildResult:
    """Create whatever of the plan is missing. Running it again creates nothing.

    ``assets=True`` adds the asset ledgers (the demo command does; benchmarks generate their own cards).
    """
    check_password_policy(password)
    result = BuildResult()
    with context.acting(source="cli"):
        result.created["regions"] = _regions(plan)
        units = _units(plan, result)
        progress(f"单位 {len(units)} 个")
        departments = _departments(plan, units, result)
        progress(f"内设机构 {len(departments)} 个")
        _people(plan, units, departments, result)
        progress(f"人员 {len(plan.people)} 名")
        result.logins = _accounts(plan, units, password, result)
        result.created["approvals"] = build_demo_approvals()
        if assets:
            result.created["assets"] = build_demo_assets(plan, progress=progress)
            result.created["asset_documents"] = build_demo_asset_documents(progress=progress)
        _sweep_alerts(progress)
    return result


def _sweep_alerts(progress: Callable[[str], None]) -> None:
    """Alerts for the city as built (bulk inserts skip on-change evaluation); a second run changes nothing."""
    from qinjian.alerts.services import sweep_all

    for name, live in sweep_all():
        progress(f"预警“{name}” {live} 条")


def _regions(plan: CityPlan) -> int:
    existing = {r.code: r for r in Region.objects.filter(code__in=[r[0] for r in plan.regions])}
    created = 0
    for code, name, level, parent in plan.regions:
        if code not in existing:
            existing[code] = Region.objects.create(code=code, name=name, level=level,
                                                   parent=existing.get(parent) if parent else None)
            created += 1
    return created


def _units(plan: CityPlan, result: BuildResult) -> dict[str, Unit]:
    units = {u.code: u for u in Unit.objects.filter(code__in=[u.code for u in plan.units])}
    regions = {r.code: r for r in Region.objects.filter(code__in=[r[0] for r in plan.regions])}
    created = 0
    for row in plan.units:
        if row.code in units:
            continue
        units[row.code] = unit_create(
            parent=units[row.parent] if row.parent else None, code=row.code, name=row.name,
            short_name=row.short_name, credit_code=row.credit_code, unit_type=row.unit_type, level=row.level,
            region=regions[row.region], sort_order=row.sort_order, address=row.address,
            quota_admin=row.quota_admin, quota_institution=row.quota_institution, quota_worker=row.quota_worker,
        )
        created += 1
    result.created["units"] = created
    return units


def _departments(plan: CityPlan, units: dict[str, Unit],
                 result: BuildResult) -> dict[tuple[str, str], Department]:
    by_id = {u.pk: code for code, u in units.items()}
    existing = {(by_id[d.unit_id], d.code): d for d in Department.objects.filter(unit__in=list(units.values()))}
    new = [Department(unit=units[row.unit], code=row.code, name=row.name, sort_order=row.sort_order)
           for row in plan.departments if (row.unit, row.code) not in existing]
    for chunk in _chunks(new):
        Department.objects.bulk_create(chunk)
        bulk_log_created(chunk)
    for dept in new:
        existing[(by_id[dept.unit_id], dept.code)] = dept
    result.created["departments"] = len(new)
    return existing


def _people(plan: CityPlan, units: dict[str, Unit], departments: dict[tuple[str, str], Department],
            result: BuildResult) -> None:
    ranks = {r.code: r for r in Rank.objects.all()}
    existing = _existing(Person, "code", [p.code for p in plan.people])
    created = 0
    todo = [row for row in plan.people if row.code not in existing]
    for chunk in _chunks(todo):
        people = [
            Person(code=row.code, name=row.name, gender=row.gender, unit=units[row.unit],
                   department=departments[(row.unit, row.department)] if row.department else None,
                   rank=ranks[row.rank] if row.rank else None, post=row.post, staffing_type=row.staffing_type,
                   phone=row.phone, phone_index=crypto.blind_index(row.phone), sort_order=row.sort_order)
            for row in chunk
        ]
        Person.objects.bulk_create(people)
        bulk_log_created(people)
        created += len(people)
    result.created["people"] = created


def _accounts(plan: CityPlan, units: dict[str, Unit], password: str, result: BuildResult) -> list[Login]:
    roles = {r.code: r for r in Role.objects.filter(is_active=True)}
    people = {p.code: p for p in Person.objects.filter(code__in=[a.person for a in plan.accounts if a.person])}
    center = units.get("SFS-JGSW") or units[plan.units[0].code]
    wanted = [(a.username, a.role, units[a.unit], units[a.anchor], people.get(a.person or ""))
              for a in plan.accounts if a.role in roles]
    # Roles added later (by other modules or the security admin) still get a login in the demo.
    covered = {a.role for a in plan.accounts}
    wanted += [(f"demo_{code}", code, center, center, None) for code in sorted(roles) if code not in covered]
    logins, created = [], 0
    now = timezone.now()
    encoded = ""  # one Argon2 hash (~0.1-0.5 s each) for every demo login: they share a password printed for all
    for username, role_code, unit, anchor, person in wanted:
        role = roles[role_code]
        user = User.objects.filter(username=username).first()
        if user is None:
            if person is not None and User.objects.filter(person=person).exists():
                person = None  # already someone's login (e.g. created by hand): keep the demo login unlinked
            user = User(username=username, full_name=person.name if person else f"{role.name}（示范）",
                        unit=unit, person=person, must_change_password=False, password_changed_at=now)
            encoded = encoded or make_password(password)
            user.password = encoded
            user.save()
            security_log.record("user_created", obj=user, target=username, source="demo")
            created += 1
        assignment, new = RoleAssignment.objects.get_or_create(
            user=user, role=role, unit=anchor, defaults={"scope": role.default_scope, "is_primary": True})
        if new:
            security_log.record("role_granted", obj=user, target=username, role=role.code, unit=anchor.name,
                                scope=assignment.scope, source="demo")
        logins.append(Login(username=user.username, full_name=user.full_name, role=role.name, unit=anchor.name,
                            scope=assignment.get_scope_display(), mfa=role.requires_mfa))
    result.created["accounts"] = created
    return logins


# --- reset ------------------------------------------------------------------------------------------

class DemoResetRefused(ValidationFailed):
    code = "demo_reset_refused"


@transaction.atomic
def reset_city(plan: CityPlan) -> dict[str, int]:
    """Delete the demo city: its units (and anything below them), their departments, people and logins.

    Refuses (and changes nothing) when rows of other modules still refer to the demo city.
    """
    counts: dict[str, int] = {}
    roots = list(Unit.objects.filter(code__in=[u.code for u in plan.units]))
    if not roots:
        return counts
    paths = models.Q()
    for unit in roots:
        paths |= models.Q(tree_path__startswith=unit.tree_path)
    units = list(Unit.objects.filter(paths).order_by("-depth", "-id"))
    unit_ids = [u.pk for u in units]
    with context.acting(source="cli"):
        try:
            counts["approvals"] = reset_demo_approvals(unit_ids)
            counts.update(reset_demo_assets(unit_ids))
            users = list(User.objects.filter(unit_id__in=unit_ids))
            counts["role_assignments"] = _delete_each(RoleAssignment.objects.filter(user__in=users))
            for user in users:
                user.delete()
            counts["accounts"] = len(users)
            counts["people"] = _delete_each(Person.objects.filter(unit_id__in=unit_ids))
            counts["departments"] = _delete_each(Department.objects.filter(unit_id__in=unit_ids))
            for unit in units:
                unit.delete()
            counts["units"] = len(units)
            regions = Region.objects.filter(code__in=[r[0] for r in plan.regions]).order_by("-code")
            removed = 0
            for region in regions:
                if not region.units.exists() and not region.children.exists():
                    region.delete()
                    removed += 1
            counts["regions"] = removed
        except ProtectedError as exc:
            names = sorted({str(obj._meta.verbose_name) for obj in exc.protected_objects})
            raise DemoResetRefused(
                "示范市的数据已被其他数据引用（" + "、".join(str(n) for n in names) + "），不能重置。"
                "请先删除这些数据，或使用新的数据库。") from exc
        security_log.record("config_changed", action="demo_reset", deleted=counts)
    return counts


def _delete_each(queryset: models.QuerySet[Any]) -> int:
    # Through the ORM (not a raw DELETE) so that every deletion is change-logged.
    deleted, _ = queryset.delete()
    return deleted
