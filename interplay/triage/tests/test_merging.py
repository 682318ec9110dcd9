"""Duplicate patient records: found, merged, undone or confirmed, and audited."""

import datetime as dt

from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.test import BaseTestCase, make_referral
from interplay.triage import merging


class MergeTests(BaseTestCase):
    def setUp(self) -> None:
        self.first = make_referral(first_name="Robin", email="")
        # A typo in the last name slipped past the automatic match.
        self.second = make_referral(first_name="Robin", last_name="Testwel", email="")
        assert self.first.patient and self.second.patient
        self.kept, self.duplicate = self.first.patient, self.second.patient

    def test_a_typo_in_the_name_shows_as_a_possible_duplicate(self) -> None:
        self.assertNotEqual(self.kept.pk, self.duplicate.pk)
        self.assertEqual(list(merging.possible_duplicates(self.kept)), [self.duplicate])
        stranger = make_referral(
            first_name="Sam",
            last_name="Other",
            email="",
            phone="+447700900777",
            date_of_birth=dt.date(1950, 1, 1),
        )
        self.assertNotIn(stranger.patient, merging.possible_duplicates(self.kept))

    def test_merge_then_undo_puts_everything_back(self) -> None:
        merged = merging.merge(actor=self.triage, kept=self.kept, duplicate=self.duplicate)
        self.second.refresh_from_db()
        self.duplicate.refresh_from_db()
        self.assertEqual(self.second.patient_id, self.kept.pk)
        self.assertEqual(self.duplicate.merged_into_id, self.kept.pk)
        merging.undo(actor=self.triage, merged=merged)
        self.second.refresh_from_db()
        self.duplicate.refresh_from_db()
        self.assertEqual(self.second.patient_id, self.duplicate.pk)
        self.assertIsNone(self.duplicate.merged_into_id)
        actions = list(AuditEvent.objects.about(self.kept).values_list("action", flat=True))
        self.assertEqual(sorted(actions), ["patient.merge_undone", "patient.merged"])

    def test_a_confirmed_merge_cannot_be_undone(self) -> None:
        merged = merging.merge(actor=self.triage, kept=self.kept, duplicate=self.duplicate)
        merging.confirm(actor=self.triage, merged=merged)
        with self.assertRaisesMessage(RuleViolation, "cannot be undone"):
            merging.undo(actor=self.triage, merged=merged)

    def test_only_triage_work_may_merge(self) -> None:
        with self.assertRaises(PermissionDenied):
            merging.merge(actor=self.therapist, kept=self.kept, duplicate=self.duplicate)

    def test_merging_from_the_triage_page(self) -> None:
        self.sign_in(self.triage)
        page = reverse("triage:referral", args=[self.first.public_id])
        self.assertContains(self.client.get(page), "Merge Robin Testwel into this record")
        response = self.client.post(
            reverse("triage:merge", args=[self.first.public_id]),
            {"duplicate": str(self.duplicate.public_id)},
        )
        self.assertRedirects(response, page)
        after = self.client.get(page)
        self.assertContains(after, "Undo the merge")
        self.assertContains(after, "was merged into this record")

    def test_a_record_that_is_not_a_candidate_cannot_be_merged_from_the_page(self) -> None:
        stranger = make_referral(
            first_name="Sam",
            last_name="Other",
            email="",
            phone="+447700900777",
            date_of_birth=dt.date(1950, 1, 1),
        )
        self.sign_in(self.triage)
        response = self.client.post(
            reverse("triage:merge", args=[self.first.public_id]),
            {"duplicate": str(stranger.patient.public_id)},  # type: ignore[union-attr]
        )
        self.assertEqual(response.status_code, 404)
