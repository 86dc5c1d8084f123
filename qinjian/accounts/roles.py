"""Built-in roles, created on first migrate from data/roles.json."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

ROLES_FILE = Path(__file__).parent / "data" / "roles.json"


def default_roles() -> list[dict[str, Any]]:
    return json.loads(ROLES_FILE.read_text(encoding="utf-8"))["roles"]


def resolve_permissions(patterns: list[str]) -> list[Any]:
    from django.contrib.auth.models import Permission

    everything = list(Permission.objects.select_related("content_type"))
    chosen = []
    for perm in everything:
        name = f"{perm.content_type.app_label}.{perm.codename}"
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            chosen.append(perm)
    return chosen


def sync_default_roles(sender: Any = None, using: str = "default", verbosity: int = 0, **kwargs: Any) -> None:
    from .models import Role

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for spec in default_roles():
        role, created = Role.objects.using(using).get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "kind": spec["kind"],
                "admin_kind": spec.get("admin_kind", ""),
                "description": spec.get("description", ""),
                "default_scope": spec["default_scope"],
                "requires_mfa": spec.get("requires_mfa", False),
                "is_builtin": True,
                "sort_order": spec.get("sort", 0),
            },
        )
        # The 三员 roles are fixed by the product, so an upgrade also corrects their rights.
        if created or spec.get("admin_kind"):
            role.permissions.set(resolve_permissions(spec["permissions"]))
