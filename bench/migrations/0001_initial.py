from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="BareRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("field_1", models.CharField(max_length=100)),
                ("field_2", models.CharField(max_length=100)),
                ("field_3", models.CharField(max_length=100)),
                ("field_4", models.CharField(max_length=100)),
                ("field_5", models.CharField(max_length=100)),
                ("field_6", models.CharField(max_length=100)),
                ("field_7", models.CharField(max_length=100)),
                ("field_8", models.CharField(max_length=100)),
                ("field_9", models.CharField(max_length=100)),
                ("field_10", models.CharField(max_length=100)),
            ],
        ),
    ]
