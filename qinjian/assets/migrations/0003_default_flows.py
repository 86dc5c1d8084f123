"""The default approval flow of each kind of 资产业务单 (the flow's variant is the kind), shipped as data.

The system administrator may change the flows later. The amounts from which 中心领导 signs a
transfer or a disposal come from the reference table ``asset_disposal_authority``
(qinjian/standards/data/asset_disposal_authority.json), read here from the version in force today.
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

AUTHORITY_FILE = Path(__file__).resolve().parents[2] / "standards" / "data" / "asset_disposal_authority.json"

UNIT_OFFICER = "unit_asset_officer"
CENTER_ASSET = "center_asset"
CENTER_LEADER = "center_leader"

# kind -> (flow name, description, [(step name, role, unit rule, min_amount key or None)])
FLOWS = {
    "acceptance": ("资产验收入账审批", "单位资产管理员验收确认，中心资产管理处审核后入账。", [
        ("单位资产管理员验收确认", UNIT_OFFICER, "applicant_unit", None),
        ("中心资产管理处审核", CENTER_ASSET, "scope_all", None),
    ]),
    "issue": ("资产领用审批", "单位资产管理员审核后办理领用。", [
        ("单位资产管理员审核", UNIT_OFFICER, "applicant_unit", None),
    ]),
    "return": ("资产交回审批", "单位资产管理员确认收回。", [
        ("单位资产管理员确认", UNIT_OFFICER, "applicant_unit", None),
    ]),
    "transfer": ("资产调拨审批", "调出单位、调入单位资产管理员分别签认，中心资产管理处审核；"
                 "资产原值合计达到资产处置、调拨审批权限标准的，报中心领导审批。", [
        ("调出单位资产管理员审核", UNIT_OFFICER, "applicant_unit", None),
        ("调入单位资产管理员确认", UNIT_OFFICER, "counterpart_unit", None),
        ("中心资产管理处审核", CENTER_ASSET, "scope_all", None),
        ("中心领导审批", CENTER_LEADER, "scope_all", "transfer"),
    ]),
    "loan": ("资产出租出借审批", "单位资产管理员审核，中心资产管理处审批。", [
        ("单位资产管理员审核", UNIT_OFFICER, "applicant_unit", None),
        ("中心资产管理处审批", CENTER_ASSET, "scope_all", None),
    ]),
    "loan_return": ("资产出借收回审批", "单位资产管理员确认收回。", [
        ("单位资产管理员确认", UNIT_OFFICER, "applicant_unit", None),
    ]),
    "repair": ("资产维修审批", "单位资产管理员审核。", [
        ("单位资产管理员审核", UNIT_OFFICER, "applicant_unit", None),
    ]),
    "disposal": ("资产处置审批", "单位资产管理员审核，中心资产管理处审核；资产原值合计达到资产处置、调拨审批权限标准的，"
                 "报中心领导审批。审批期间资产为“待处置”。", [
        ("单位资产管理员审核", UNIT_OFFICER, "applicant_unit", None),
        ("中心资产管理处审核", CENTER_ASSET, "scope_all", None),
        ("中心领导审批", CENTER_LEADER, "scope_all", "disposal"),
    ]),
    "revaluation": ("资产价值变动审批", "单位资产管理员审核，中心资产管理处审核后调整账面价值。", [
        ("单位资产管理员审核", UNIT_OFFICER, "applicant_unit", None),
        ("中心资产管理处审核", CENTER_ASSET, "scope_all", None),
    ]),
}


def leader_thresholds(on=None):
    """{matter: amount} from the version of the authority table in force on ``on`` (today)."""
    on = on or datetime.date.today()
    doc = json.loads(AUTHORITY_FILE.read_text(encoding="utf-8"))
    in_force = [v for v in doc["versions"] if v.get("status", "active") == "active"
                and datetime.date.fromisoformat(v["effective_from"]) <= on
                and (not v.get("effective_to") or datetime.date.fromisoformat(v["effective_to"]) >= on)]
    version = max(in_force, key=lambda v: v["effective_from"])
    return {row["key"]["matter"]: Decimal(row["values"]["amount"]) for row in version["rows"]
            if row["key"].get("approver") == CENTER_LEADER}


def create_flows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    FlowDefinition = apps.get_model("workflow", "FlowDefinition")
    FlowStep = apps.get_model("workflow", "FlowStep")
    ct, _ = ContentType.objects.get_or_create(app_label="assets", model="assetoperation")
    thresholds = leader_thresholds()
    for kind, (name, description, steps) in FLOWS.items():
        if FlowDefinition.objects.filter(content_type=ct, variant=kind).exists():
            continue
        flow = FlowDefinition.objects.create(name=name, content_type=ct, variant=kind, priority=0, is_active=True,
                                             version=1, description=description)
        for order, (step_name, role, rule, threshold) in enumerate(steps, start=1):
            FlowStep.objects.create(flow=flow, order=order, name=step_name, role_code=role, unit_rule=rule,
                                    min_amount=thresholds[threshold] if threshold else None,
                                    deadline_value=3, deadline_unit="workdays")


def remove_flows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    FlowDefinition = apps.get_model("workflow", "FlowDefinition")
    ct = ContentType.objects.filter(app_label="assets", model="assetoperation").first()
    if ct is not None:
        names = [name for name, _description, _steps in FLOWS.values()]
        FlowDefinition.objects.filter(content_type=ct, name__in=names, requests__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("assets", "0002_role_permissions"),
        ("workflow", "0002_flow_variant_counterpart"),
    ]

    operations = [migrations.RunPython(create_flows, remove_flows)]
