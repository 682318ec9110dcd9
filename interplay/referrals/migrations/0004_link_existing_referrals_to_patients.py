"""Give every referral that arrived before patient records a patient record.

The same matching as new referrals: the same NHS number, or the same name and birth date.
"""

from django.db import migrations

IDENTITY = (
    "first_name", "last_name", "date_of_birth", "nhs_number", "address_line_1",
    "address_line_2", "town", "postcode", "phone", "email", "gp_practice", "gp_address",
)


def link(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Patient = apps.get_model("patients", "Patient")
    by_nhs: dict = {}
    by_name: dict = {}
    for referral in Referral.objects.filter(patient__isnull=True).order_by("received_at", "id"):
        name_key = (referral.first_name.lower(), referral.last_name.lower(), referral.date_of_birth)
        patient = (by_nhs.get(referral.nhs_number) if referral.nhs_number else None) or by_name.get(name_key)
        if patient is None:
            patient = Patient.objects.create(**{f: getattr(referral, f) for f in IDENTITY})
        if referral.nhs_number:
            by_nhs[referral.nhs_number] = patient
        by_name[name_key] = patient
        referral.patient = patient
        referral.save(update_fields=["patient"])


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_referral_patient"),
        ("patients", "0001_initial"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
