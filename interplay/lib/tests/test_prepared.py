"""Reads compiled once and run again with each request's values give what the queryset
gives."""

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.test import TestCase

from interplay.accounts.models import RoleAssignment, User
from interplay.clinic.models import ServiceSettings
from interplay.lib.prepared import Prepared, PreparedInsert
from interplay.patients.models import Consent, Patient
from interplay.referrals.models import Referral
from interplay.test import referral_details

ROLES = Prepared(
    RoleAssignment,
    lambda user, since: (
        RoleAssignment.objects.filter(user=user, granted_at__gte=since)
        .select_related("user")
        .order_by("role")
    ),
    user="id",
    since="datetime",
)


class PreparedTests(TestCase):
    def setUp(self) -> None:
        self.ann = User.objects.create(username="ann")
        self.bob = User.objects.create(username="bob")
        RoleAssignment.objects.create(user=self.ann, role="therapist")
        RoleAssignment.objects.create(user=self.ann, role="supervisor")
        RoleAssignment.objects.create(user=self.bob, role="triage")
        self.long_ago = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

    def test_each_run_reads_with_its_own_values(self) -> None:
        for user in (self.ann, self.bob, self.ann):
            expected = RoleAssignment.objects.filter(user=user).select_related("user")
            with self.assertNumQueries(1):
                found = ROLES.run(user=user.pk, since=self.long_ago)
            self.assertEqual(found, list(expected.order_by("role")))
            self.assertEqual({a.user.username for a in found}, {user.username})
            # Each run's values converted as the queryset converts them (aware times).
            self.assertEqual(
                [(a.granted_at, a.user.date_joined) for a in found],
                [(a.granted_at, a.user.date_joined) for a in expected.order_by("role")],
            )

    def test_a_time_is_sent_as_the_field_sends_it(self) -> None:
        later = RoleAssignment.objects.get(role="supervisor").granted_at
        found = ROLES.run(user=self.ann.pk, since=later)
        self.assertEqual([a.role for a in found], ["supervisor"])
        self.assertEqual(ROLES.run(user=self.ann.pk, since=later + dt.timedelta(days=1)), [])

    def test_values_lists_and_shapes(self) -> None:
        names = Prepared(
            User,
            lambda order, user: (
                User.objects.exclude(pk=user).order_by(order).values_list("username", flat=True)
            ),
            user="id",
        )
        self.assertEqual(names.run("username", user=self.bob.pk), ["ann"])
        self.assertEqual(names.run("-username", user=0), ["bob", "ann"])
        self.assertEqual(names.run("username", user=0), ["ann", "bob"])

    def test_a_public_id_is_sent_as_the_field_sends_it(self) -> None:
        # Text on SQLite, a uuid on PostgreSQL: either way the row is found by it.
        by_id = Prepared(
            User, lambda public_id: User.objects.filter(public_id=public_id), public_id="uuid"
        )
        self.assertEqual(by_id.run(public_id=self.bob.public_id), [self.bob])
        self.assertEqual(by_id.run(public_id=self.ann.public_id), [self.ann])
        self.assertEqual(by_id.run(public_id=uuid.uuid4()), [])

    def test_a_value_that_never_reaches_the_sql_is_refused(self) -> None:
        everyone = Prepared(User, lambda user: User.objects.all(), user="id")
        with self.assertRaises(ImproperlyConfigured):
            everyone.run(user=self.ann.pk)
        with self.assertRaises(TypeError):
            ROLES.run(user=self.ann.pk)


class PreparedInsertTests(TestCase):
    """An INSERT compiled once stores what ``objects.create`` stores."""

    def stored(self, referral: Any) -> dict[str, Any]:
        found = Referral.objects.get(pk=referral.pk)
        different = {"id", "public_id", "submission_token", "reference", "received_at"}
        return {
            f.attname: getattr(found, f.attname)
            for f in Referral._meta.concrete_fields
            if f.attname not in different
        }

    def test_a_referral_is_stored_as_create_stores_it(self) -> None:
        insert = PreparedInsert(Referral)
        patient = Patient.objects.create(
            first_name="Robin", last_name="Testwell", date_of_birth=dt.date(1990, 5, 17)
        )
        values = {
            **referral_details(nhs_number="9434765919", available_times=["weekday_evening"]),
            "patient": patient,
            "urgent": True,
            "risk_reasons": ["phq9_item9"],
        }
        made = [
            Referral.objects.create(reference="A1", submission_token=uuid.uuid4(), **values),
            insert.create(reference="B1", submission_token=uuid.uuid4(), **values),
            insert.create(reference="C1", submission_token=uuid.uuid4(), **values),
        ]
        first, second, third = (self.stored(r) for r in made)
        self.assertEqual(second, first)
        self.assertEqual(third, first)
        self.assertEqual(second["first_name"], "Robin")
        self.assertEqual(second["available_times"], ["weekday_evening"])
        self.assertFalse(made[1]._state.adding)
        self.assertEqual(Referral.objects.get(pk=made[2].pk).reference, "C1")
        self.assertEqual(len({r.pk for r in made}), 3)

    def test_a_model_that_saves_more_than_its_row_is_refused(self) -> None:
        patient = Patient.objects.create(
            first_name="Robin", last_name="Testwell", date_of_birth=dt.date(1990, 5, 17)
        )
        with self.assertRaisesMessage(ImproperlyConfigured, "saves with more than its INSERT"):
            PreparedInsert(Consent).create(patient=patient, kind="referral", given=True)
        # Service settings have receivers of their saves (a cache to empty).
        with self.assertRaisesMessage(ImproperlyConfigured, "saves with more than its INSERT"):
            PreparedInsert(ServiceSettings).create()
