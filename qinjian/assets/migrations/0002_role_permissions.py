"""Asset rights for the built-in roles of an existing installation.

On a fresh installation the roles are created after migrate from accounts/data/roles.json, which
carries the same rights. Here the assets.* rights listed in that file are added to built-in roles
that already exist (nothing else is touched).
"""

import fnmatch
import json
from pathlib import Path

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES_FILE = Path(__file__).resolve().parents[2] / "accounts" / "data" / "roles.json"


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("assets")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("accounts", "Role")
    perms = {f"assets.{p.codename}": p for p in Permission.objects.filter(content_type__app_label="assets")}
    for spec in json.loads(ROLES_FILE.read_text(encoding="utf-8"))["roles"]:
        patterns = [p for p in spec.get("permissions", []) if p.startswith("assets.")]
        wanted = [perm for name, perm in perms.items() if any(fnmatch.fnmatchcase(name, p) for p in patterns)]
        role = Role.objects.filter(code=spec["code"], is_builtin=True).first()
        if role is not None and wanted:
            role.permissions.add(*wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0001_initial"),
        ("accounts", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
