"""An administrator says when a qualification lapses, where qualifications are granted."""

import datetime as dt

from django.urls import reverse

from interplay.accounts.models import ClinicianProfile, Qualification
from interplay.accounts.roles import Role
from interplay.accounts.tests.test_admin import profile_form
from interplay.audit.models import AuditEvent
from interplay.test import BaseTestCase, make_user


class QualificationExpiryAdminTests(BaseTestCase):
    def setUp(self) -> None:
        self.newcomer = make_user("newcomer", Role.THERAPIST)
        self.sign_in(self.admin)

    def test_a_lapse_date_given_with_the_grant_and_changed_later_is_audited(self) -> None:
        data = profile_form(self.newcomer.pk, 0, "ipt") | {
            "qualifications-0-expires_on": "2027-03-31"
        }
        response = self.client.post(reverse("admin:accounts_clinicianprofile_add"), data)
        self.assertEqual(response.status_code, 302)
        qualification = Qualification.objects.get(profile__user=self.newcomer)
        self.assertEqual(qualification.expires_on, dt.date(2027, 3, 31))
        granted = AuditEvent.objects.by_action("qualification.granted").get()
        self.assertEqual(granted.detail, {"modality": "ipt", "expires_on": "2027-03-31"})

        profile = ClinicianProfile.objects.get(user=self.newcomer)
        change = reverse("admin:accounts_clinicianprofile_change", args=[profile.pk])
        renewed = data | {
            "qualifications-INITIAL_FORMS": "1",
            "qualifications-0-id": str(qualification.pk),
            "qualifications-0-profile": str(profile.pk),
            "qualifications-0-expires_on": "2028-03-31",
        }
        self.assertEqual(self.client.post(change, renewed).status_code, 302)
        qualification.refresh_from_db()
        self.assertEqual(qualification.expires_on, dt.date(2028, 3, 31))
        changed = AuditEvent.objects.by_action("qualification.expiry_set").get()
        self.assertEqual(
            (changed.actor, changed.detail),
            (self.admin, {"modality": "ipt", "before": "2027-03-31", "after": "2028-03-31"}),
        )
