"""盘点 (stocktaking): campaigns, the snapshot of the cards in scope, scans from phones, closing and the
resolution of every discrepancy.

* ``campaign_create`` / ``campaign_update`` — a draft campaign: the organizing unit, the units counted
  (the organizer and units below it, within the actor's reach), an optional location prefix and class
  code prefixes, counters and planned dates.
* ``campaign_start`` — snapshots the cards in scope into ``StocktakeItem`` rows in bulk (expected
  location and status as on the books at that moment).
* ``stocktake_scan`` — one scan from a phone, idempotent by ``(campaign, client_id)``: a resend returns
  the first result and never counts twice. The code may be the card's code, a label's QR payload (the
  URL of the card's page or of the label resolver) or the card's legacy code. A card outside the
  campaign is refused (recorded as a rejected scan); an unknown code is a 盘盈 find.
* ``campaign_close`` — every card not found becomes 盘亏.
* ``item_resolve`` — adjust the books, investigate, hand over to disposal, book a 盘盈 find or
  confirm nothing needs doing; each resolution writes an event on the card.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from qinjian.core.audit import Change, bulk_log_changes, bulk_log_created_rows
from qinjian.core.bulk_insert import allocate_ids, insert_rows
from qinjian.core.errors import Conflict, ValidationFailed
from qinjian.core.models import ObjectChange
from qinjian.core.numbering import next_number

from ..choices import (
    ON_BOOKS_STATUSES,
    AssetStatus,
    CampaignStatus,
    DiscrepancyKind,
    EventKind,
    MovementKind,
    Resolution,
    StocktakeResult,
)
from ..models import Asset, StocktakeCampaign, StocktakeItem, StocktakeScan
from . import ledger

SNAPSHOT_BATCH = 2000
SNAPSHOT_COLUMNS = ("id", "campaign_id", "asset_id", "unit_id", "expected_location", "expected_status", "result",
                    "found_location", "found_status", "surplus_code", "surplus_name", "scan_count", "discrepancy",
                    "resolution", "resolution_note", "note", "created_at", "updated_at", "created_by_id")
# every other column of a fresh item, as the model would hold it (for the change log)
SNAPSHOT_DEFAULTS: dict[str, Any] = {
    "result": "pending", "found_location": "", "found_status": "", "surplus_code": "", "surplus_name": "",
    "scanned_by_id": None, "scanned_at": None, "scan_count": 0, "discrepancy": "", "resolution": "",
    "resolution_note": "", "resolved_by_id": None, "resolved_at": None, "note": ""}
MAX_BATCH_SCANS = 500
# What a counter may report as found (待入账/已处置 are not states one finds on a shelf).
SCAN_STATUSES = tuple(ON_BOOKS_STATUSES)
_CLASS_PREFIX = re.compile(r"^[A-Z0-9]{1,9}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_ASSET_TOKEN = "assets.asset"


# --------------------------------------------------------------------------------------------------
# Campaigns
# --------------------------------------------------------------------------------------------------


def may_count(users: Any) -> Any:
    """The users (a queryset) who hold a role with the 盘点扫码 permission."""
    return users.filter(role_assignments__role__permissions__codename="count_stocktakecampaign",
                        role_assignments__role__permissions__content_type__app_label="assets").distinct()


def _reach(actor: Any) -> Any:
    from qinjian.org.models import Unit

    return Unit.objects.scoped(actor, "view")


def _clean_class_prefixes(raw: str) -> tuple[str, list[str]]:
    parts = [p.strip().upper() for p in re.split(r"[,，;；\s]+", raw or "") if p.strip()]
    bad = [p for p in parts if not _CLASS_PREFIX.match(p)]
    if bad:
        return "", bad
    return ",".join(dict.fromkeys(parts)), []


def _clean_campaign(*, actor: Any, unit: Any, name: str, units: Iterable[Any], planned_start: Any,
                    planned_end: Any, location_prefix: str, class_prefixes: str, counters: Iterable[Any],
                    notes: str) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["请填写盘点名称。"]
    elif len(name) > 200:
        errors["name"] = ["盘点名称不能超过 200 字。"]
    reach = _reach(actor)
    if unit is None:
        errors["unit"] = ["请选择组织单位。"]
    elif not unit.is_active:
        errors["unit"] = ["组织单位已停用。"]
    elif not reach.filter(pk=unit.pk).exists():
        errors["unit"] = ["组织单位不在您的管理范围内。"]
    unit_list = list({u.pk: u for u in (units or [])}.values())
    if not unit_list:
        errors["units"] = ["请至少选择一个盘点单位。"]
    elif unit is not None and "unit" not in errors:
        outside = [u.name for u in unit_list if not u.tree_path.startswith(unit.tree_path)
                   or not reach.filter(pk=u.pk).exists()]
        if outside:
            errors["units"] = [f"盘点单位应为组织单位“{unit.name}”或其下级单位：{'、'.join(outside[:5])} 不符合。"]
        inactive = [u.name for u in unit_list if not u.is_active]
        if inactive:
            errors.setdefault("units", []).append(f"单位已停用：{'、'.join(inactive[:5])}。")
    if not isinstance(planned_start, datetime.date):
        errors["planned_start"] = ["请填写计划开始日期。"]
    if not isinstance(planned_end, datetime.date):
        errors["planned_end"] = ["请填写计划结束日期。"]
    elif isinstance(planned_start, datetime.date) and planned_end < planned_start:
        errors["planned_end"] = ["计划结束日期不能早于开始日期。"]
    location_prefix = (location_prefix or "").strip()
    if len(location_prefix) > 200:
        errors["location_prefix"] = ["存放地点不能超过 200 字。"]
    prefixes, bad = _clean_class_prefixes(class_prefixes)
    if bad:
        errors["class_prefixes"] = [f"分类代码应为字母和数字（如 A02010105 或 A0201）：{'、'.join(bad[:5])} 不符合。"]
    elif len(prefixes) > 500:
        errors["class_prefixes"] = ["分类代码太多，请精简。"]
    counter_list = list({u.pk: u for u in (counters or [])}.values())
    inactive_counters = [getattr(u, "display_name", "") or u.username for u in counter_list if not u.is_active]
    if inactive_counters:
        errors["counters"] = [f"盘点人账号已停用：{'、'.join(inactive_counters[:5])}。"]
    elif counter_list:
        from django.contrib.auth import get_user_model

        allowed = set(may_count(get_user_model().objects.filter(pk__in=[u.pk for u in counter_list]))
                      .values_list("pk", flat=True))
        lacking = [getattr(u, "display_name", "") or u.username for u in counter_list if u.pk not in allowed]
        if lacking:
            errors["counters"] = [f"以下人员没有盘点权限，不能指定为盘点人：{'、'.join(lacking[:5])}。"]
    if len(notes or "") > 5000:
        errors["notes"] = ["说明不能超过 5000 字。"]
    if errors:
        raise ValidationFailed("盘点任务填写有误，请检查标红的字段。", fields=errors)
    return {"name": name, "unit": unit, "units": unit_list, "planned_start": planned_start,
            "planned_end": planned_end, "location_prefix": location_prefix, "class_prefixes": prefixes,
            "counters": counter_list, "notes": (notes or "").strip()}


@transaction.atomic
def campaign_create(*, actor: Any, unit: Any, name: str, units: Iterable[Any], planned_start: datetime.date,
                    planned_end: datetime.date, location_prefix: str = "", class_prefixes: str = "",
                    counters: Iterable[Any] = (), notes: str = "") -> StocktakeCampaign:
    data = _clean_campaign(actor=actor, unit=unit, name=name, units=units, planned_start=planned_start,
                           planned_end=planned_end, location_prefix=location_prefix,
                           class_prefixes=class_prefixes, counters=counters, notes=notes)
    scope_units, counter_users = data.pop("units"), data.pop("counters")
    campaign = StocktakeCampaign.objects.create(number=next_number("PD"), **data)
    campaign.units.set(scope_units)
    campaign.counters.set(counter_users)
    return campaign


def _locked(campaign: StocktakeCampaign) -> StocktakeCampaign:
    return StocktakeCampaign.objects.select_for_update(of=("self",)).select_related("unit").get(pk=campaign.pk)


@transaction.atomic
def campaign_update(*, campaign: StocktakeCampaign, actor: Any, name: str, units: Iterable[Any],
                    planned_start: datetime.date, planned_end: datetime.date, location_prefix: str = "",
                    class_prefixes: str = "", counters: Iterable[Any] = (), notes: str = "",
                    unit: Any = None) -> StocktakeCampaign:
    """While 准备中 everything but the organizer may change; while 盘点中 only the name, dates, counters
    and notes (the scope is the snapshot already taken)."""
    campaign = _locked(campaign)
    if campaign.status == CampaignStatus.CLOSED:
        raise Conflict("盘点任务已结束，不能修改。")
    if campaign.status == CampaignStatus.ACTIVE:
        units = list(campaign.units.all())
        location_prefix, class_prefixes = campaign.location_prefix, campaign.class_prefixes
    data = _clean_campaign(actor=actor, unit=campaign.unit, name=name, units=units, planned_start=planned_start,
                           planned_end=planned_end, location_prefix=location_prefix,
                           class_prefixes=class_prefixes, counters=counters, notes=notes)
    scope_units, counter_users = data.pop("units"), data.pop("counters")
    data.pop("unit")
    for key, value in data.items():
        setattr(campaign, key, value)
    campaign.save()
    if campaign.status == CampaignStatus.DRAFT:
        campaign.units.set(scope_units)
    campaign.counters.set(counter_users)
    return campaign


def scope_queryset(campaign: StocktakeCampaign) -> Any:
    """The cards a campaign covers: on the books, in its units, optionally by location and class."""
    unit_ids = list(campaign.units.values_list("pk", flat=True))
    qs = Asset.objects.filter(unit_id__in=unit_ids, status__in=ON_BOOKS_STATUSES)
    if campaign.location_prefix:
        qs = qs.filter(location__startswith=campaign.location_prefix)
    prefixes = [p for p in campaign.class_prefixes.split(",") if p]
    if prefixes:
        q = Q()
        for prefix in prefixes:
            q |= Q(class_code__startswith=prefix)
        qs = qs.filter(q)
    return qs


@transaction.atomic
def campaign_start(*, campaign: StocktakeCampaign, actor: Any) -> StocktakeCampaign:
    """准备中 → 盘点中: one StocktakeItem per card in scope, written in bulk."""
    campaign = _locked(campaign)
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict(f"盘点任务{campaign.get_status_display()}，不能再次开始。")
    if not campaign.units.exists():
        raise ValidationFailed("请先选择盘点单位。", fields={"units": ["请至少选择一个盘点单位。"]})
    user = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    rows = list(scope_queryset(campaign).order_by("unit_id", "pk").values_list(
        "pk", "unit_id", "location", "status", "code", "name"))
    total = len(rows)
    if total:
        # COPY (PostgreSQL) / executemany (SQLite) through core.bulk_insert: tens of thousands in seconds
        ids = allocate_ids(StocktakeItem, total)
        user_id = getattr(user, "pk", None)

        def values(pk: int, row: tuple[Any, ...]) -> dict[str, Any]:
            asset_id, unit_id, location, status, _code, _name = row
            return {**SNAPSHOT_DEFAULTS, "id": pk, "campaign_id": campaign.pk, "asset_id": asset_id,
                    "unit_id": unit_id, "expected_location": location, "expected_status": status,
                    "created_at": now, "updated_at": now, "created_by_id": user_id}

        insert_rows(StocktakeItem, SNAPSHOT_COLUMNS,
                    ([v[c] for c in SNAPSHOT_COLUMNS] for v in (values(pk, row) for pk, row in zip(ids, rows,
                                                                                                   strict=True))))
        bulk_log_created_rows(StocktakeItem, ((pk, f"{row[4]} {row[5]}", values(pk, row))
                                              for pk, row in zip(ids, rows, strict=True)))
    if total == 0:
        raise ValidationFailed("盘点范围内没有在账资产，请调整盘点单位、存放地点或分类后再开始。")
    campaign.status, campaign.started_at, campaign.item_count = CampaignStatus.ACTIVE, now, total
    campaign.save()
    return campaign


@transaction.atomic
def campaign_close(*, campaign: StocktakeCampaign, actor: Any) -> StocktakeCampaign:
    """盘点中 → 已结束: every card not found becomes 盘亏 (the resolutions then follow)."""
    campaign = _locked(campaign)
    if campaign.status != CampaignStatus.ACTIVE:
        raise Conflict(f"盘点任务{campaign.get_status_display()}，不能结束。")
    now = timezone.now()
    pending = StocktakeItem.objects.filter(campaign=campaign, result=StocktakeResult.PENDING)
    rows = list(pending.values_list("pk", "asset_id", "asset__code", "asset__name"))
    shells = {pk: StocktakeItem(pk=pk, campaign_id=campaign.pk, asset=Asset(pk=asset_id, code=code, name=name))
              for pk, asset_id, code, name in rows}
    ids = list(shells)
    changes: list[Change] = []
    for start in range(0, len(ids), SNAPSHOT_BATCH):
        chunk = ids[start:start + SNAPSHOT_BATCH]
        StocktakeItem.objects.filter(pk__in=chunk, result=StocktakeResult.PENDING).update(
            result=StocktakeResult.MISSING, discrepancy=DiscrepancyKind.SHORTAGE, updated_at=now)
        before = {"result": StocktakeResult.PENDING, "discrepancy": ""}
        after = {"result": StocktakeResult.MISSING, "discrepancy": DiscrepancyKind.SHORTAGE}
        changes.extend(Change(shells[pk], ObjectChange.Action.UPDATE,
                              before=before, after=after, message="盘点结束，未盘到的资产记为盘亏")
                       for pk in chunk)
    # resolved before the log's COPY starts: no query may run on the connection while it streams
    ContentType.objects.get_for_model(StocktakeItem, for_concrete_model=True)
    bulk_log_changes(changes)
    campaign.status, campaign.closed_at = CampaignStatus.CLOSED, now
    campaign.save()
    return campaign


# --------------------------------------------------------------------------------------------------
# Scans
# --------------------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    """What the phone shows after a scan (also the answer of a resend: the first result)."""

    scan: StocktakeScan
    resent: bool = False

    @property
    def outcome(self) -> str:
        return self.scan.outcome

    @property
    def message(self) -> str:
        return self.scan.message

    @property
    def item(self) -> StocktakeItem | None:
        return self.scan.item

    def as_dict(self) -> dict[str, Any]:
        item = self.scan.item
        return {"client_id": self.scan.client_id, "outcome": self.scan.outcome, "message": self.scan.message,
                "resent": self.resent, "item": None if item is None else item_dict(item)}


def item_dict(item: StocktakeItem) -> dict[str, Any]:
    """An item as the phone shows it."""
    return {
        "id": item.pk, "result": item.result, "result_display": item.get_result_display(),
        "discrepancy": item.discrepancy,
        "discrepancy_display": item.get_discrepancy_display() if item.discrepancy else "",
        "asset_code": item.asset.code if item.asset_id and item.asset else item.surplus_code,
        "asset_name": item.asset.name if item.asset_id and item.asset else item.surplus_name,
        "unit_name": item.unit.short_name or item.unit.name,
        "expected_location": item.expected_location, "found_location": item.found_location,
        "expected_status": item.expected_status,
        "expected_status_display": AssetStatus(item.expected_status).label if item.expected_status else "",
        "found_status": item.found_status,
        "found_status_display": AssetStatus(item.found_status).label if item.found_status else "",
    }


def parse_code(text: str) -> tuple[str, Any]:
    """What a scanned or typed text names: ("asset_pk", pk) for a label URL of a card, ("url", path) for
    another URL, ("code", text) otherwise."""
    from qinjian.attachments.selectors import _path_of, _target_of_path

    text = (text or "").replace("\x00", "").strip()
    path = _path_of(text)
    if path:
        target = _target_of_path(path)
        if target is not None and target[0] == _ASSET_TOKEN:
            return "asset_pk", target[1]
        return "url", path
    return "code", text


def find_asset(text: str) -> tuple[Asset | None, str]:
    """The card a code names (and an error message when the text cannot name any card)."""
    kind, value = parse_code(text)
    if kind == "asset_pk":
        asset = Asset.objects.select_related("unit").filter(pk=value).first()
        return asset, "" if asset is not None else "该标签对应的资产不存在或已被删除。"
    if kind == "url":
        return None, "这个二维码不是本平台的资产标签，无法用于盘点。"
    code = value[:64]
    asset = Asset.objects.select_related("unit").filter(code=code).first()
    if asset is None:
        asset = Asset.objects.select_related("unit").filter(code__iexact=code).first()
    if asset is None and code:
        legacy = list(Asset.objects.select_related("unit").filter(legacy_code=code).order_by("-pk")[:2])
        if legacy:
            asset = legacy[0]
    return asset, ""


def _clean_scan(*, client_id: str, code: str, location: str, status: str, note: str, name: str,
                scanned_at: Any) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    client_id = (client_id or "").strip()
    if not _CLIENT_ID.match(client_id):
        errors["client_id"] = ["扫码记录编号无效（应为 8 到 64 位字母、数字或连字符）。"]
    code = (code or "").replace("\x00", "").strip()
    if not code:
        errors["code"] = ["请扫描标签或输入资产编号。"]
    elif len(code) > 300:
        errors["code"] = ["扫描内容过长，不是有效的资产标签。"]
    location = (location or "").strip()
    if len(location) > 200:
        errors["location"] = ["存放地点不能超过 200 字。"]
    status = (status or "").strip()
    if status and status not in SCAN_STATUSES:
        errors["status"] = ["使用状况无效，请选择在用、出租出借、闲置或待处置。"]
    if len(note or "") > 500:
        errors["note"] = ["备注不能超过 500 字。"]
    if len(name or "") > 200:
        errors["name"] = ["资产名称不能超过 200 字。"]
    now = timezone.now()
    if scanned_at is None:
        scanned_at = now
    elif not isinstance(scanned_at, datetime.datetime):
        errors["scanned_at"] = ["扫码时间格式不正确。"]
    else:
        if timezone.is_naive(scanned_at):
            scanned_at = timezone.make_aware(scanned_at)
        if scanned_at > now + datetime.timedelta(minutes=10):
            scanned_at = now  # a phone whose clock runs ahead: the time received is closer to the truth
    if errors:
        raise ValidationFailed("扫码内容有误：" + "；".join(m for msgs in errors.values() for m in msgs), fields=errors)
    return {"client_id": client_id, "code": code, "location": location, "status": status,
            "note": (note or "").strip(), "name": (name or "").strip(), "scanned_at": scanned_at}


def _discrepancy(item: StocktakeItem) -> str:
    loc = bool(item.found_location) and item.found_location.strip() != (item.expected_location or "").strip()
    sta = bool(item.found_status) and item.found_status != item.expected_status
    if loc and sta:
        return DiscrepancyKind.LOCATION_STATUS
    if loc:
        return DiscrepancyKind.LOCATION
    if sta:
        return DiscrepancyKind.STATUS
    return DiscrepancyKind.NONE


def _who(user: Any) -> str:
    return getattr(user, "display_name", "") or getattr(user, "username", "") or "盘点人"


def _surplus_unit(campaign: StocktakeCampaign, user: Any, unit: Any) -> Any:
    units = {u.pk: u for u in campaign.units.all()}
    if unit is not None:
        pk = getattr(unit, "pk", unit)
        if pk in units:
            return units[pk]
        raise ValidationFailed("所选单位不在本次盘点范围内。", fields={"unit": ["所选单位不在本次盘点范围内。"]})
    user_unit = getattr(user, "unit_id", None)
    if user_unit in units:
        return units[user_unit]
    if campaign.unit_id in units:
        return units[campaign.unit_id]
    return sorted(units.values(), key=lambda u: u.tree_path)[0]


def stocktake_scan(*, campaign: StocktakeCampaign, user: Any, client_id: str, code: str, location: str = "",
                   status: str = "", note: str = "", scanned_at: datetime.datetime | None = None, name: str = "",
                   unit: Any = None) -> ScanResult:
    """Record one scan. Idempotent by (campaign, client_id): a resend answers the first result.

    Raises only for malformed input or a campaign that is not under way; a card that cannot be
    counted here is a *rejected* scan (kept, with the reason) so the phone shows why.
    """
    data = _clean_scan(client_id=client_id, code=code, location=location, status=status, note=note, name=name,
                       scanned_at=scanned_at)
    existing = StocktakeScan.objects.select_related("item__asset", "item__unit").filter(
        campaign=campaign, client_id=data["client_id"]).first()
    if existing is not None:
        return ScanResult(existing, resent=True)
    try:
        return _scan(campaign=campaign, user=user, unit=unit, **data)
    except IntegrityError:
        # The same client_id arrived twice at the same moment: the other request recorded it.
        existing = StocktakeScan.objects.select_related("item__asset", "item__unit").filter(
            campaign=campaign, client_id=data["client_id"]).first()
        if existing is None:
            raise
        return ScanResult(existing, resent=True)


@transaction.atomic
def _scan(*, campaign: StocktakeCampaign, user: Any, unit: Any, client_id: str, code: str, location: str,
          status: str, note: str, name: str, scanned_at: datetime.datetime) -> ScanResult:
    campaign = StocktakeCampaign.objects.select_related("unit").get(pk=campaign.pk)
    if campaign.status == CampaignStatus.DRAFT:
        raise Conflict("盘点任务尚未开始，暂不能扫码。")
    if campaign.status == CampaignStatus.CLOSED:
        raise Conflict("盘点任务已结束，不能再扫码。如需补盘，请联系盘点组织人。")
    # The scan row first: its unique (campaign, client_id) is the idempotency guard for racing resends.
    scan = StocktakeScan.objects.create(campaign=campaign, client_id=client_id, code=code[:300], location=location,
                                        status=status, note=note, scanned_at=scanned_at, user=user,
                                        outcome=StocktakeScan.Outcome.REJECTED, message="")
    asset, error = find_asset(code)
    item: StocktakeItem | None = None
    if error:
        return _finish(scan, StocktakeScan.Outcome.REJECTED, error)
    if asset is not None:
        item = StocktakeItem.objects.select_for_update(of=("self",)).select_related("asset", "unit").filter(
            campaign=campaign, asset=asset).first()
        if item is None:
            return _finish(scan, StocktakeScan.Outcome.REJECTED, out_of_scope_message(campaign, asset))
        return _record_found(scan, item, user=user, location=location, status=status, note=note,
                             scanned_at=scanned_at, campaign=campaign)
    return _record_surplus(scan, campaign, user=user, unit=unit, code=code[:64], name=name, location=location,
                           status=status, note=note, scanned_at=scanned_at)


def _finish(scan: StocktakeScan, outcome: str, message: str, item: StocktakeItem | None = None) -> ScanResult:
    scan.outcome, scan.message, scan.item = outcome, message[:300], item
    scan.save(update_fields=["outcome", "message", "item"])
    return ScanResult(scan)


def out_of_scope_message(campaign: StocktakeCampaign, asset: Asset) -> str:
    label = f"“{asset.code} {asset.name}”"
    if not campaign.units.filter(pk=asset.unit_id).exists():
        return f"资产{label}属于{asset.unit.name}，不在本次盘点单位范围内，不能在此盘点。"
    if asset.status in (AssetStatus.DRAFT, AssetStatus.DISPOSED):
        return f"资产{label}目前为“{asset.get_status_display()}”，不在账上，不能盘点。请将实物情况报告资产管理员。"
    return f"资产{label}不在本次盘点范围内（存放地点或资产分类不在本次盘点之列），请核对。"


def _record_found(scan: StocktakeScan, item: StocktakeItem, *, user: Any, location: str, status: str, note: str,
                  scanned_at: datetime.datetime, campaign: StocktakeCampaign) -> ScanResult:
    first = item.result != StocktakeResult.FOUND
    previous_by = item.scanned_by
    item.result = StocktakeResult.FOUND
    item.found_location = location or item.found_location or item.expected_location
    item.found_status = status or item.found_status or item.expected_status
    if note:
        item.note = note[:500]
    item.scanned_by, item.scanned_at = user, scanned_at
    item.scan_count += 1
    item.discrepancy = _discrepancy(item)
    if item.resolution and item.discrepancy == DiscrepancyKind.NONE:
        item.resolution, item.resolution_note = Resolution.OPEN, ""
    item.save()
    asset = item.asset
    assert asset is not None
    if first:
        ledger.record_event(asset, EventKind.STOCKTAKE, on=timezone.localdate(scanned_at), actor=user,
                            message=f"{campaign.number} {campaign.name}：已盘到（{_who(user)}）"
                                    + (f"，{item.get_discrepancy_display()}" if item.discrepancy else ""))
    detail = "已盘到" + (f"（{item.get_discrepancy_display()}）" if item.discrepancy else "") + f"：{asset.code} {asset.name}"
    if not first:
        who = _who(previous_by) if previous_by is not None else "他人"
        detail = f"该资产已由{who}盘到，本次已更新盘点信息，不重复计数：{asset.code} {asset.name}"
    return _finish(scan, StocktakeScan.Outcome.ACCEPTED, detail, item)


def _record_surplus(scan: StocktakeScan, campaign: StocktakeCampaign, *, user: Any, unit: Any, code: str, name: str,
                    location: str, status: str, note: str, scanned_at: datetime.datetime) -> ScanResult:
    """A code the books do not know: a 盘盈 find (the same code scanned again updates the same find)."""
    _locked(campaign)  # two phones finding the same unknown label: one 盘盈 row
    item = StocktakeItem.objects.select_for_update(of=("self",)).select_related("unit").filter(
        campaign=campaign, asset__isnull=True, surplus_code=code).first()
    if item is None:
        if not name:
            return _finish(scan, StocktakeScan.Outcome.REJECTED,
                           f"账上没有编号为“{code}”的资产。如确为账外资产（盘盈），请填写资产名称后再提交。")
        target_unit = _surplus_unit(campaign, user, unit)
        item = StocktakeItem(campaign=campaign, unit=target_unit, result=StocktakeResult.SURPLUS,
                             discrepancy=DiscrepancyKind.SURPLUS, surplus_code=code, surplus_name=name[:200],
                             found_location=location, found_status=status or AssetStatus.IN_USE, note=note[:500],
                             scanned_by=user, scanned_at=scanned_at, scan_count=1)
        item.save()
        return _finish(scan, StocktakeScan.Outcome.ACCEPTED, f"账上没有此编号，已记为盘盈（账外资产）：{code} {name}",
                       item)
    if name:
        item.surplus_name = name[:200]
    item.found_location = location or item.found_location
    item.found_status = status or item.found_status
    if note:
        item.note = note[:500]
    item.scanned_by, item.scanned_at = user, scanned_at
    item.scan_count += 1
    item.save()
    return _finish(scan, StocktakeScan.Outcome.ACCEPTED,
                   f"该盘盈资产已登记过，本次已更新盘点信息，不重复计数：{code} {item.surplus_name}", item)


_SCAN_TEXT_FIELDS = ("client_id", "code", "location", "status", "note", "name")


def _coerce(raw: dict[str, Any]) -> dict[str, Any]:
    """A scan as the phone sent it (JSON) → the service's arguments; malformed values → ValidationFailed."""
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    unknown = set(raw) - {*_SCAN_TEXT_FIELDS, "scanned_at", "unit"}
    for key in sorted(unknown):
        errors[key] = ["未知字段，请对照接口文档检查字段名。"]
    for key in _SCAN_TEXT_FIELDS:
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            errors[key] = ["应为文字。"]
        else:
            out[key] = str(value)
    when = raw.get("scanned_at")
    if when not in (None, ""):
        parsed = parse_datetime(when) if isinstance(when, str) else None
        if parsed is None:
            errors["scanned_at"] = ["扫码时间格式不正确（应为 ISO 8601，如 2026-11-25T09:30:00+08:00）。"]
        else:
            out["scanned_at"] = parsed
    unit = raw.get("unit")
    if unit not in (None, ""):
        if isinstance(unit, bool) or not str(unit).isdigit():
            errors["unit"] = ["单位应为单位 ID。"]
        else:
            out["unit"] = int(str(unit))
    if errors:
        raise ValidationFailed("扫码内容有误：" + "；".join(f"{k} {m[0]}" for k, m in errors.items()), fields=errors)
    out.setdefault("client_id", "")  # missing: the scan's own checks say what is wanted
    out.setdefault("code", "")
    return out


