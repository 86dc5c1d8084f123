"""The fixture city the permission matrix runs in: two units (A = 市教育局, B = 市卫健委), a user
of each built-in role in each, and at least one object of every business model on each side.

When a module adds a model whose rows the default lookup cannot find for a unit, add a builder
to ``OBJECT_BUILDERS`` (model label -> function(world, side) returning the object).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.test import Client

from qinjian.accounts.models import Role, RoleAssignment, User
from qinjian.core.scope import DataScope
from qinjian.org.choices import AdminLevel, UnitType
from qinjian.org.models import Unit
from qinjian.testing.factories import DepartmentFactory, PersonFactory, UnitFactory, make_user

RESTRICTED_SCOPES = {DataScope.UNIT, DataScope.UNIT_TREE, DataScope.OWN}


@dataclass
class Side:
    key: str            # "a" | "b"
    unit: Unit
    markers: list[str]  # strings that only this side's data contains: must not reach the other side


@dataclass
class Actor:
    label: str                  # "unit_admin@a", "sysadmin@center", "norole@a"
    user: User | None           # None = anonymous
    role: Role | None
    scope: str | None
    side: str | None            # the side whose unit the user belongs to ("a"/"b"), None for center/anon
    perms: frozenset[str] = frozenset()
    client: Client = field(default_factory=Client)

    @property
    def anonymous(self) -> bool:
        return self.user is None

    @property
    def restricted(self) -> bool:
        """Sees only its own unit's (sub)tree or records: the other side must be invisible to it."""
        if self.user is None:
            return False
        return self.role is None or self.scope in RESTRICTED_SCOPES

    def read_only(self) -> bool:
        """Holds no permission beyond view/export: may change nothing but its own session things."""
        return all(p.split(".", 1)[1].startswith(("view_", "export_")) for p in self.perms)

    def perms_on(self, model: type[models.Model]) -> set[str]:
        prefix = f"{model._meta.app_label}."
        suffix = f"_{model._meta.model_name}"
        return {p for p in self.perms if p.startswith(prefix) and p.endswith(suffix)}


@dataclass
class World:
    city: Unit
    center: Unit
    sides: dict[str, Side]
    actors: list[Actor]                      # one representative per distinct (perms, scope, unit)
    all_users: dict[str, User]               # every user created, by label
    extra: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] | None = None   # snapshot() of the world as built (every request is rolled back)
    _objects: dict[tuple[str, str], Any] = field(default_factory=dict)

    def other(self, side: str) -> str:
        return "b" if side == "a" else "a"

    def obj(self, model: type[models.Model], side: str) -> Any:
        key = (model._meta.label, side)
        if key not in self._objects:
            self._objects[key] = find_object(self, model, side)
        return self._objects[key]


class WorldIncomplete(LookupError):
    pass


def scope_unit_field(model: type[models.Model]) -> str | None:
    field = getattr(model, "scope_unit_field", None)
    return field[0] if isinstance(field, tuple) else field  # rows held by several units: the first


def find_object(world: World, model: type[models.Model], side: str) -> Any:
    builder = OBJECT_BUILDERS.get(model._meta.label)
    if builder is not None:
        return builder(world, world.sides[side])
    field_name = scope_unit_field(model)
    manager = model._base_manager
    if field_name == "self":
        return world.sides[side].unit
    if field_name:
        found = manager.filter(**{field_name: world.sides[side].unit}).order_by("pk").first()
    else:
        found = manager.order_by("pk").first()  # shared reference data: same object on both sides
    if found is None:
        # A module's factory in qinjian/testing/factories.py named <Model>Factory is used when it exists.
        from qinjian.testing import factories

        factory = getattr(factories, f"{model.__name__}Factory", None)
        if factory is not None and field_name and "__" not in field_name:
            return factory(**{field_name: world.sides[side].unit})
        if factory is not None and not field_name:
            return factory()
        where = f"of unit {world.sides[side].unit.short_name}" if field_name else "at all"
        raise WorldIncomplete(
            f"The matrix world has no {model._meta.label} {where}. Add {model.__name__}Factory to "
            f"qinjian/testing/factories.py (called with {field_name or 'no'}=<unit>), or a builder in "
            f"tests/matrix/world.py OBJECT_BUILDERS['{model._meta.label}']."
        )
    return found


def _notification(world: World, side: Side) -> Any:
    from qinjian.core.models import Notification

    return Notification.objects.get(pk=world.extra[f"notification_{side.key}"])


def _api_token(world: World, side: Side) -> Any:
    from qinjian.accounts.models import ApiToken

    return ApiToken.objects.get(pk=world.extra[f"token_{side.key}"])


