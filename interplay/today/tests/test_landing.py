"""Where each member of staff lands, and the remembered choice of a person with several roles."""

from django.urls import reverse

from interplay.accounts.models import User
from interplay.accounts.roles import SYSTEM_ROLES, Role
from interplay.audit.models import AuditEvent
from interplay.lib.errors import PermissionDenied
from interplay.test import BaseTestCase, make_user
from interplay.today import services
from interplay.today.landing import FIRST_SCREENS, first_screen
from interplay.today.models import FirstScreenChoice


class LandingTests(BaseTestCase):
    def landing_of(self, user: object) -> str:
        self.sign_in(user)  # type: ignore[arg-type]
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 302)
        return str(response["Location"])

    def test_each_role_lands_on_its_own_first_screen(self) -> None:
        self.assertEqual(self.landing_of(self.therapist), "/today/therapist/")
        self.assertEqual(self.landing_of(self.triage), "/today/triage/")
        self.assertEqual(self.landing_of(self.admin), "/today/administrator/")
        self.assertEqual(self.landing_of(self.manager), "/reports/")
        self.assertEqual(self.landing_of(make_user("sup", Role.SUPERVISOR)), "/supervision/")

    def test_every_role_has_a_first_screen(self) -> None:
        self.assertEqual(set(FIRST_SCREENS), set(Role) - SYSTEM_ROLES)

    def test_the_public_still_sees_the_start_page(self) -> None:
        response = self.client.get(reverse("home"))
        self.assertContains(response, "Refer yourself")

    def test_without_the_second_factor_home_does_not_open_a_clinical_screen(self) -> None:
        self.sign_in(self.therapist, second_factor=False)
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "/today/therapist/")

    def test_a_person_with_several_roles_starts_on_the_first_until_they_choose(self) -> None:
        # The supervisor persona is a therapist too: the day's clinical work comes first.
        self.assertEqual(self.landing_of(self.supervisor), "/today/therapist/")
        response = self.client.post(reverse("today:screens"), {"role": "supervisor"})
        self.assertRedirects(response, "/supervision/", fetch_redirect_response=False)
        self.client.logout()
        self.assertEqual(self.landing_of(self.supervisor), "/supervision/")
        event = AuditEvent.objects.filter(action="today.first_screen_chosen").get()
        self.assertEqual((event.actor, event.detail), (self.supervisor, {"role": "supervisor"}))

    def test_a_role_given_up_no_longer_decides_the_landing(self) -> None:
        services.choose_first_screen(actor=self.supervisor, role=Role.SUPERVISOR)
        self.supervisor.role_assignments.filter(role=Role.SUPERVISOR).delete()
        again = User.objects.get(pk=self.supervisor.pk)  # roles are read once per object
        self.assertEqual(first_screen(again).url, "/today/therapist/")  # type: ignore[union-attr]

    def test_no_one_chooses_a_screen_of_a_role_they_do_not_hold(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.choose_first_screen(actor=self.therapist, role=Role.ADMINISTRATOR)
        self.sign_in(self.therapist)
        response = self.client.post(reverse("today:screens"), {"role": "administrator"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Choose one of your own screens", status_code=400)
        self.assertFalse(FirstScreenChoice.objects.exists())

    def test_the_header_offers_today_and_several_screens_their_chooser(self) -> None:
        self.sign_in(self.supervisor)
        page = self.client.get(reverse("today:therapist"))
        self.assertContains(page, '<a href="/">Today</a>', html=True)
        self.assertContains(page, "My screens")
        self.assertContains(page, "Start my day on")
        self.sign_in(self.therapist)
        page = self.client.get(reverse("today:therapist"))
        self.assertContains(page, '<a href="/">Today</a>', html=True)
        self.assertNotContains(page, "My screens")
        self.assertNotContains(page, "Start my day on")

    def test_the_screens_page_lists_mine_and_needs_a_signed_in_member_of_staff(self) -> None:
        response = self.client.get(reverse("today:screens"))
        self.assertIn(reverse("accounts:login"), response["Location"])
        self.sign_in(self.supervisor)
        response = self.client.get(reverse("today:screens"))
        self.assertContains(response, "Supervision")
        self.assertContains(response, "My day")
        self.assertNotContains(response, "Triage day")

    def test_the_chooser_marks_the_screen_remembered_not_the_one_open(self) -> None:
        services.choose_first_screen(actor=self.supervisor, role=Role.SUPERVISOR)
        self.sign_in(self.supervisor)
        page = self.client.get(reverse("today:therapist"))
        self.assertContains(page, 'value="supervisor" checked')
        self.assertNotContains(page, 'value="therapist" checked')
