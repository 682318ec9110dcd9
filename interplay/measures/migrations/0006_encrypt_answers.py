"""Encrypt the questionnaire answers written before the field was encrypted.

The previous migration made the column text; this one turns each plain JSON value in it
into a token under the newest key. Reversing writes the plain JSON back.
"""

from typing import Any

from django.db import migrations

from interplay.lib.encrypted import decrypt_column_in_place, encrypt_column_in_place


def encrypt(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("measures", "questionnaireresponse")
    encrypt_column_in_place(schema_editor, model._meta.db_table, "answers")


def decrypt(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("measures", "questionnaireresponse")
    decrypt_column_in_place(schema_editor, model._meta.db_table, "answers")


class Migration(migrations.Migration):
    dependencies = [("measures", "0005_alter_questionnaireresponse_answers")]

    operations = [migrations.RunPython(encrypt, decrypt)]
