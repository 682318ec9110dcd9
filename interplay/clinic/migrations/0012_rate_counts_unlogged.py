"""On PostgreSQL, the rate-limit counters are kept in an unlogged table: a count written
on every public form and every API request then waits for no write-ahead log flush. A
database server that crashes empties the table, which only starts every rate window
afresh; a streaming replica does not carry it (nothing reads it there), so a failover to
the replica starts them afresh too."""

from django.db import migrations

TABLE = "interplay_rate_count"


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0011_servicesettings_group_minimum_members"),
    ]

    operations = [migrations.RunPython(unlogged, logged)]