def stocktake_scan_batch(*, campaign: StocktakeCampaign, user: Any, scans: Sequence[dict[str, Any]],
                         raise_errors: bool = False) -> list[dict[str, Any]]:
    """A queue of scans sent by a phone coming back online: each on its own (one bad scan does not
    lose the others); the answer lists each scan's result or error in order."""
    if len(scans) > MAX_BATCH_SCANS:
        raise ValidationFailed(f"一次最多提交 {MAX_BATCH_SCANS} 条扫码记录，请分批提交。")
    out: list[dict[str, Any]] = []
    for raw in scans:
        try:
            result = stocktake_scan(campaign=campaign, user=user, **_coerce(raw))
        except (ValidationFailed, Conflict) as exc:
            if raise_errors:
                raise
            out.append({"client_id": str(raw.get("client_id") or "")[:64], "outcome": "error",
                        "message": exc.message, "resent": False, "item": None, "fields": exc.fields})
        else:
            out.append(result.as_dict())
    return out


def scan_lookup(campaign: StocktakeCampaign, code: str) -> dict[str, Any]:
    """What the phone shows before the counter confirms (no side effects)."""
    text = (code or "").replace("\x00", "").strip()[:300]
    if not text:
        return {"status": "invalid", "message": "请扫描标签或输入资产编号。", "item": None}
    asset, error = find_asset(text)
    if error:
        return {"status": "invalid", "message": error, "item": None}
    if asset is None:
        surplus = StocktakeItem.objects.select_related("unit").filter(
            campaign=campaign, asset__isnull=True, surplus_code=text[:64]).first()
        if surplus is not None:
            return {"status": "counted", "message": f"该编号已登记为盘盈：{surplus.surplus_name}",
                    "item": item_dict(surplus)}
        return {"status": "unknown",
                "message": f"账上没有编号为“{text[:64]}”的资产。如确为账外资产，请填写名称后提交，记为盘盈。",
                "item": None}
    item = StocktakeItem.objects.select_related("asset", "unit", "scanned_by").filter(
        campaign=campaign, asset=asset).first()
    if item is None:
        return {"status": "out_of_scope", "message": out_of_scope_message(campaign, asset), "item": None}
    if item.result == StocktakeResult.FOUND:
        who = _who(item.scanned_by) if item.scanned_by is not None else "他人"
        return {"status": "counted", "message": f"该资产已由{who}盘到；再次提交将更新盘点信息，不重复计数。",
                "item": item_dict(item)}
    return {"status": "in_scope", "message": f"{asset.code} {asset.name}", "item": item_dict(item)}


