"""Anchors: the chain head kept outside the database shows events cut off the end."""

import dataclasses
import io
import os
import stat
import tempfile
from pathlib import Path

from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings

from interplay.audit import chain
from interplay.audit.models import AuditEvent, ChainHead
from interplay.audit.services import record
from interplay.test import BaseTestCase


class AuditAnchorTests(BaseTestCase):
    def setUp(self) -> None:
        for n in range(3):
            record(actor=self.admin, action="test.recorded", obj=self.triage, detail={"n": n})
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        self.anchors = Path(self.folder.name) / "anchors.jsonl"

    def anchor(self, **options: str) -> str:
        out = io.StringIO()
        call_command("audit_anchor", stdout=out, **options)
        return out.getvalue()

    def verify(self) -> str:
        out = io.StringIO()
        call_command("audit_verify", anchors=str(self.anchors), stdout=out)
        return out.getvalue()

    def broken(self) -> str:
        with self.assertRaises(CommandError) as raised:
            self.verify()
        return str(raised.exception)

    def test_it_appends_the_head_to_a_file_only_its_owner_reads(self) -> None:
        self.anchor(file=str(self.anchors))
        self.anchor(file=str(self.anchors))
        lines = self.anchors.read_text().splitlines()
        self.assertEqual(len(lines), 2)
        head = ChainHead.objects.get()
        self.assertIn(f'"sequence":{head.sequence},"hash":"{head.hash}"', lines[-1])
        self.assertEqual(stat.S_IMODE(os.stat(self.anchors).st_mode), 0o600)

    def test_anchoring_is_audited_as_the_system_and_covered_by_the_anchor(self) -> None:
        output = self.anchor(file=str(self.anchors))
        event = AuditEvent.objects.order_by("-sequence").first()
        assert event is not None
        self.assertEqual(
            (event.action, event.actor_label), ("audit.anchored", "system:audit_anchor")
        )
        self.assertIn(f"Anchored event {event.sequence}, {event.hash}", output)

    def test_it_emails_the_anchor_with_nothing_but_the_head(self) -> None:
        self.anchor(email="anchors@example.org")
        head = ChainHead.objects.get()
        (message,) = mail.outbox
        self.assertEqual(message.to, ["anchors@example.org"])
        self.assertIn(head.hash, message.body)

    @override_settings(AUDIT_ANCHOR_FILE="", AUDIT_ANCHOR_EMAIL="")
    def test_with_nowhere_to_write_it_says_so(self) -> None:
        with self.assertRaisesMessage(CommandError, "INTERPLAY_AUDIT_ANCHOR_FILE"):
            self.anchor(file="", email="")

    def test_an_intact_trail_reaches_its_anchors(self) -> None:
        self.anchor(file=str(self.anchors))
        record(actor=self.admin, action="test.recorded", detail={"n": 9})
        self.assertIn("It reaches every anchor", self.verify())

    def test_newest_events_deleted_with_the_head_wound_back_are_found(self) -> None:
        self.anchor(file=str(self.anchors))
        cut = AuditEvent.objects.order_by("-sequence")[:2]
        last_kept = AuditEvent.objects.order_by("-sequence")[2]
        AuditEvent.objects.filter(pk__in=[e.pk for e in cut]).delete()
        ChainHead.objects.update(sequence=last_kept.sequence, hash=last_kept.hash)
        # Without the anchor the shortened chain is whole: this is the gap anchors close.
        call_command("audit_verify", stdout=io.StringIO())
        message = self.broken()
        self.assertIn("Audit trail broken (deleted)", message)
        self.assertIn("missing from the end: an anchor written outside the database", message)

    def test_a_rewritten_head_is_found_where_it_diverges(self) -> None:
        self.anchor(file=str(self.anchors))
        last = AuditEvent.objects.order_by("-sequence").first()
        assert last is not None
        forged = dataclasses.replace(last.link(), detail={"file": False, "email": False})
        new_hash = chain.digest(forged)
        AuditEvent.objects.filter(pk=last.pk).update(detail=forged.detail, hash=new_hash)
        ChainHead.objects.update(hash=new_hash)
        call_command("audit_verify", stdout=io.StringIO())  # whole again without the anchor
        message = self.broken()
        self.assertIn("Audit trail broken (edited)", message)
        self.assertIn(f"event {last.sequence} (", message)
        self.assertIn("differs from the anchor", message)

    def test_a_file_that_is_not_anchors_is_refused(self) -> None:
        self.anchors.write_text("not json\n")
        with self.assertRaisesMessage(CommandError, "Line 1 of the anchor file"):
            self.verify()
