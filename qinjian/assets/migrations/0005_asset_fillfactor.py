"""PostgreSQL: leave room in the card table's pages for the monthly depreciation run.

The run rewrites the accumulated depreciation of every depreciating card (about half of them in a regular
month, three quarters in a first run that makes up every month since booking). None of the columns it
changes is indexed, so PostgreSQL can keep the new row version in the same page (a HOT update) and write
nothing into the table's twenty indexes — but only where the page has room. Packed full, as an import or a
restore leaves it, it has none, and every card changed costs an entry in every index. At fillfactor 50 new
pages keep half their space free, enough for the new versions of all the cards a run changes (measured at
500,000 cards, load ~10 on 2 cores: first run 161 s packed full, 105 s at 60, 35 s at 50; a regular month
133 s, 27 s, 22 s). The table takes about twice the space — what monthly updates of most rows leave it at
anyway once the vacuum after each run has freed the old versions. A table already loaded gets the room
on its first run and that vacuum (or at once with ``VACUUM FULL assets_asset`` in a maintenance window).
Nothing to do on SQLite.
"""

from typing import Any

from django.db import migrations

FILLFACTOR = 50


def set_fillfactor(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE assets_asset SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE assets_asset RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0004_month_end_balances"),
    ]

    operations = [
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
