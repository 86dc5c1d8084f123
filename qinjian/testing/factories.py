"""factory_boy factories for the org registry and accounts."""

from __future__ import annotations

from typing import Any

import factory

from qinjian.accounts.models import Role, RoleAssignment, User
from qinjian.core.scope import DataScope
from qinjian.org.choices import AdminLevel, Gender, UnitType
from qinjian.org.models import Department, Person, Rank, Unit
from qinjian.org.services.units import unit_create

DEFAULT_PASSWORD = "Qinjian@2026"


class UnitFactory(factory.Factory):
    """Units go through the service so that tree paths are right."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    unit_type = UnitType.PARTY_GOV
    level = AdminLevel.CITY
    parent = None

    @classmethod
    def _create(cls, model_class: type[Unit], *args: Any, **kwargs: Any) -> Unit:
        parent = kwargs.pop("parent", None)
        return unit_create(parent=parent, **kwargs)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    unit = factory.SubFactory(UnitFactory)
    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"测试科{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    code = factory.Sequence(lambda n: f"P{n:06d}")
    name = factory.Sequence(lambda n: f"测试人员{n}")
    gender = Gender.MALE
    unit = factory.SubFactory(UnitFactory)
    rank = factory.LazyAttribute(lambda o: Rank.objects.filter(level=o.unit.level).order_by("-sort_order").first())
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    unit = factory.SubFactory(UnitFactory)
    must_change_password = False
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


def make_user(role: str, unit: Unit, scope: str | None = None, **kwargs: Any) -> User:
    """A user holding one built-in role (by code) over ``unit`` with ``scope`` (role default if None)."""
    role_obj = Role.objects.get(code=role)
    user = UserFactory(unit=unit, **kwargs)
    RoleAssignment.objects.create(user=user, role=role_obj, unit=unit, scope=scope or role_obj.default_scope,
                                  is_primary=True)
    return user


__all__ = ["DEFAULT_PASSWORD", "DataScope", "DepartmentFactory", "PersonFactory", "UnitFactory",
           "UserFactory", "make_user"]
