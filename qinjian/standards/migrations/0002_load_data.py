"""Load the shipped reference standards, the GB/T 14885-2022 classes and the legacy-code mappings."""

from django.db import migrations


def forwards(apps, schema_editor):
    from qinjian.standards.services.loader import load_all

    load_all(lambda name: apps.get_model("standards", name))


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
