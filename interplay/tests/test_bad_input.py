"""Hostile input: markup renders inert everywhere it is shown; oversized bodies are refused."""

from django.core import mail
from django.test import override_settings
from django.urls import reverse

from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, referral_form_data

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
FREE_TEXT = [
    "first_name",
    "last_name",
    "address_line_1",
    "address_line_2",
    "town",
    "gp_practice",
    "gp_address",
    "main_difficulties",
    "relationships_affected",
    "hoped_change",
    "substance_detail",
    "other_services",
    "interpreter_language",
]


class MarkupInFreeTextTests(BaseTestCase):
    def test_a_script_in_every_free_text_field_stays_text_everywhere_it_is_shown(self) -> None:
        data = referral_form_data(**{field: PAYLOAD for field in FREE_TEXT})
        response = self.client.post(reverse("referrals:details"), data, follow=True)
        self.assertEqual(response.status_code, 200)
        referral = Referral.objects.get()
        self.assertEqual(referral.main_difficulties, PAYLOAD)

        self.sign_in(self.triage)
        pages = [
            self.client.get(reverse("triage:queue")),
            self.client.get(reverse("referrals:detail", args=[referral.public_id])),
        ]
        message = mail.outbox[0]
        for body in [p.content.decode() for p in pages] + [message.body, self.html_of(message)]:
            self.assertNotIn("<script>alert(1)</script>", body)
            self.assertNotIn("<img src=x", body)
        detail = pages[1].content.decode()
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", detail)

    def test_markup_typed_into_an_invalid_form_comes_back_as_text(self) -> None:
        data = referral_form_data(first_name=PAYLOAD, last_name="")
        response = self.client.post(reverse("referrals:details"), data)
        self.assertEqual(response.status_code, 400)
        self.assertNotContains(response, "<script>alert(1)</script>", status_code=400)
        self.assertContains(response, "&lt;script&gt;", status_code=400)


class OversizedBodyTests(BaseTestCase):
    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
    def test_an_oversized_form_is_refused_with_a_clear_message(self) -> None:
        data = referral_form_data(main_difficulties="x" * 20_000)
        response = self.client.post(reverse("referrals:details"), data)
        self.assertContains(response, "too large", status_code=400)
        self.assertFalse(Referral.objects.exists())

    def test_an_answer_longer_than_the_field_allows_is_explained_beside_it(self) -> None:
        data = referral_form_data(main_difficulties="x" * 4001)
        response = self.client.post(reverse("referrals:details"), data)
        self.assertContains(response, 'id="id_main_difficulties-error"', status_code=400)
        self.assertContains(response, "at most 4000 characters", status_code=400)
