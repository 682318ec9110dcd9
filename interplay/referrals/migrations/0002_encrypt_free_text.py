# Free-text clinical fields become encrypted at rest (interplay.lib.encrypted).
#
# The existing text is encrypted while the fields are still plain TextFields (so the
# historical model writes the tokens as they are), then the fields change type; the
# columns stay text. Backwards, the fields turn plain first and the tokens are decrypted.
# Both directions need the keys in INTERPLAY_ENCRYPTION_KEYS (or the key file).

from django.db import migrations

import interplay.lib.encrypted
from interplay.lib.crypto import decrypt_text, encrypt_text

FIELDS = (
    "main_difficulties",
    "relationships_affected",
    "hoped_change",
    "substance_detail",
    "other_services",
)


def convert(apps, convert_one, batch_size=500):
    # Whole batches by primary key, never a cursor held open across the writes: SQLite
    # does not isolate a running SELECT from the same connection's UPDATEs.
    Referral = apps.get_model("referrals", "Referral")
    rows = Referral._default_manager.order_by("pk").only(*FIELDS)
    batch = list(rows[:batch_size])
    while batch:
        for referral in batch:
            for name in FIELDS:
                setattr(referral, name, convert_one(getattr(referral, name)))
        Referral._default_manager.bulk_update(batch, FIELDS)
        batch = list(rows.filter(pk__gt=batch[-1].pk)[:batch_size])


def encrypt_existing(apps, schema_editor):
    convert(apps, encrypt_text)


def decrypt_existing(apps, schema_editor):
    convert(apps, decrypt_text)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AlterField(
            model_name="referral",
            name="main_difficulties",
            field=interplay.lib.encrypted.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="referral",
            name="relationships_affected",
            field=interplay.lib.encrypted.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="referral",
            name="hoped_change",
            field=interplay.lib.encrypted.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="referral",
            name="substance_detail",
            field=interplay.lib.encrypted.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="referral",
            name="other_services",
            field=interplay.lib.encrypted.EncryptedTextField(blank=True),
        ),
    ]