def new_client_id() -> str:
    return uuid.uuid4().hex


# --------------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------------


def progress_by_unit(campaign: StocktakeCampaign) -> list[dict[str, Any]]:
    """应盘 / 盘到 / 盘亏 / 盘盈 / 有差异 per unit of the campaign (one grouped query)."""
    from qinjian.org.models import Unit

    rows = (StocktakeItem.objects.filter(campaign=campaign).values("unit_id")
            .annotate(expected=Count("pk", filter=~Q(result=StocktakeResult.SURPLUS)),
                      found=Count("pk", filter=Q(result=StocktakeResult.FOUND)),
                      missing=Count("pk", filter=Q(result=StocktakeResult.MISSING)),
                      surplus=Count("pk", filter=Q(result=StocktakeResult.SURPLUS)),
                      differing=Count("pk", filter=~Q(discrepancy=""))))
    by_unit = {r["unit_id"]: r for r in rows}
    units = Unit.objects.filter(pk__in=set(by_unit) | set(campaign.units.values_list("pk", flat=True)))
    out = []
    for unit in sorted(units, key=lambda u: u.tree_path):
        r = by_unit.get(unit.pk, {})
        expected = r.get("expected", 0)
        found = r.get("found", 0)
        out.append({"unit": unit, "expected": expected, "found": found, "missing": r.get("missing", 0),
                    "surplus": r.get("surplus", 0), "differing": r.get("differing", 0),
                    "percent": round(found * 100 / expected) if expected else 0})
    return out


