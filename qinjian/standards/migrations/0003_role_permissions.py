"""Standards rights for the built-in roles of an existing installation.

Every built-in role may view the standards; the system administrator (sysadmin) adds and changes
versions. On a fresh installation the roles do not exist yet when this runs: they are created after
migrate from accounts/data/roles.json, which carries the same rights (and re-applies them to the
三员 roles on every migrate).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_standardtable", "view_standardversion", "view_standardrow", "view_assetclass",
        "view_legacyclassmapping"]
SYSADMIN = ["add_standardversion", "change_standardversion"]


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("standards")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("accounts", "Role")
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="standards")}
    # The security and audit administrators see no business or configuration data (三员 separation).
    for role in Role.objects.filter(is_builtin=True).exclude(admin_kind__in=["security", "audit"]):
        role.permissions.add(*(perms[c] for c in VIEW))
        if role.code == "sysadmin":
            role.permissions.add(*(perms[c] for c in SYSADMIN))


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0002_load_data"),
        ("accounts", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
