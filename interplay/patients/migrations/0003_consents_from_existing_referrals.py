"""Give every referral that arrived before consent records its two consents.

As a new self-referral records them: consent to the referral and to contact with the GP,
as answered on the form, recorded when the referral arrived.
"""

from django.db import migrations


def record(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Consent = apps.get_model("patients", "Consent")
    # Only these columns: the referral's encrypted answers are never read here.
    rows = (
        Referral.objects.filter(patient__isnull=False)
        .order_by("received_at", "id")
        .values_list("patient_id", "received_at", "consent_to_referral", "consent_to_gp_contact")
    )
    for patient_id, received_at, to_referral, to_gp in rows.iterator():
        for kind, given in (("referral", to_referral), ("gp_contact", to_gp)):
            Consent.objects.create(
                patient_id=patient_id,
                kind=kind,
                given=given,
                recorded_at=received_at,
                source="self_referral",
            )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_consent"),
        ("referrals", "0004_link_existing_referrals_to_patients"),
    ]

    operations = [migrations.RunPython(record, migrations.RunPython.noop)]