def progress_by_location(campaign: StocktakeCampaign, *, limit: int = 200) -> list[dict[str, Any]]:
    """应盘 / 盘到 per unit and book location (the locations with most cards first)."""
    rows = (StocktakeItem.objects.filter(campaign=campaign).exclude(result=StocktakeResult.SURPLUS)
            .values("unit__name", "unit__short_name", "expected_location")
            .annotate(expected=Count("pk"), found=Count("pk", filter=Q(result=StocktakeResult.FOUND)))
            .order_by("unit__tree_path", "expected_location")[:limit])
    return [{"unit": r["unit__short_name"] or r["unit__name"], "location": r["expected_location"] or "（未填写）",
             "expected": r["expected"], "found": r["found"],
             "percent": round(r["found"] * 100 / r["expected"]) if r["expected"] else 0} for r in rows]


def progress_totals(campaign: StocktakeCampaign) -> dict[str, int]:
    rows = progress_by_unit(campaign)
    totals = {key: sum(r[key] for r in rows) for key in ("expected", "found", "missing", "surplus", "differing")}
    totals["percent"] = round(totals["found"] * 100 / totals["expected"]) if totals["expected"] else 0
    return totals


# --------------------------------------------------------------------------------------------------
# Resolutions
# --------------------------------------------------------------------------------------------------

