"""manage.py audit_verify: an intact trail, and each way of tampering with one."""

import io
import uuid

from django.core.management import CommandError, call_command

from interplay.audit import chain
from interplay.audit.models import AuditEvent, ChainHead
from interplay.audit.services import record
from interplay.test import BaseTestCase


class AuditVerifyTests(BaseTestCase):
    def setUp(self) -> None:
        self.events = [
            record(actor=self.admin, action="test.recorded", obj=self.triage, detail={"n": n})
            for n in range(3)
        ]
        self.middle = self.events[1]

    def verify(self) -> str:
        out = io.StringIO()
        call_command("audit_verify", stdout=out)
        return out.getvalue()

    def broken(self) -> str:
        with self.assertRaises(CommandError) as raised:
            self.verify()
        self.assertEqual(raised.exception.returncode, 1)
        return str(raised.exception)

    def test_an_intact_trail_is_verified_and_counted(self) -> None:
        total = AuditEvent.objects.count()
        head = ChainHead.objects.get()
        output = self.verify()
        self.assertIn(f"Audit trail verified: {total} events\n", output)
        self.assertIn(f"Chain head: event {head.sequence}, {head.hash}", output)

    def test_an_edited_event_is_named(self) -> None:
        AuditEvent.objects.filter(pk=self.middle.pk).update(detail={"n": 99})
        message = self.broken()
        self.assertIn("Audit trail broken (edited)", message)
        self.assertIn(f"event {self.middle.sequence} ({self.middle.public_id}, ", message)
        self.assertIn(chain.timestamp(self.middle.at), message)
        self.assertIn("no longer matches its hash", message)

    def test_a_deleted_event_is_found_by_the_gap_it_leaves(self) -> None:
        AuditEvent.objects.filter(pk=self.middle.pk).delete()
        message = self.broken()
        self.assertIn("Audit trail broken (deleted)", message)
        after = self.events[2]
        self.assertIn(
            f"Event {self.middle.sequence} is missing before event {after.sequence}", message
        )
        self.assertIn(str(after.public_id), message)

    def test_the_last_event_deleted_is_found_by_the_head(self) -> None:
        last = self.events[-1]
        AuditEvent.objects.filter(pk=last.pk).delete()
        message = self.broken()
        self.assertIn(f"Event {last.sequence} is missing from the end", message)

    def test_an_event_inserted_by_hand_is_found(self) -> None:
        last = self.events[-1]
        forged = AuditEvent(
            sequence=last.sequence + 1,
            prev_hash=last.hash,
            actor_label="admin",
            action="referral.viewed",
            object_type="referrals.referral",
            object_id=str(uuid.uuid4()),
        )
        forged.hash = chain.digest(forged.link())  # even with a hash made the right way
        forged.save()
        message = self.broken()
        self.assertIn("Audit trail broken (inserted)", message)
        self.assertIn(f"event {forged.sequence} ({forged.public_id}, ", message)

    def test_an_event_replaced_in_the_middle_is_found(self) -> None:
        AuditEvent.objects.filter(pk=self.middle.pk).delete()
        forged = AuditEvent(
            sequence=self.middle.sequence,
            prev_hash=self.middle.prev_hash,
            actor_label="admin",
            action="test.recorded",
            detail={"n": 1},
        )
        forged.hash = chain.digest(forged.link())
        forged.save()
        message = self.broken()
        self.assertIn("(inserted)", message)
        self.assertIn(f"does not follow event {self.middle.sequence}", message)

    def test_a_missing_head_is_reported(self) -> None:
        ChainHead.objects.all().delete()
        self.assertIn("chain head is missing", self.broken())
