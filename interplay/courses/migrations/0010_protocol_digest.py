"""Each course gets its protocol snapshot's digest (``protocols.snapshot_digest``),
worked out once for each distinct snapshot already stored, so that lists of courses can
find each course's protocol without reading its whole snapshot."""

import hashlib
import json

from django.db import migrations, models


def digest(data):
    # As ``interplay.courses.protocols.snapshot_digest`` computes it, written out here
    # so that a later change there cannot change what this migration did.
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def backfill(apps, schema_editor):
    Course = apps.get_model("courses", "Course")
    snapshots = Course.objects.order_by().values_list("protocol_snapshot", flat=True).distinct()
    for snapshot in list(snapshots):
        Course.objects.filter(protocol_snapshot=snapshot).update(protocol_digest=digest(snapshot))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0009_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="protocol_digest",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
