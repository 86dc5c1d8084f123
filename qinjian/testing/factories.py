"""factory_boy factories for the org registry and accounts."""

from __future__ import annotations

import datetime
from decimal import Decimal
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


# --- assets -----------------------------------------------------------------------------------------
# Cards made directly (already booked, with their 入账 event and journal line) so that tests of other
# parts have realistic rows; the asset services' own tests go through the services.

def _asset_class(code: str = "A02010105") -> Any:
    from qinjian.standards.models import AssetClass

    return AssetClass.objects.get(code=code)


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.Asset"
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"ZC-T-{n:07d}")
    name = factory.Sequence(lambda n: f"台式计算机{n}")
    asset_class = factory.LazyFunction(_asset_class)
    spec_model = "联想启天M430"
    brand = "联想"
    quantity = 1
    measure_unit = "台"
    original_value = Decimal("5600.00")
    value_fiscal = Decimal("5600.00")
    value_nonfiscal = Decimal("0.00")
    acquired_on = datetime.date(2023, 3, 15)
    booked_on = datetime.date(2023, 3, 20)
    status = "in_use"
    status_since = datetime.date(2023, 3, 20)
    unit = factory.SubFactory(UnitFactory)
    location = "办公楼301室"
    useful_life_months = 72
    depreciation_start = datetime.date(2023, 3, 1)

    @factory.post_generation
    def journal(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """The 入账 event and journal line of a booked card."""
        from qinjian.assets.models import AssetEvent, AssetMovement
        from qinjian.assets.services.balances import balances_invalidate_from

        if not create or self.booked_on is None or self.status == "draft":
            return
        balances_invalidate_from(self.booked_on)
        event = AssetEvent.objects.create(asset=self, kind="booked", occurred_on=self.booked_on, unit=self.unit,
                                          status_after=self.status, value_after=self.original_value,
                                          message="验收入账")
        AssetMovement.objects.create(asset=self, unit=self.unit, class_code=self.class_code,
                                     occurred_on=self.booked_on, kind="book", quantity=self.quantity,
                                     value=self.original_value, value_fiscal=self.value_fiscal,
                                     value_nonfiscal=self.value_nonfiscal, event=event)


class AssetEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.AssetEvent"

    asset = factory.SubFactory(AssetFactory, unit=factory.SelfAttribute("..unit"))
    unit = factory.SubFactory(UnitFactory)
    kind = "edited"
    occurred_on = datetime.date(2024, 1, 10)
    message = "信息修改"


class AssetOperationFactory(factory.django.DjangoModelFactory):
    """A draft 领用 document with one line."""

    class Meta:
        model = "assets.AssetOperation"
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"ZCYW-T-{n:06d}")
    kind = "issue"
    unit = factory.SubFactory(UnitFactory)
    occurred_on = datetime.date(2026, 3, 1)
    reason = "工作需要"
    status = "draft"

    @factory.post_generation
    def lines(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        from qinjian.assets.models import AssetOperationLine

        if not create:
            return
        asset = AssetFactory(unit=self.unit)
        AssetOperationLine.objects.create(operation=self, asset=asset, original_value=asset.original_value,
                                          net_value=asset.net_value)
        self.total_value, self.line_count = asset.original_value, 1
        self.save(update_fields=["total_value", "line_count"])


class StocktakeCampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.StocktakeCampaign"
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"PD-T-{n:06d}")
    name = factory.Sequence(lambda n: f"年度资产盘点{n}")
    unit = factory.SubFactory(UnitFactory)
    planned_start = datetime.date(2026, 11, 1)
    planned_end = datetime.date(2026, 11, 30)

    @factory.post_generation
    def scope_units(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.units.add(self.unit)


class StocktakeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.StocktakeItem"

    campaign = factory.SubFactory(StocktakeCampaignFactory, unit=factory.SelfAttribute("..unit"))
    asset = factory.SubFactory(AssetFactory, unit=factory.SelfAttribute("..unit"))
    unit = factory.SubFactory(UnitFactory)
    expected_location = "办公楼301室"
    expected_status = "in_use"


__all__ = [
    "DEFAULT_PASSWORD",
    "AssetEventFactory",
    "AssetFactory",
    "AssetOperationFactory",
    "DataScope",
    "DepartmentFactory",
    "DepreciationRunFactory",
    "PersonFactory",
    "StocktakeCampaignFactory",
    "StocktakeItemFactory",
    "UnitFactory",
    "UserFactory",
    "make_user",
]


class DepreciationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.DepreciationRun"
        django_get_or_create = ("month",)

    month = datetime.date(2024, 12, 1)
    status = "done"
    asset_count = 0
    total_amount = Decimal("0")
    message = "测试计提"
