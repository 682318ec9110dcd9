"""/admin/ serves administrators only, with one clear answer for everyone else."""

from urllib.parse import quote

from django.urls import reverse

from interplay.test import BaseTestCase

INDEX = reverse("admin:index")


class AdminSiteTests(BaseTestCase):
    def test_staff_without_the_administrator_role_get_the_403_page(self) -> None:
        for user in (self.therapist, self.triage, self.manager):
            self.sign_in(user)
            for url in (INDEX, reverse("admin:clinic_servicesettings_changelist")):
                response = self.client.get(url, follow=True)
                self.assertEqual(response.redirect_chain, [], (user, url))
                self.assertContains(
                    response, "Your role does not include this page", status_code=403
                )

    def test_the_admins_own_sign_in_page_does_not_send_them_round_again(self) -> None:
        self.sign_in(self.triage)
        response = self.client.get(f"{reverse('admin:login')}?next={INDEX}", follow=True)
        self.assertEqual(response.status_code, 403)
        self.sign_in(self.admin)
        response = self.client.get(f"{reverse('admin:login')}?next={INDEX}")
        self.assertRedirects(response, INDEX)

    def test_anyone_signed_out_is_sent_to_sign_in_and_back(self) -> None:
        response = self.client.get(INDEX)
        self.assertRedirects(
            response,
            f"{reverse('accounts:login')}?next={quote(INDEX)}",
            fetch_redirect_response=False,
        )

    def test_a_password_without_the_second_factor_is_asked_for_it(self) -> None:
        self.sign_in(self.admin, second_factor=False)
        response = self.client.get(INDEX)
        self.assertTrue(response["Location"].startswith(reverse("accounts:verify")))

    def test_the_admin_answers_only_get_post_and_head(self) -> None:
        self.sign_in(self.admin)
        urls = [
            INDEX,
            reverse("admin:clinic_servicesettings_changelist"),
            reverse("admin:accounts_user_change", args=[self.therapist.pk]),
            reverse("admin:login"),
            f"{INDEX}no-such-page/",
        ]
        for url in urls:
            for method in ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"):
                status = self.client.generic(method, url).status_code
                self.assertEqual(status, 405, f"{method} {url}")
        self.assertEqual(self.client.head(INDEX).status_code, 200)
        self.assertNotEqual(self.client.post(reverse("admin:logout")).status_code, 405)
