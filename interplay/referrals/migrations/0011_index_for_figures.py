import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0010_referral_source"),
    ]

    operations = [
        migrations.AlterField(
            model_name="referral",
            name="received_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(
                fields=["received_at", "source", "id"], name="referral_received_source"
            ),
        ),
    ]
