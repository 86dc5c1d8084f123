from django.db import migrations


def forwards(apps, schema_editor):
    from qinjian.org.ranks import load_ranks

    load_ranks(apps.get_model("org", "Rank"))


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
