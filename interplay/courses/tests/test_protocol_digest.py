"""A course's protocol snapshot digest: kept with its snapshot, and what lists find each
course's protocol by without reading the snapshot."""

import dataclasses
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from interplay.accounts.roles import Role
from interplay.courses import protocols
from interplay.courses.models import Course
from interplay.courses.protocols import IPT_16, snapshot_digest
from interplay.test import BaseTestCase, course_for, make_clinician


class DigestTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_for(make_clinician("pat", Role.THERAPIST, hours=300))

    def stored(self) -> str:
        return Course.objects.values_list("protocol_digest", flat=True).get(pk=self.course.pk)

    def test_a_started_course_stores_its_snapshots_digest(self) -> None:
        self.assertEqual(self.stored(), snapshot_digest(self.course.protocol_snapshot))
        self.assertEqual(len(self.stored()), 64)

    def test_equal_snapshots_share_a_digest_and_a_changed_one_does_not(self) -> None:
        snapshot = dataclasses.asdict(IPT_16)
        reordered = dict(reversed(list(snapshot.items())))
        self.assertEqual(snapshot_digest(reordered), snapshot_digest(snapshot))
        changed = {**snapshot, "phases": [{**snapshot["phases"][0], "name": "Opening"}]}
        self.assertNotEqual(snapshot_digest(changed), snapshot_digest(snapshot))

    def test_saving_a_changed_snapshot_changes_the_digest_and_the_protocol(self) -> None:
        course = Course.objects.get(pk=self.course.pk)
        snapshot = course.protocol_snapshot
        snapshot["phases"][0]["name"] = "Getting started"
        course.protocol_snapshot = snapshot
        course.save(update_fields=["protocol_snapshot"])
        self.assertEqual(self.stored(), snapshot_digest(snapshot))
        listed = Course.objects.only("planned_sessions", "protocol_digest").get(pk=course.pk)
        self.assertEqual(listed.protocol().phases[0].name, "Getting started")

    def test_a_save_that_leaves_the_snapshot_out_reads_and_changes_nothing_of_it(self) -> None:
        listed = Course.objects.only("status", "protocol_digest").get(pk=self.course.pk)
        listed.status = "completed"
        with self.assertNumQueries(1):  # the UPDATE, with no read of the deferred snapshot
            listed.save(update_fields=["status"])
        self.assertEqual(self.stored(), snapshot_digest(self.course.protocol_snapshot))

    def test_a_list_reads_a_snapshot_only_for_a_protocol_not_met_before(self) -> None:
        # A process that has met no protocol; the others' tests get theirs back after.
        known = dict(protocols._BY_DIGEST)
        self.addCleanup(protocols._BY_DIGEST.update, known)
        protocols._BY_DIGEST.clear()
        listed = Course.objects.only("planned_sessions", "protocol_digest").get(pk=self.course.pk)
        with self.assertNumQueries(1):  # the snapshot, once
            first = listed.protocol()
        self.assertEqual(first.code, "ipt16")
        again = Course.objects.only("planned_sessions", "protocol_digest").get(pk=self.course.pk)
        with self.assertNumQueries(0):
            self.assertIs(again.protocol(), first)


class MigrationTests(TransactionTestCase):
    """Courses started before the digest existed get it from their snapshots."""

    def migrate(self, target: str) -> Any:
        executor = MigrationExecutor(connection)
        executor.migrate([("courses", target)])
        return executor.loader.project_state([("courses", target)]).apps

    def test_existing_courses_get_their_snapshots_digests(self) -> None:
        therapist = make_clinician("pat", Role.THERAPIST, hours=300)
        ipt = course_for(therapist)
        dit = course_for(therapist, "dit", "dit16")
        latest = MigrationExecutor(connection).loader.graph.leaf_nodes("courses")[0][1]
        try:
            self.migrate("0009_updated_at")  # the column goes, with what it held
            self.migrate("0010_protocol_digest")
            stored = dict(Course.objects.values_list("pk", "protocol_digest"))
        finally:
            self.migrate(latest)
        self.assertEqual(stored[ipt.pk], snapshot_digest(dataclasses.asdict(IPT_16)))
        self.assertEqual(stored[dit.pk], snapshot_digest(dit.protocol_snapshot))
        self.assertNotEqual(stored[ipt.pk], stored[dit.pk])
