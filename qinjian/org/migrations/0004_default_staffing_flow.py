"""The default approval flow of 编制调整申请, shipped as data (the system admin may change it later)."""

from decimal import Decimal

from django.db import migrations

FLOW_NAME = "编制调整审批"


def create_flow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    FlowDefinition = apps.get_model("workflow", "FlowDefinition")
    FlowStep = apps.get_model("workflow", "FlowStep")
    ct, _ = ContentType.objects.get_or_create(app_label="org", model="staffingchangerequest")
    if FlowDefinition.objects.filter(content_type=ct).exists():
        return
    flow = FlowDefinition.objects.create(
        name=FLOW_NAME, content_type=ct, priority=0, is_active=True, version=1,
        description="单位申请调整行政、事业、工勤编制数：中心综合处审核；编制变动数（各类编制增减数之和）达到 5 名的，报中心领导审批。",
    )
    FlowStep.objects.create(flow=flow, order=1, name="中心综合处审核", role_code="center_office",
                            unit_rule="scope_all", deadline_value=3, deadline_unit="workdays")
    FlowStep.objects.create(flow=flow, order=2, name="中心领导审批", role_code="center_leader",
                            unit_rule="scope_all", min_amount=Decimal("5"), deadline_value=3,
                            deadline_unit="workdays")


def remove_flow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    FlowDefinition = apps.get_model("workflow", "FlowDefinition")
    ct = ContentType.objects.filter(app_label="org", model="staffingchangerequest").first()
    if ct is not None:
        FlowDefinition.objects.filter(content_type=ct, name=FLOW_NAME, requests__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("org", "0003_staffing_change_request"),
        ("workflow", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_flow, remove_flow)]
