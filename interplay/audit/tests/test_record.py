from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.test import BaseTestCase, make_referral


class AuditContextTests(BaseTestCase):
    def test_an_event_carries_the_request_id_and_client_address(self) -> None:
        referral = make_referral()
        self.sign_in(self.triage)
        response = self.client.get(
            reverse("referrals:detail", args=[referral.public_id]),
            headers={"x-request-id": "abc-123"},
            REMOTE_ADDR="192.0.2.7",
        )
        self.assertEqual(response["X-Request-ID"], "abc-123")
        event = AuditEvent.objects.by_action("referral.viewed").get()
        self.assertEqual((event.request_id, event.client_address), ("abc-123", "192.0.2.7"))
        self.assertEqual((event.actor, event.actor_label), (self.triage, "triage"))

    def test_an_unsafe_request_id_is_replaced(self) -> None:
        response = self.client.get(reverse("home"), headers={"x-request-id": "<script>"})
        self.assertRegex(response["X-Request-ID"], r"^[0-9a-f]{32}$")

    def test_the_admin_list_is_read_only(self) -> None:
        make_referral()
        self.sign_in(self.admin)
        event = AuditEvent.objects.first()
        assert event is not None
        listing = self.client.get(reverse("admin:audit_auditevent_changelist"))
        self.assertContains(listing, "referral.submitted")
        self.assertEqual(self.client.get(reverse("admin:audit_auditevent_add")).status_code, 403)
        delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(AuditEvent.objects.filter(pk=event.pk).exists())
