"""Who sent each referral in through the API (``Referral.submitted_by``), filled for
referrals already held from the audit trail: each ``referral.submitted`` event names the
account that sent it (none for a self-referral)."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def from_the_audit_trail(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    Referral = apps.get_model("referrals", "Referral")
    sent = AuditEvent.objects.filter(
        action="referral.submitted", object_type="referrals.referral", actor__isnull=False
    ).values_list("object_id", "actor_id")
    for object_id, actor_id in sent.iterator():
        try:
            public_id = uuid.UUID(object_id)
        except ValueError:
            continue
        Referral.objects.filter(public_id=public_id, submitted_by=None).update(
            submitted_by_id=actor_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_sequence_required"),
        ("referrals", "0011_index_for_figures"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(from_the_audit_trail, migrations.RunPython.noop, elidable=True),
    ]
