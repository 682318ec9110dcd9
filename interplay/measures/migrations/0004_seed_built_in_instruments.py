"""Seed the stored definitions with the built-in PHQ-9 and GAD-7 (version 1)."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from interplay.measures.instruments import BUILT_IN, to_dict

    definitions = apps.get_model("measures", "InstrumentDefinition")
    for instrument in BUILT_IN.values():
        definitions.objects.get_or_create(
            code=instrument.code,
            version=instrument.version,
            defaults={"definition": to_dict(instrument), "source": "built_in", "active": True},
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("measures", "InstrumentDefinition").objects.filter(source="built_in").delete()


class Migration(migrations.Migration):
    dependencies = [("measures", "0003_instrument_definition")]

    operations = [migrations.RunPython(seed, unseed)]
