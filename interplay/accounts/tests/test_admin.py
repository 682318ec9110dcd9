"""Administrators manage staff in /admin/; the rules and the audit still apply there."""

from django.urls import reverse

from interplay.accounts.models import ClinicianProfile
from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.test import BaseTestCase, make_user


def profile_form(user_pk: int, hours: int, modality: str) -> dict[str, object]:
    return {
        "user": user_pk,
        "registration_body": "bacp",
        "registration_number": "B-1234",
        "psychodynamic_supervised_hours": hours,
        "caseload_capacity": 12,
        "supervisor": "",
        "qualifications-TOTAL_FORMS": "1",
        "qualifications-INITIAL_FORMS": "0",
        "qualifications-MIN_NUM_FORMS": "0",
        "qualifications-MAX_NUM_FORMS": "1000",
        "qualifications-0-modality": modality,
        "qualifications-0-profile": "",
        "qualifications-0-id": "",
    }


class ClinicianAdminTests(BaseTestCase):
    def setUp(self) -> None:
        self.newcomer = make_user("newcomer", Role.THERAPIST)
        self.sign_in(self.admin)
        self.url = reverse("admin:accounts_clinicianprofile_add")

    def test_dit_without_the_hours_is_refused_beside_the_field(self) -> None:
        response = self.client.post(self.url, profile_form(self.newcomer.pk, 120, "dit"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "DIT needs a psychodynamic background of at least 150")
        self.assertFalse(ClinicianProfile.objects.filter(user=self.newcomer).exists())

    def test_dit_with_the_hours_is_granted_through_the_service(self) -> None:
        response = self.client.post(self.url, profile_form(self.newcomer.pk, 150, "dit"))
        self.assertEqual(response.status_code, 302)
        profile = ClinicianProfile.objects.get(user=self.newcomer)
        self.assertEqual(profile.modalities, {"dit"})
        granted = AuditEvent.objects.by_action("qualification.granted").get()
        self.assertEqual((granted.actor, granted.detail), (self.admin, {"modality": "dit"}))
        self.assertTrue(AuditEvent.objects.by_action("clinician_profile.saved").exists())

    def test_a_new_staff_account_is_audited_without_its_password(self) -> None:
        response = self.client.post(
            reverse("admin:accounts_user_add"),
            {
                "username": "newstarter",
                "password1": "a-long-unusual-phrase-7",
                "password2": "a-long-unusual-phrase-7",
                "usable_password": "true",
                "role_assignments-TOTAL_FORMS": "0",
                "role_assignments-INITIAL_FORMS": "0",
                "role_assignments-MIN_NUM_FORMS": "0",
                "role_assignments-MAX_NUM_FORMS": "1000",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        event = AuditEvent.objects.by_action("user.created").get()
        self.assertEqual(event.actor, self.admin)
        self.assertNotIn("a-long-unusual-phrase-7", str(event.detail))
        self.assertIn("password", event.detail["fields"])
