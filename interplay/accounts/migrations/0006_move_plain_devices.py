"""Move django-otp's readable devices into Interplay's own, then drop django-otp's tables.

django-otp's TOTPDevice kept each authenticator key as plain hex and its StaticToken each
backup code as plain text. Keys move into AuthenticatorApp (encrypted, like the notes) and
codes into BackupCode (Argon2 hashes); the old tables are then dropped so no readable copy
stays in the database. Those apps are no longer installed, so their tables are read with
SQL, and only where they exist (a database made after this change never had them).

Going back does not restore the old rows (only hashes of the codes exist): staff would set
up their app again.
"""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

TOTP_TABLE = "otp_totp_totpdevice"
STATIC_DEVICE_TABLE = "otp_static_staticdevice"
STATIC_TOKEN_TABLE = "otp_static_statictoken"
OLD_APPS = ["otp_totp", "otp_static"]
APP_COLUMNS = ["user_id", "name", "confirmed", "key", "step", "t0", "digits", "tolerance", "drift", "last_t"]


def _rows(cursor, connection, table, columns):
    quote = connection.ops.quote_name
    cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)}")
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def move_apps(apps, cursor, connection):
    AuthenticatorApp = apps.get_model("accounts", "AuthenticatorApp")
    for row in _rows(cursor, connection, TOTP_TABLE, APP_COLUMNS):
        AuthenticatorApp.objects.create(**{**row, "confirmed": bool(row["confirmed"])})


def move_codes(apps, cursor, connection):
    from interplay.accounts.models import BACKUP_HASHER

    BackupCodes = apps.get_model("accounts", "BackupCodes")
    BackupCode = apps.get_model("accounts", "BackupCode")
    tokens = {}
    for row in _rows(cursor, connection, STATIC_TOKEN_TABLE, ["device_id", "token"]):
        tokens.setdefault(row["device_id"], []).append(row["token"])
    for row in _rows(cursor, connection, STATIC_DEVICE_TABLE, ["id", "user_id", "name", "confirmed"]):
        device = BackupCodes.objects.create(
            user_id=row["user_id"], name=row["name"], confirmed=bool(row["confirmed"])
        )
        BackupCode.objects.bulk_create(
            BackupCode(device=device, hash=BACKUP_HASHER.encode(code.lower(), BACKUP_HASHER.salt()))
            for code in tokens.get(row["id"], [])
        )


def move_devices(apps, schema_editor):
    connection = schema_editor.connection
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if TOTP_TABLE in existing:
            move_apps(apps, cursor, connection)
        if {STATIC_DEVICE_TABLE, STATIC_TOKEN_TABLE} <= existing:
            move_codes(apps, cursor, connection)
    old = [t for t in (STATIC_TOKEN_TABLE, STATIC_DEVICE_TABLE, TOTP_TABLE) if t in existing]
    for table in old:
        schema_editor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    if old:
        # The apps are gone with their tables: were they ever installed again, they start afresh.
        MigrationRecorder(connection).migration_qs.filter(app__in=OLD_APPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_second_factor_devices"),
    ]

    operations = [
        migrations.RunPython(move_devices, migrations.RunPython.noop),
    ]
