"""Load the reference tables added for the asset module (disposal authority, idle-asset rule,
depreciation class map …) into existing installations. Loading is idempotent: versions already
loaded are skipped, changed files become draft versions for review."""

from django.db import migrations


def forwards(apps, schema_editor):
    from qinjian.standards.services.loader import load_all

    load_all(lambda name: apps.get_model("standards", name))


class Migration(migrations.Migration):
    dependencies = [("standards", "0003_role_permissions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