OBJECT_BUILDERS: dict[str, Callable[[World, Side], Any]] = {
    "core.Notification": _notification,
    "accounts.ApiToken": _api_token,
}

# Markers: unique strings that only one side's rows contain.
MARKER_PERSON = {"a": "欧阳明远", "b": "司马卫青"}
MARKER_DEPT = {"a": "教育督导科", "b": "疾病预防控制科"}


def _role_key(role: Role) -> frozenset[str]:
    return frozenset(role.permission_names())


def build_world() -> World:
    city = UnitFactory(code="QA-SFS", name="示范市人民政府", short_name="市政府")
    center = UnitFactory(code="QA-JGSW", name="示范市机关事务服务中心", short_name="机关事务中心", parent=city,
                         unit_type=UnitType.INSTITUTION_CIVIL)
    edu = UnitFactory(code="QA-JYJ", name="示范市教育局", short_name="市教育局", parent=city, quota_admin=40)
    school = UnitFactory(code="QA-JYJ-01", name="示范市第一中学", short_name="市一中", parent=edu,
                         unit_type=UnitType.INSTITUTION)
    health = UnitFactory(code="QA-WJW", name="示范市卫生健康委员会", short_name="市卫健委", parent=city)
    UnitFactory(code="QA-SFQ", name="示范区人民政府", short_name="示范区", parent=city, level=AdminLevel.COUNTY)

    for unit in (center, edu, school, health):
        dept = DepartmentFactory(unit=unit, code=f"{unit.code}-BGS", name="办公室")
        PersonFactory.create_batch(2, unit=unit, department=dept)
    for key, unit in (("a", edu), ("b", health)):
        dept = DepartmentFactory(unit=unit, code=f"{unit.code}-TS", name=MARKER_DEPT[key])
        PersonFactory(unit=unit, department=dept, name=MARKER_PERSON[key])

    sides = {
        "a": Side("a", edu, [edu.name, edu.code, MARKER_PERSON["a"], MARKER_DEPT["a"], school.name]),
        "b": Side("b", health, [health.name, health.code, MARKER_PERSON["b"], MARKER_DEPT["b"]]),
    }

    users: dict[str, User] = {}
    candidates: list[Actor] = []
    roles = list(Role.objects.filter(is_builtin=True).order_by("sort_order", "id"))
    assert roles, "no built-in roles: qinjian/accounts/data/roles.json was not loaded by migrate"
    for role in roles:
        for key, side in sides.items():
            user = make_user(role.code, side.unit, full_name=f"{role.name}{key.upper()}")
            users[f"{role.code}@{key}"] = user
            candidates.append(Actor(f"{role.code}@{key}", user, role, role.default_scope, key, _role_key(role)))
        if role.admin_kind:  # the three administrators live in the center
            user = make_user(role.code, center, full_name=f"{role.name}中心")
            users[f"{role.code}@center"] = user
            candidates.append(Actor(f"{role.code}@center", user, role, role.default_scope, None, _role_key(role)))
    norole = make_user_without_role(edu)
    users["norole@a"] = norole
    candidates.append(Actor("norole@a", norole, None, None, "a", frozenset()))

    # A staff member is linked to a person of their unit, so "own" scope has something to see.
    staff = users.get("staff@a")
    if staff is not None:
        own_person = PersonFactory(unit=edu, name="本人甲")
        User.objects.filter(pk=staff.pk).update(person=own_person)
        staff.person = own_person

    # Representatives: roles with identical permissions and scope behave identically for the same unit,
    # and a user who sees all data sees the same whichever unit they belong to.
    actors: list[Actor] = [Actor("anonymous", None, None, None, None)]
    seen: set[tuple[Any, ...]] = set()
    for actor in candidates:
        key = (actor.perms, actor.scope, actor.side if actor.restricted else None)
        if key in seen:
            continue
        seen.add(key)
        actors.append(actor)
    for actor in actors:
        if actor.user is not None:
            actor.client.force_login(actor.user)

    world = World(city=city, center=center, sides=sides, actors=actors, all_users=users)
    _extra_objects(world)
    _prebuild(world)
    return world


def _prebuild(world: World) -> None:
    """Find (or make, through a module's factory) one object of every unit-owned model per side now,
    before the baseline snapshot: objects made later would count as changes."""
    from django.apps import apps

    from qinjian.testing import factories

    for model in apps.get_models():
        if not model.__module__.startswith("qinjian."):
            continue
        # unit-owned rows, and shared rows a module's factory makes (e.g. a city-wide depreciation run)
        if not scope_unit_field(model) and not hasattr(factories, f"{model.__name__}Factory"):
            continue
        for side in world.sides:
            with contextlib.suppress(WorldIncomplete):  # reported by the routes that need it
                world.obj(model, side)


