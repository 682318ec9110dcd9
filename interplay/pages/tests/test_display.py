"""Values as people read them: no ISO timestamps, no "+447...", no "None" on any page."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from interplay.audit.services import record
from interplay.patients.tests import pdf_text
from interplay.test import BaseTestCase, make_referral

# Europe/London: 14:05 GMT on 2 December 2026.
AFTERNOON = dt.datetime(2026, 12, 2, 14, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("template", "value", "shown"),
    [
        ("{{ v|when }}", AFTERNOON, "2 December 2026, 14:05"),
        ("{{ v|when }}", "2026-12-02T14:05:00+00:00", "2 December 2026, 14:05"),
        ("{{ v|when }}", dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC), "1 July 2026, 10:00"),
        ("{{ v|when }}", None, "Not given"),
        ("{{ v|when:'Never' }}", "", "Never"),
        ("{{ v|day }}", dt.date(1990, 5, 17), "17 May 1990"),
        ("{{ v|day }}", "1990-05-17", "17 May 1990"),
        ("{{ v|day }}", None, "Not given"),
        ("{{ v|deadline:'D j M' }}", AFTERNOON, "Wed 2 Dec, 14:05"),
        # Midnight closes the day before: a deadline counted from a weekend.
        (
            "{{ v|deadline:'D j M' }}",
            dt.datetime(2026, 12, 8, 0, 0, tzinfo=dt.UTC),
            "the end of Mon 7 Dec",
        ),
        # Midnight in the service's time zone (BST), not in UTC.
        (
            "{{ v|deadline }}",
            dt.datetime(2026, 7, 7, 23, 0, tzinfo=dt.UTC),
            "the end of 7 July 2026",
        ),
        ("{{ v|deadline }}", dt.datetime(2026, 7, 8, 0, 0, tzinfo=dt.UTC), "8 July 2026, 01:00"),
        ("{{ v|deadline }}", None, "Not given"),
        ("{{ v|phone }}", "+447700900123", "07700 900123"),
        ("{{ v|phone }}", "+33123456789", "+33 1 23 45 67 89"),
        ("{{ v|phone }}", "call after 6", "call after 6"),
        ("{{ v|phone }}", "", "Not given"),
        ("{{ v|phone:'Not known' }}", None, "Not known"),
        ("{{ v|or_not_given }}", None, "Not given"),
        ("{{ v|or_not_given }}", "  ", "Not given"),
        ("{{ v|or_not_given }}", 0, "0"),
        ("{{ v|or_not_given:'None chosen' }}", "", "None chosen"),
        ("{{ v|readable }}", False, "No"),
        ("{{ v|readable }}", "2026-12-02", "2 December 2026"),
        ("{{ v|readable }}", "+441134960000", "0113 496 0000"),
        ("{{ v|readable }}", None, "Not given"),
        ("{{ v|readable }}", "Low mood", "Low mood"),
    ],
)
def test_each_value_is_shown_in_words(template: str, value: object, shown: str) -> None:
    assert Template(template).render(Context({"v": value})) == shown


ISO = re.compile(r"\d{4}-\d\d-\d\d(T|\s\d\d:)")
# Python's None as a whole value ("None flagged" and "None or minimal" are words).
NONE = re.compile(r">\s*None\.?\s*<|:\s*None\b|=None\b")


def visible_text(html: str) -> str:
    """The words a person sees: no tags, scripts or attribute values."""
    return " ".join(re.sub(r"<[^>]*>", " ", html).split())


class NoMachineValuesTests(BaseTestCase):
    """A referral with every optional answer left empty, looked at on every page."""

    def setUp(self) -> None:
        self.referral = make_referral(
            email="", nhs_number="", address_line_2="", gp_address="", phone="+447700900123"
        )
        record(
            actor=self.triage,
            action="referral.note",
            obj=self.referral,
            detail={"at": timezone.now().isoformat(), "phone": "+447700900123", "by": None},
        )

    def assert_readable(self, html: str, where: str) -> None:
        text = visible_text(html)
        self.assertIsNone(ISO.search(text), f"an ISO timestamp on {where}")
        self.assertNotIn("+447", text, f"an E.164 number on {where}")
        self.assertIsNone(NONE.search(html), f"'None' on {where}")

    def test_staff_pages_show_dates_numbers_and_gaps_in_words(self) -> None:
        assert self.referral.patient is not None
        pages = [
            (self.triage, reverse("triage:queue"), False),
            (self.triage, reverse("triage:referral", args=[self.referral.public_id]), True),
            (self.triage, reverse("referrals:detail", args=[self.referral.public_id]), True),
            (self.admin, reverse("patients:detail", args=[self.referral.patient.public_id]), True),
            (self.admin, reverse("audit:events"), False),
        ]
        for user, url, shows_phone in pages:
            with self.subTest(url=url):
                self.sign_in(user)
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                html = response.content.decode()
                self.assert_readable(html, url)
                if shows_phone:
                    self.assertIn("07700 900123", visible_text(html))

    def test_the_subject_access_pdf_shows_them_in_words(self) -> None:
        assert self.referral.patient is not None
        self.sign_in(self.admin)
        url = reverse("patients:export_pdf", args=[self.referral.patient.public_id])
        text = pdf_text(self.client.get(url).content)
        self.assertIsNone(ISO.search(text))
        self.assertNotIn("+447", text)
        self.assertIn("Phone 07700 900123", text)
        self.assertIn("Email Not given", text)