RESOLUTION_LABELS = {
    "write_off": "核销（盘亏报损）",
    "to_dispose": "转处置（生成处置单）",
    "adjust": "按实盘调整账面",
    "book": "补录入账（盘盈）",
    "investigate": "调查中",
    "no_action": "核实无误，无需处理",
}


RESOLUTION_HELP = {
    "write_off": "按盘亏报损直接核减账面，卡片记为已处置。",
    "to_dispose": "生成报损处置单（草稿），按处置审批流程办理后核销。",
    "adjust": "把卡片的存放地点、使用状况改为实盘结果。",
    "book": "按盘盈登记新卡片并入账（账务记为盘盈）。",
    "investigate": "暂不调整账面，记录调查情况，之后再处理。",
    "no_action": "账面无误（如已找到、临时挪用），不调整账面。",
}


def resolutions_for(item: StocktakeItem) -> list[tuple[str, str]]:
    """The resolutions that make sense for this item's discrepancy (open items only)."""
    if item.resolution in (Resolution.ADJUSTED, Resolution.TO_DISPOSE, Resolution.BOOKED, Resolution.NO_ACTION):
        return []
    kinds: list[str] = []
    if item.discrepancy == DiscrepancyKind.SHORTAGE:
        kinds = ["write_off", "to_dispose", "investigate", "no_action"]
    elif item.discrepancy in (DiscrepancyKind.LOCATION, DiscrepancyKind.STATUS, DiscrepancyKind.LOCATION_STATUS):
        kinds = ["adjust", "investigate", "no_action"]
    elif item.discrepancy == DiscrepancyKind.SURPLUS:
        kinds = ["book", "investigate", "no_action"]
    if item.resolution == Resolution.INVESTIGATING and "investigate" in kinds:
        kinds.remove("investigate")
    return [(k, RESOLUTION_LABELS[k]) for k in kinds]


