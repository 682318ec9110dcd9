"""Each referral triage offered therapy keeps the modality offered (its waiting list) on
itself; the decisions' index that found it is no longer read."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_offered_modality(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    TriageDecision = apps.get_model("triage", "TriageDecision")
    offered = TriageDecision.objects.exclude(modality="")
    Referral.objects.filter(pk__in=offered.values("referral")).update(
        offered_modality=Subquery(offered.filter(referral=OuterRef("pk")).values("modality"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0007_index_waiting_lists"),
        ("referrals", "0014_offered_modality"),
    ]

    operations = [
        migrations.RunPython(copy_offered_modality, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(
            model_name="triagedecision",
            name="decision_modality",
        ),
    ]
