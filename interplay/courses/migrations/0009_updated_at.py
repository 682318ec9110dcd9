"""Courses and sessions get a change time (``updated_at``), backfilled from what the rows
already say, so a client polling for changes does not see every old row as new."""

from django.db import migrations, models
from django.db.models import Case, F, Max, OuterRef, Subquery, When
from django.db.models.functions import Coalesce, Greatest, Least, Now

BOOKED = "booked"
NOT_NEEDED = "not_needed"


def backfill(apps, schema_editor):
    """A session: when it was booked (its course's start) while still booked; when its
    course ended for one no longer needed; otherwise when it was recorded, taken as its
    start (never later than now, never before it was booked). A course: its end, else its
    start, or the latest change to one of its sessions if that is later."""
    Course = apps.get_model("courses", "Course")
    Appointment = apps.get_model("courses", "Appointment")
    course = Course.objects.filter(pk=OuterRef("course_id"))
    started = Subquery(course.values("started_at")[:1])
    ended = Subquery(course.values("ended_at")[:1])
    Appointment.objects.update(
        updated_at=Case(
            When(status=BOOKED, then=started),
            When(status=NOT_NEEDED, then=Coalesce(ended, started)),
            default=Greatest(Least(F("starts_at"), Now()), started),
        )
    )
    latest = (
        Appointment.objects.filter(course_id=OuterRef("pk"))
        .order_by()
        .values("course_id")
        .annotate(top=Max("updated_at"))
        .values("top")[:1]
    )
    own = Coalesce(F("ended_at"), F("started_at"))
    Course.objects.update(updated_at=Greatest(own, Coalesce(Subquery(latest), own)))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0008_appointment_shared"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="updated_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="appointment",
            name="updated_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="course",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True),
        ),
    ]
