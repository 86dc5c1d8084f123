"""Sample 资产业务单 waiting in the demo approvers' inboxes, and one stocktake under way.

Everything goes through the asset services (``operations``, ``stocktake``, ``assets``) and the
approvals engine, as the demo logins would do it by hand:

* 验收入账 of two new cards of 市教育局, confirmed by the unit's asset officer → waiting for ``asset``;
* 处置（报废）of old computers of 市教育局, passed by the unit → waiting for ``asset``;
* 调拨 of equipment from 市教育局 to 市第一中学, passed by 市教育局 → waiting for ``yz_asset`` (调入单位确认);
* 领用 of a laptop requested by ``staff`` → waiting for ``jyj_asset``;
* a 2026 stocktake of 市教育局 under way, about a third counted (a few in the wrong room).

Runs once (when the demo units have no 业务单 yet). A sample the services refuse is skipped with a
note in the progress output, so a change of the rules never breaks ``qinjian demo``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from qinjian.accounts.models import User
from qinjian.assets.choices import AssetStatus, CampaignStatus, OperationKind
from qinjian.assets.models import Asset, AssetOperation, StocktakeCampaign, StocktakeItem
from qinjian.core import context
from qinjian.core.errors import DomainError
from qinjian.org.models import Unit
from qinjian.workflow.models import ApprovalRequest, ApprovalTask

UNIT, SCHOOL = "SFS-JYJ", "SFS-JYJ-YZ"


def _as(user: User) -> Any:
    return context.acting(user=user, source="cli")


def _approve_own_step(approval: ApprovalRequest | None, user: User, comment: str) -> None:
    """The officer who submitted also holds the first step (单位资产管理员审核): pass it on."""
    from qinjian.workflow.services import approval_approve

    if approval is None:
        return
    approval.refresh_from_db()
    task = ApprovalTask.objects.filter(request=approval, status="pending").order_by("id").first()
    if task is None or task.role_code != "unit_asset_officer":
        return
    with _as(user):
        approval_approve(approval=approval, actor=user, comment=comment)


def _cards(unit: Unit, *, classes: tuple[str, ...], statuses: tuple[str, ...], count: int,
           oldest: bool = True) -> list[Asset]:
    qs = Asset.objects.filter(unit=unit, status__in=statuses, class_code__in=classes,
                              operation_lines__isnull=True)
    return list(qs.order_by("acquired_on" if oldest else "-acquired_on", "code")[:count])


def build_demo_asset_documents(*, progress: Callable[[str], None] = lambda _msg: None) -> int:
    """Create the sample documents and the stocktake unless the demo unit already has 业务单."""
    units = {u.code: u for u in Unit.objects.filter(code__in=[UNIT, SCHOOL])}
    users = {u.username: u for u in User.objects.filter(username__in=["jyj_asset", "asset", "staff"])}
    unit = units.get(UNIT)
    if unit is None or len(users) < 3 or AssetOperation.objects.filter(unit=unit).exists():
        return 0
    if not Asset.objects.filter(unit=unit).exists():
        return 0
    made = 0
    for name, sample in (("验收入账", _acceptance), ("报废处置", _disposal), ("调拨", _transfer), ("领用", _issue),
                         ("资产盘点", _stocktake)):
        try:
            with transaction.atomic():
                made += sample(unit, units, users)
        except (DomainError, ImportError) as exc:
            progress(f"示范资产业务“{name}”未生成：{getattr(exc, 'message', exc)}")
    return made


def _acceptance(unit: Unit, units: dict[str, Unit], users: dict[str, User]) -> int:
    from qinjian.assets.services.assets import asset_register
    from qinjian.assets.services.operations import operation_create, operation_submit

    officer = users["jyj_asset"]
    today = timezone.localdate()
    bought = today - datetime.timedelta(days=12)
    office = unit.departments.order_by("sort_order").first()
    with _as(officer):
        cards = [
            asset_register(actor=officer, unit=unit, name="便携式计算机", class_code="A02010108", brand="联想",
                           spec_model="开天N60d", quantity=1, measure_unit="台", original_value=Decimal("6980.00"),
                           value_fiscal=Decimal("6980.00"), acquisition_method="purchase", acquired_on=bought,
                           supplier="西安中软信息系统工程有限公司", department=office,
                           purchase_project=f"{today.year}年度市教育局信创终端采购（SFCG-{today.year}-0418）"),
            asset_register(actor=officer, unit=unit, name="A4黑白激光打印机", class_code="A02021003", brand="奔图",
                           spec_model="P3301DN", quantity=1, measure_unit="台", original_value=Decimal("1890.00"),
                           value_fiscal=Decimal("1890.00"), acquisition_method="purchase", acquired_on=bought,
                           supplier="示范市恒通电子科技有限公司", department=office,
                           purchase_project=f"{today.year}年度市教育局信创终端采购（SFCG-{today.year}-0418）"),
        ]
        operation = operation_create(kind=OperationKind.ACCEPTANCE, unit=unit, actor=officer, assets=cards,
                                     occurred_on=today - datetime.timedelta(days=5),
                                     reason="信创终端替代项目到货，已按合同清点验收，申请入账。",
                                     location="市行政中心2号楼3层资产库房")
        approval = operation_submit(operation=operation, actor=officer, comment="请审核入账。")
    _approve_own_step(approval, officer, "已现场验收，型号数量与合同一致。")
    return 1


def _disposal(unit: Unit, units: dict[str, Unit], users: dict[str, User]) -> int:
    from qinjian.assets.services.operations import operation_create, operation_submit

    officer = users["jyj_asset"]
    old = _cards(unit, classes=("A02010105", "A02021003"), statuses=(AssetStatus.PENDING_DISPOSAL, AssetStatus.IDLE,
                                                                      AssetStatus.IN_USE), count=5)
    if not old:
        return 0
    with _as(officer):
        operation = operation_create(kind=OperationKind.DISPOSAL, unit=unit, actor=officer, assets=old,
                                     occurred_on=timezone.localdate(), disposal_method="scrap",
                                     reason="上述设备已超过最低使用年限，经技术鉴定主板老化、无维修价值，申请报废。",
                                     counterparty="示范市再生资源回收有限公司")
        approval = operation_submit(operation=operation, actor=officer, comment="附技术鉴定意见，请审核。")
    _approve_own_step(approval, officer, "经核，情况属实，同意报废。")
    return 1


def _transfer(unit: Unit, units: dict[str, Unit], users: dict[str, User]) -> int:
    from qinjian.assets.services.operations import operation_create, operation_submit

    school = units.get(SCHOOL)
    if school is None:
        return 0
    officer = users["jyj_asset"]
    cards = _cards(unit, classes=("A02020200", "A02020501", "A02010108"), statuses=(AssetStatus.IN_USE,
                                                                                     AssetStatus.IDLE),
                   count=3, oldest=False)
    if not cards:
        return 0
    with _as(officer):
        operation = operation_create(kind=OperationKind.TRANSFER, unit=unit, actor=officer, assets=cards,
                                     occurred_on=timezone.localdate(), counterpart_unit=school,
                                     reason="市一中新建录播教室，调剂我局闲置设备支持教学使用。")
        approval = operation_submit(operation=operation, actor=officer, comment="请市一中确认接收。")
    _approve_own_step(approval, officer, "同意调出。")
    return 1


def _issue(unit: Unit, units: dict[str, Unit], users: dict[str, User]) -> int:
    from qinjian.assets.services.operations import operation_create, operation_submit

    staff = users["staff"]
    person = staff.person
    if person is None:
        return 0
    idle = Asset.objects.filter(unit=unit, status=AssetStatus.IDLE, operation_lines__isnull=True)
    card = (idle.filter(class_code__in=("A02010108", "A02010105")).order_by("-acquired_on").first()
            or idle.order_by("-acquired_on").first())
    if card is None:
        return 0
    with _as(staff):
        operation = operation_create(kind=OperationKind.ISSUE, unit=unit, actor=staff, assets=[card],
                                     occurred_on=timezone.localdate(), person=person,
                                     department=person.department,
                                     reason="下乡开展学校督导检查，需使用便携式计算机。")
        operation_submit(operation=operation, actor=staff)
    return 1


def _stocktake(unit: Unit, units: dict[str, Unit], users: dict[str, User]) -> int:
    from qinjian.assets.services.stocktake import campaign_create, campaign_start, stocktake_scan

    officer = users["jyj_asset"]
    if StocktakeCampaign.objects.filter(unit=unit).exists():
        return 0
    today = timezone.localdate()
    with _as(officer):
        campaign = campaign_create(actor=officer, unit=unit, name=f"{today.year}年度资产清查盘点", units=[unit],
                                   planned_start=today - datetime.timedelta(days=6),
                                   planned_end=today + datetime.timedelta(days=24), counters=[officer],
                                   notes="按照中心《关于开展年度资产清查盘点工作的通知》要求，对本单位在账资产逐项扫码盘点。")
        campaign = campaign_start(campaign=campaign, actor=officer)
        items = list(StocktakeItem.objects.filter(campaign=campaign, asset__isnull=False)
                     .select_related("asset").order_by("id"))
        now = timezone.now()
        for index, item in enumerate(items[: len(items) // 3]):
            asset = item.asset
            assert asset is not None
            moved = index % 17 == 5
            location = (asset.location.rsplit("层", 1)[0] + "层会议室") if moved else asset.location
            stocktake_scan(campaign=campaign, user=officer, client_id=f"demo-{campaign.number}-{index:05d}",
                           code=asset.code, location=location, status=asset.status,
                           scanned_at=now - datetime.timedelta(minutes=5 * (len(items) - index)))
    assert campaign.status == CampaignStatus.ACTIVE
    return 1
