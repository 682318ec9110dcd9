"""The queue's and waiting lists' rows, written by a tag, read exactly as the template
loops they replaced wrote them: same cells, same escaping, same whitespace."""

import datetime as dt
import uuid

from django.template import Context, Template
from django.test import SimpleTestCase

from interplay.referrals.models import Referral
from interplay.triage.rules import WaitPolicy, wait_standing
from interplay.triage.services import QueueRow, UrgentWait
from interplay.triage.templatetags.triage_rows import queue_rows, waiting_rows

# The loops as queue.html and waiting_list.html wrote them before the tags.
QUEUE_LOOP = Template(
    """{% for row in rows %}{% with referral=row.referral phq=row.phq9 gad=row.gad7 %}
  <tr class="nhsuk-table__row">
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Referral </span><a href="{{ row.url }}">{{ referral.full_name }}</a><br><span class="nhsuk-body-s">{{ referral.reference }}</span></td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Received </span>{{ row.received }}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Days waited </span>{{ row.days_waited }}{% if row.urgent %}{% include "triage/_urgent_wait.html" with wait=row.urgent %}{% endif %}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Risk </span>{% if referral.urgent %}<strong class="nhsuk-tag nhsuk-tag--red">Urgent</strong> {{ row.risk }}{% else %}None flagged{% endif %}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">PHQ-9 </span>{% if phq.complete %}{{ phq.total }} <span class="nhsuk-body-s">{{ phq.band }}</span>{% elif phq %}Incomplete{% else %}Not given{% endif %}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">GAD-7 </span>{% if gad.complete %}{{ gad.total }} <span class="nhsuk-body-s">{{ gad.band }}</span>{% elif gad %}Incomplete{% else %}Not given{% endif %}</td>
  </tr>
  {% endwith %}{% endfor %}"""  # noqa: E501
)
WAITING_LOOP = Template(
    """{% for referral, standing in rows %}
  <tr class="nhsuk-table__row">
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Person </span><a href="{% path_to 'triage:referral' referral.public_id %}">{{ referral.full_name }}</a>{% if referral.urgent %} <strong class="nhsuk-tag nhsuk-tag--red">Urgent</strong>{% endif %}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Referred </span>{{ referral.received_at|date:"j M Y" }}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Days waited </span>{{ standing.days }}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">6 weeks </span>{% if standing.within_6_weeks %}{{ standing.days_left_6_weeks }} days left{% else %}Missed{% endif %}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">18 weeks </span>{% if standing.within_18_weeks %}{{ standing.days_left_18_weeks }} days left{% else %}Missed{% endif %}</td>
    <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Warning </span>{% if standing.warning %}<strong class="nhsuk-tag nhsuk-tag--orange">{{ standing.warning }}</strong>{% else %}None{% endif %}</td>
  </tr>
  {% endfor %}"""  # noqa: E501
)

# Late in the evening in London in summer: a UTC date and a local date differ.
NOW = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)


def referral(first: str, last: str, *, urgent: bool, days: int) -> Referral:
    return Referral(
        public_id=uuid.uuid4(),
        reference=f"R-<{first}>",
        first_name=first,
        last_name=last,
        urgent=urgent,
        received_at=NOW - dt.timedelta(days=days, hours=1),
    )


def queue_row(found: Referral, phq9: object, gad7: object, wait: UrgentWait | None) -> QueueRow:
    return QueueRow(
        referral=found,
        url=f"/triage/referrals/{found.public_id}/?a=1&b=<2>",
        received_on=found.received_at.date(),
        received=found.received_at.strftime("%d %b %Y"),
        days_waited=(NOW - found.received_at).days,
        risk="Question 9 answered above 'Not at all' & more" if found.urgent else "",
        phq9=phq9,
        gad7=gad7,
        urgent=wait,
    )


class RowMarkupTests(SimpleTestCase):
    def test_queue_rows_read_as_the_template_wrote_them(self) -> None:
        def wait(working_days: int, overdue: bool) -> UrgentWait:
            return UrgentWait("3 days, <2> hours", NOW, overdue, working_days)

        rows = [
            queue_row(
                referral("Ann", "O'Neil", urgent=True, days=3),
                {"total": 18, "band": "Moderately severe", "complete": True},
                {"total": 7, "band": "<Mild>", "complete": 1},
                wait(1, True),
            ),
            queue_row(
                referral("Bo & Co", "<Smith>", urgent=True, days=0),
                {"total": None, "band": "", "complete": False},
                None,
                wait(2, False),
            ),
            queue_row(
                referral("Cy", "Lee", urgent=False, days=1200),
                None,
                {"total": 0, "band": "Minimal", "complete": True},
                None,
            ),
            queue_row(referral("Di", "Ng", urgent=True, days=5), None, None, wait(3, True)),
        ]
        expected = QUEUE_LOOP.render(Context({"rows": rows}))
        self.assertIn("Incomplete", expected)
        self.assertIn("working days", expected)
        self.assertEqual(queue_rows(rows), expected)
        self.assertEqual(queue_rows([]), QUEUE_LOOP.render(Context({"rows": []})))

    def test_waiting_rows_read_as_the_template_wrote_them(self) -> None:
        rows = [
            (found, wait_standing(found.received_at.date(), NOW.date(), policy))
            for found, policy in [
                (referral("Ann", "O'Neil", urgent=True, days=3), WaitPolicy()),
                (referral("Bo & Co", "<Smith>", urgent=False, days=40), WaitPolicy(False, 7)),
                (referral("Cy", "Lee", urgent=False, days=100), WaitPolicy()),
                (referral("Di", "Ng", urgent=False, days=1300), WaitPolicy(True, 14)),
            ]
        ]
        expected = WAITING_LOOP.render(Context({"rows": rows}))
        self.assertIn("Missed", expected)
        self.assertIn("standard soon", expected)
        self.assertEqual(waiting_rows(rows), expected)