def _operation_create() -> Any:
    try:
        from . import operations
    except ImportError:
        return None
    return getattr(operations, "operation_create", None)


def _asset_register() -> Any:
    try:
        from . import assets
    except ImportError:
        return None
    return getattr(assets, "asset_register", None)


def _money(value: Any, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(ledger.CENT)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(f"{label}格式不正确。", fields={field: [f"请填写{label}（元）。"]}) from None
    if amount < 0 or amount > Decimal("9999999999"):
        raise ValidationFailed(f"{label}应在 0 到 99.99 亿元之间。", fields={field: [f"{label}应在 0 到 99.99 亿元之间。"]})
    return amount


@transaction.atomic
def item_resolve(*, item: StocktakeItem, actor: Any, action: str, note: str = "",
                 on: datetime.date | None = None, **fields: Any) -> StocktakeItem:
    """Resolve one discrepancy. ``action`` is one of ``resolutions_for(item)``; booking a 盘盈 find
    needs ``asset_class``, ``original_value`` (and optionally ``value_fiscal``, ``acquired_on``,
    ``measure_unit``, ``spec_model``)."""
    item = StocktakeItem.objects.select_for_update(of=("self",)).select_related(
        "campaign", "unit", "asset").get(pk=item.pk)
    allowed = dict(resolutions_for(item))
    if action not in allowed:
        if not item.discrepancy:
            raise Conflict("该盘点明细没有差异，无需处理。")
        if not allowed:
            raise Conflict(f"该差异已处理（{item.get_resolution_display()}），不能重复处理。")
        raise ValidationFailed(f"该差异不能“{RESOLUTION_LABELS.get(action, action)}”，可选："
                               f"{'、'.join(allowed.values())}。", fields={"action": ["请选择有效的处理方式。"]})
    if item.campaign.status == CampaignStatus.DRAFT:
        raise Conflict("盘点任务尚未开始。")
    if item.discrepancy == DiscrepancyKind.SHORTAGE and item.campaign.status != CampaignStatus.CLOSED:
        raise Conflict("盘点结束后才能处理盘亏。")
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed("处理说明不能超过 500 字。", fields={"note": ["处理说明不能超过 500 字。"]})
    if action in ("investigate", "no_action", "write_off") and not note:
        raise ValidationFailed("请填写处理说明。", fields={"note": ["请填写处理说明（如调查情况、核实依据）。"]})
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationFailed("处理日期不能晚于今天。", fields={"on": ["处理日期不能晚于今天。"]})
    campaign = item.campaign
    prefix = f"{campaign.number} {campaign.name}"
    asset = ledger.lock_assets([item.asset_id])[item.asset_id] if item.asset_id else None
    resolution = Resolution.OPEN
    if action == "write_off":
        assert asset is not None
        ledger.dispose(asset, on=on, method="loss", kind=MovementKind.SHORTAGE, actor=actor,
                       message=f"{prefix}：盘亏核销。{note}")
        resolution = Resolution.ADJUSTED
    elif action == "to_dispose":
        assert asset is not None
        resolution = Resolution.TO_DISPOSE
        note = _to_disposal(item, asset, actor=actor, on=on, note=note, prefix=prefix)
    elif action == "adjust":
        assert asset is not None
        _adjust(item, asset, actor=actor, on=on, note=note, prefix=prefix)
        resolution = Resolution.ADJUSTED
    elif action == "book":
        asset = _book_surplus(item, actor=actor, on=on, note=note, prefix=prefix, **fields)
        item.asset = asset
        resolution = Resolution.BOOKED
    elif action == "investigate":
        resolution = Resolution.INVESTIGATING
        if asset is not None:
            ledger.record_event(asset, EventKind.STOCKTAKE, on=on, actor=actor,
                                message=f"{prefix}：{item.get_discrepancy_display()}，调查中。{note}")
    else:  # no_action
        resolution = Resolution.NO_ACTION
        if asset is not None:
            ledger.record_event(asset, EventKind.STOCKTAKE, on=on, actor=actor,
                                message=f"{prefix}：{item.get_discrepancy_display()}，核实无误。{note}")
    item.resolution, item.resolution_note = resolution, note[:500]
    item.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    item.resolved_at = timezone.now()
    item.save()
    return item


def _to_disposal(item: StocktakeItem, asset: Asset, *, actor: Any, on: datetime.date, note: str, prefix: str) -> str:
    """A draft 处置（报损）document for the missing card when the operations service exists; else the card
    is marked 待处置 so the unit files the document itself."""
    create = _operation_create()
    reason = f"{prefix}：盘亏（未找到），转报损处置。{note}".strip()
    if create is not None:
        from ..choices import OperationKind

        operation = create(kind=OperationKind.DISPOSAL, unit=asset.unit, actor=actor, assets=[asset],
                           occurred_on=on, reason=reason, disposal_method="loss")
        ledger.record_event(asset, EventKind.STOCKTAKE, on=on, actor=actor,
                            message=f"{prefix}：盘亏，已生成处置单 {getattr(operation, 'number', '')}（草稿）")
        return f"已生成处置单 {getattr(operation, 'number', '')}（草稿，待提交审批）。{note}".strip()
    if asset.status != AssetStatus.PENDING_DISPOSAL:
        ledger.require_status(asset, (AssetStatus.IN_USE, AssetStatus.IDLE), "转处置")
        ledger.set_status(asset, status=AssetStatus.PENDING_DISPOSAL, on=on, actor=actor,
                          kind=EventKind.STOCKTAKE_ADJUSTED, message=reason)
    return f"已将资产转为待处置，请办理报损处置单。{note}".strip()


def _adjust(item: StocktakeItem, asset: Asset, *, actor: Any, on: datetime.date, note: str, prefix: str) -> None:
    """位置/状态不符 → the card follows what was found (location edit, usage status through the ledger)."""
    changed = []
    if item.found_location and item.found_location != asset.location:
        before = asset.location
        asset.location = item.found_location
        asset.save()
        changed.append(f"存放地点由“{before or '未填写'}”调整为“{asset.location}”")
    if item.found_status and item.found_status != asset.status:
        if asset.status in (AssetStatus.DRAFT, AssetStatus.DISPOSED):
            raise Conflict(f"资产“{asset.code}”目前为“{asset.get_status_display()}”，不能按盘点结果调整使用状况。")
        if item.found_status == AssetStatus.LENT or asset.status == AssetStatus.LENT:
            raise Conflict("出租出借状态须通过出租出借或出借收回业务单办理，不能由盘点直接调整。")
        before_label = asset.get_status_display()
        ledger.set_status(asset, status=item.found_status, on=on, actor=actor, kind=EventKind.STOCKTAKE_ADJUSTED,
                          message=f"{prefix}：使用状况由“{before_label}”调整为“{AssetStatus(item.found_status).label}”。"
                                  f"{note}")
    if changed or not item.found_status or item.found_status == asset.status:
        ledger.record_event(asset, EventKind.STOCKTAKE_ADJUSTED, on=on, actor=actor,
                            message=f"{prefix}：{'；'.join(changed) or '按实盘结果核对账面'}。{note}")


def _book_surplus(item: StocktakeItem, *, actor: Any, on: datetime.date, note: str, prefix: str,
                  asset_class: Any = None, original_value: Any = None, value_fiscal: Any = None,
                  acquired_on: datetime.date | None = None, measure_unit: str = "", spec_model: str = "",
                  name: str = "", **_ignored: Any) -> Asset:
    """盘盈 → a new card booked with the journal kind 盘盈."""
    errors: dict[str, list[str]] = {}
    name = (name or item.surplus_name or "").strip()
    if not name:
        errors["name"] = ["请填写资产名称。"]
    if asset_class is None:
        errors["asset_class"] = ["请选择资产分类。"]
    if original_value in (None, ""):
        errors["original_value"] = ["请填写入账价值（元），无法取得时可按重置价或评估价填写。"]
    if errors:
        raise ValidationFailed("补录入账信息不完整。", fields=errors)
    value = _money(original_value, "original_value", "入账价值")
    fiscal = value if value_fiscal in (None, "") else _money(value_fiscal, "value_fiscal", "财政拨款部分")
    if fiscal > value:
        raise ValidationFailed("财政拨款部分不能大于入账价值。", fields={"value_fiscal": ["不能大于入账价值。"]})
    acquired = acquired_on or on
    if acquired > on:
        raise ValidationFailed("取得日期不能晚于入账日期。", fields={"acquired_on": ["取得日期不能晚于入账日期。"]})
    fields: dict[str, Any] = {
        "name": name[:200], "asset_class": asset_class, "original_value": value, "value_fiscal": fiscal,
        "value_nonfiscal": value - fiscal, "acquired_on": acquired, "location": item.found_location,
        "spec_model": (spec_model or "")[:200], "measure_unit": (measure_unit or "台")[:10],
        "acquisition_method": "other", "legacy_code": item.surplus_code[:64],
        "notes": f"{prefix}盘盈补录。{note}".strip(),
    }
    register = _asset_register()
    if register is not None:
        asset = register(actor=actor, unit=item.unit, **fields)
    else:
        asset = Asset.objects.create(code=next_number("ZC"), unit=item.unit, status=AssetStatus.DRAFT, **fields)
        ledger.record_event(asset, EventKind.REGISTERED, on=on, actor=actor, message=f"{prefix}：盘盈登记")
    asset = ledger.lock_assets([asset.pk])[asset.pk]
    status = item.found_status if item.found_status in (AssetStatus.IN_USE, AssetStatus.IDLE) else AssetStatus.IN_USE
    ledger.book(asset, on=on, actor=actor, kind=MovementKind.SURPLUS, status=status,
                message=f"{prefix}：盘盈补录入账。{note}".strip())
    return asset


__all__ = ["RESOLUTION_LABELS", "SCAN_STATUSES", "ScanResult", "campaign_close", "campaign_create", "campaign_start",
           "campaign_update", "item_resolve", "new_client_id", "parse_code", "progress_by_location",
           "progress_by_unit", "progress_totals", "resolutions_for", "scan_lookup", "scope_queryset", "stocktake_scan",
           "stocktake_scan_batch"]
