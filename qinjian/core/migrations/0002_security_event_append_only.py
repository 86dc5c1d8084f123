"""The security-event table refuses UPDATE and DELETE at the database level (both vendors)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS core_securityevent_no_update BEFORE UPDATE ON core_securityevent
       BEGIN SELECT RAISE(ABORT, 'security events are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS core_securityevent_no_delete BEFORE DELETE ON core_securityevent
       BEGIN SELECT RAISE(ABORT, 'security events are append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_securityevent_no_update;",
    "DROP TRIGGER IF EXISTS core_securityevent_no_delete;",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_securityevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'security events are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_securityevent_no_change BEFORE UPDATE OR DELETE ON core_securityevent
       FOR EACH ROW EXECUTE FUNCTION core_securityevent_append_only();""",
    """CREATE TRIGGER core_securityevent_no_truncate BEFORE TRUNCATE ON core_securityevent
       FOR EACH STATEMENT EXECUTE FUNCTION core_securityevent_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_securityevent_no_change ON core_securityevent;",
    "DROP TRIGGER IF EXISTS core_securityevent_no_truncate ON core_securityevent;",
    "DROP FUNCTION IF EXISTS core_securityevent_append_only();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    if schema_editor.connection.vendor not in {"postgresql", "sqlite"}:
        return
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    if schema_editor.connection.vendor not in {"postgresql", "sqlite"}:
        return
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