def make_user_without_role(unit: Unit) -> User:
    from qinjian.testing.factories import UserFactory

    return UserFactory(unit=unit, full_name="未授权用户")


def _import_batch(world: World, side: Side, kind: str) -> Any:
    from qinjian.core.models import ImportBatch

    return ImportBatch.objects.get(pk=world.extra[f"import_{kind}_{side.key}"])


def import_batch(kind: str) -> Callable[[World, str], Any]:
    """For the import wizard's ``<token>`` URLs: the batch that side's uploader owns."""
    return lambda world, side: _import_batch(world, world.sides[side], kind)


def _extra_objects(world: World) -> None:
    """Objects that hang off users rather than units."""
    import io

    _approvals(world)

    from qinjian.accounts.api.authentication import token_create
    from qinjian.core.importing.services import import_upload, import_validate
    from qinjian.core.importing.spec import get_spec
    from qinjian.core.importing.template import build_template
    from qinjian.core.models import Notification
    from qinjian.org.models import Region

    Region.objects.create(code="610000", name="陕西省", level=AdminLevel.PROVINCE)

    for key in ("a", "b"):
        owner = world.all_users.get(f"unit_admin@{key}") or next(iter(world.all_users.values()))
        note = Notification.objects.create(recipient=owner, title=f"测试消息{key}", body=world.sides[key].markers[2])
        world.extra[f"notification_{key}"] = note.pk
        token, _ = token_create(user=owner, name=f"测试令牌{key}",
                                assignment=RoleAssignment.objects.filter(user=owner).first())
        world.extra[f"token_{key}"] = token.pk
        world.extra[f"owner_{key}"] = owner.pk
        # A finished background job of that side's unit, started by its owner (jobs: own records / unit scope).
        from django.utils import timezone

        from qinjian.jobs.models import JobRun

        JobRun.objects.create(kind="ui.list_export", title=f"测试任务{key}", user=owner, unit=world.sides[key].unit,
                              status=JobRun.Status.SUCCEEDED, finished_at=timezone.now())
        # Import batches go through the real pipeline (an empty template: validated as "no rows").
        uploader = world.all_users[f"center_office@{key}"]
        for kind in ("org.unit", "org.person"):
            buffer = io.BytesIO()
            build_template(get_spec(kind)).save(buffer)
            buffer.seek(0)
            batch = import_validate(batch=import_upload(user=uploader, kind=kind, upload=buffer, name="导入.xlsx"),
                                    user=uploader)
            world.extra[f"import_{kind}_{key}"] = batch.pk

    # An attachment on each side's unit (its file name carries the side's marker).
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qinjian.attachments.services import attachment_upload

    for key, side in world.sides.items():
        marker = side.markers[2]
        attachment = attachment_upload(obj=side.unit, description=side.unit.name,
                                       files=[SimpleUploadedFile(f"{marker}.txt", f"{marker}\n".encode())])[0]
        world.extra[f"attachment_{key}"] = attachment.pk

    # An open alert on each side's unit (its title carries the side's marker), as a sweep would open it.
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from qinjian.alerts.models import Alert, AlertRule

    rule, _ = AlertRule.objects.get_or_create(code="matrix.rule", defaults={"name": "矩阵测试规则", "module": "测试"})
    for key, side in world.sides.items():
        alert = Alert.objects.create(rule=rule, key=f"matrix:{key}", unit=side.unit,
                                     content_type=ContentType.objects.get_for_model(side.unit),
                                     object_id=str(side.unit.pk), object_repr=side.unit.name,
                                     title=f"{side.markers[0]}预警", message=side.markers[0], opened_at=timezone.now())
        world.extra[f"alert_{key}"] = alert.pk


def _approvals(world: World) -> None:
    """A 编制调整申请 of each side, submitted by its unit admin: an approval waiting at the center office."""
    from qinjian.org.services.staffing import staffing_request_create, staffing_request_submit

    for key, side in world.sides.items():
        unit = side.unit
        request = staffing_request_create(unit=unit, new_quota_admin=unit.quota_admin + 6,
                                          new_quota_institution=unit.quota_institution,
                                          new_quota_worker=unit.quota_worker, reason=side.markers[2])
        staffing_request_submit(request=request, actor=world.all_users[f"unit_admin@{key}"])
        world.extra[f"staffing_{key}"] = request.pk
