import threading
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.test import TransactionTestCase
from django.urls import reverse

from interplay.audit import chain, services
from interplay.audit.actors import SystemActor
from interplay.audit.context import RequestContext, current
from interplay.audit.models import AuditEvent, ChainHead
from interplay.audit.services import record, verify_trail
from interplay.test import AUDIT_WRITE, BaseTestCase, make_referral


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


class ChainTests(BaseTestCase):
    """record() numbers and chains every event; the stored rows hash as they were written."""

    def record_some(self, count: int) -> list[AuditEvent]:
        return [
            record(actor=self.triage, action="test.recorded", detail={"n": n}) for n in range(count)
        ]

    def test_events_are_numbered_without_gaps_and_each_names_the_one_before(self) -> None:
        before = ChainHead.objects.get()
        events = self.record_some(3)
        self.assertEqual([e.sequence for e in events], [before.sequence + n for n in (1, 2, 3)])
        self.assertEqual(events[0].prev_hash, before.hash)
        self.assertEqual([e.prev_hash for e in events[1:]], [e.hash for e in events[:2]])
        head = ChainHead.objects.get()
        self.assertEqual((head.sequence, head.hash), (events[-1].sequence, events[-1].hash))

    def test_the_hash_recomputed_from_the_stored_row_matches(self) -> None:
        with_request = RequestContext("req-1", "2001:DB8::7")
        token = current.set(with_request)
        try:
            event = record(
                actor=self.admin,
                action="test.recorded",
                obj=self.triage,
                detail={"roles": ("triage",), "b": 1, "a": {"z": None, "y": True}},
            )
        finally:
            current.reset(token)
        stored = AuditEvent.objects.get(pk=event.pk)
        self.assertRegex(stored.hash, r"^[0-9a-f]{64}$")
        self.assertEqual(chain.digest(stored.link()), stored.hash)
        self.assertEqual(stored.detail["roles"], ["triage"])
        self.assertEqual(stored.at, event.at)

    def test_the_whole_trail_verifies(self) -> None:
        self.record_some(5)
        _, report = verify_trail()
        self.assertTrue(report.intact, report.problem)
        self.assertEqual(report.count, AuditEvent.objects.count())

    def test_an_event_undone_with_its_change_leaves_no_gap(self) -> None:
        first = self.record_some(1)[0]
        with self.assertRaises(RuntimeError), transaction.atomic():
            record(actor=self.triage, action="test.undone")
            raise RuntimeError("the change failed")
        after = self.record_some(1)[0]
        self.assertEqual(after.sequence, first.sequence + 1)
        self.assertFalse(AuditEvent.objects.by_action("test.undone").exists())

    def test_a_lost_head_is_put_back_at_the_last_event(self) -> None:
        last = self.record_some(1)[0]
        ChainHead.objects.all().delete()
        event = self.record_some(1)[0]
        self.assertEqual((event.sequence, event.prev_hash), (last.sequence + 1, last.hash))
        self.assertTrue(verify_trail()[1].intact)

    def test_a_stored_event_cannot_be_changed_or_deleted_through_the_model(self) -> None:
        event = self.record_some(1)[0]
        event.action = "test.changed"
        with self.assertRaises(ValueError):
            event.save()
        with self.assertRaises(ValueError):
            event.delete()
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).action, "test.recorded")


class StoredAsSaveStoresTests(BaseTestCase):
    """record() sends an INSERT written once per database; the row it leaves must be the
    row ``save()`` leaves for the same event, column by column, as the database holds it."""

    def stored(self, pk: int) -> dict[str, str | None]:
        quote = connection.ops.quote_name
        columns = [str(field.column) for field in AuditEvent._meta.concrete_fields]
        # As text, so a difference in what was sent shows even where the driver would
        # read two stored forms back as equal values.
        select = ", ".join(f"CAST({quote(column)} AS TEXT)" for column in columns)
        table = quote(AuditEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {select} FROM {table} WHERE {quote('id')} = %s", [pk])
            row = cursor.fetchone()
        return dict(zip(columns, row, strict=True))

    def saved_by_the_orm(self, event: AuditEvent) -> dict[str, str | None]:
        """The same event's row as ``save(force_insert=True)`` writes it, in its place."""
        values = {f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields}
        AuditEvent.objects.filter(pk=event.pk).delete()
        AuditEvent(**values).save(force_insert=True)
        return self.stored(event.pk)

    def test_each_column_holds_what_save_would_have_stored(self) -> None:
        referral = make_referral()
        # A name, the request (or none), the actor, the object and the detail.
        cases: list[tuple[str, RequestContext, Any, Model | None, dict[str, Any]]] = [
            (
                "a user, an object, a request from an IPv6 address",
                RequestContext("req-\u00e9", "2001:DB8::7"),
                self.triage,
                referral,
                {"roles": ("triage",), "b": 1.5, "a": {"z": None, "y": True}, "\u00e9": "\u2020"},
            ),
            (
                "the public, from an IPv4 address mapped into IPv6",
                RequestContext("req-2", "::ffff:192.0.2.7"),
                None,
                None,
                {},
            ),
            (
                "the system, outside any request",
                RequestContext(),
                SystemActor("retention"),
                self.therapist,
                {"n": [1, 2, 3]},
            ),
        ]
        for name, context, actor, obj, detail in cases:
            with self.subTest(name):
                token = current.set(context)
                try:
                    event = record(actor=actor, action="test.recorded", obj=obj, detail=detail)
                finally:
                    current.reset(token)
                written = self.stored(event.pk)
                self.assertEqual(written["sequence"], str(event.sequence))
                saved = self.saved_by_the_orm(event)
                for column, value in saved.items():
                    self.assertEqual(written[column], value, column)
        self.assertTrue(verify_trail()[1].intact)

    def test_an_event_costs_the_same_statements_on_every_request(self) -> None:
        record(actor=self.triage, action="test.recorded")
        # Lock the chain head, add the event, move the head (on PostgreSQL the last two
        # are one statement).
        with self.assertNumQueries(AUDIT_WRITE):
            event = record(actor=self.triage, action="test.recorded", detail={"n": 1})
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).hash, event.hash)

    def test_an_event_holding_the_cutting_mark_is_chained_all_the_same(self) -> None:
        # On PostgreSQL the database writes the hash around a mark no event holds; one
        # that holds it anyway is chained by record() itself, to the same hash.
        event = record(actor=self.triage, action="test.recorded", detail={"x": services._MARK})
        stored = AuditEvent.objects.get(pk=event.pk)
        self.assertEqual(stored.hash, chain.digest(stored.link()))
        self.assertEqual(stored.detail, {"x": services._MARK})
        self.assertTrue(verify_trail()[1].intact)


class ConcurrentRecordTests(TransactionTestCase):
    def test_simultaneous_writers_make_one_gapless_chain(self) -> None:
        threads_count, each = 6, 5
        errors: list[BaseException] = []
        start = threading.Barrier(threads_count)

        def write(n: int) -> None:
            try:
                start.wait()
                for i in range(each):
                    record(actor=None, action="test.concurrent", detail={"thread": n, "i": i})
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        sequences = list(AuditEvent.objects.in_chain_order().values_list("sequence", flat=True))
        self.assertEqual(sequences, list(range(1, threads_count * each + 1)))
        _, report = verify_trail()
        self.assertTrue(report.intact, report.problem)
        self.assertEqual(report.count, threads_count * each)
