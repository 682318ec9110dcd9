"""The course page's sessions table and sessions-to-resolve list, written by tags, read
exactly as the template loops they replaced wrote them."""

import datetime as dt
import uuid
from types import SimpleNamespace

from django.template import Context, Template
from django.test import SimpleTestCase
from django.utils import translation

from interplay.courses.models import Appointment, AppointmentStatus
from interplay.courses.templatetags.course_rows import (
    session_rows,
    session_time,
    unresolved_items,
)

SESSIONS_LOOP = Template(
    """{% for appointment, phase in sessions %}
  <tr class="nhsuk-table__row"><td class="nhsuk-table__cell"><a href="{% path_to 'courses:session' appointment.public_id %}">{{ appointment.number }} of {{ course.planned_sessions }}</a></td><td class="nhsuk-table__cell">{{ phase.name }} phase</td><td class="nhsuk-table__cell">{{ appointment.starts_at|date:"D j M Y, H:i" }}</td><td class="nhsuk-table__cell">{{ appointment.get_status_display }}</td></tr>
  {% endfor %}"""  # noqa: E501
)
UNRESOLVED_LOOP = Template(
    """{% for appointment in unresolved %}<li><a href="{% path_to 'courses:session' appointment.public_id %}">Session {{ appointment.number }}, {{ appointment.starts_at|date:"D j M Y, H:i" }}</a></li>{% endfor %}"""  # noqa: E501
)


def appointment(number: int, starts_at: dt.datetime, status: str) -> Appointment:
    return Appointment(public_id=uuid.uuid4(), number=number, starts_at=starts_at, status=status)


# Either side of the clocks changing in London, midnight and noon, a leap day.
MOMENTS = [
    dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC),
    dt.datetime(2028, 2, 29, 12, 5, tzinfo=dt.UTC),
    dt.datetime(2026, 7, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
]


class CourseRowMarkupTests(SimpleTestCase):
    def test_session_times_read_as_the_date_filter_writes_them(self) -> None:
        date = Template('{{ at|date:"D j M Y, H:i" }}')
        for language in ("en-gb", "cy"):
            with translation.override(language):
                for moment in [*MOMENTS, *(MOMENTS[0] + dt.timedelta(days=n) for n in range(12))]:
                    self.assertEqual(
                        session_time(moment), date.render(Context({"at": moment})), moment
                    )

    def test_sessions_rows_read_as_the_template_wrote_them(self) -> None:
        phases = ["Initial", "Middle", "Middle & <more>", "Ending"]
        # Each status, and one no longer among them (shown as stored, escaped).
        states = [*AppointmentStatus.values, "<withdrawn>"]
        sessions = [
            (
                appointment(n, MOMENTS[n % len(MOMENTS)], state),
                SimpleNamespace(name=phases[n % len(phases)]),
            )
            for n, state in enumerate(states, start=1)
        ]
        expected = SESSIONS_LOOP.render(
            Context({"sessions": sessions, "course": {"planned_sessions": 16}})
        )
        self.assertIn("Did not attend", expected)
        self.assertIn("&lt;withdrawn&gt;", expected)
        self.assertEqual(session_rows(sessions, 16), expected)

    def test_sessions_to_resolve_read_as_the_template_wrote_them(self) -> None:
        unresolved = [appointment(n, moment, "Booked") for n, moment in enumerate(MOMENTS)]
        expected = UNRESOLVED_LOOP.render(Context({"unresolved": unresolved}))
        self.assertEqual(unresolved_items(unresolved), expected)
        self.assertEqual(unresolved_items([]), "")
