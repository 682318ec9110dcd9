"""The formulation's services: history kept on every change, the focus rules, the circle's
placers, the timeline's approximate dates, sharing, and the audit rows they write."""

import datetime as dt
import json
from typing import Any

from django.db import connection

from interplay.audit.actors import PatientActor
from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.encounters import services as encounters
from interplay.formulation import services
from interplay.formulation.models import InventoryEntry, LifeEvent
from interplay.formulation.tests.factories import course_of, person
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.test import BaseTestCase

AGREED = dt.date(2026, 9, 21)


def dispute(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "problem_area": "role_dispute",
        "dispute_stage": "impasse",
        "rationale": "Low mood began as the arguments stopped being talked about.",
        "formulation": "Your low mood is tied to the stalled disagreement with Sam.",
    }
    values.update(overrides)
    return values


class InventoryTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist)

    def test_everything_typed_about_a_person_is_encrypted(self) -> None:
        services.add_person(actor=self.therapist, course=self.course, **person())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, unsatisfying, relationship FROM formulation_inventoryentry"
            )
            row = cursor.fetchone()
            cursor.execute("SELECT data FROM formulation_entryrevision")
            (revision,) = cursor.fetchone()
        self.assertNotIn("Sam", row[0])
        self.assertNotIn("money", row[1])
        self.assertNotIn("partner", row[2])
        self.assertNotIn("money", revision)

    def test_every_edit_is_kept_as_a_dated_revision_by_whom(self) -> None:
        entry = services.add_person(actor=self.therapist, course=self.course, **person())
        services.edit_person(actor=self.therapist, entry=entry, can_confide="yes")
        services.edit_person(actor=self.therapist, entry=entry, name="Sam (partner)")
        entry = InventoryEntry.objects.get()
        self.assertEqual(entry.times_changed, 2)
        versions = list(entry.revisions.all())
        self.assertEqual([r.number for r in versions], [3, 2, 1])
        self.assertEqual(versions[2].values["can_confide"], "partly")
        self.assertEqual(versions[2].values["name"], "Sam")
        self.assertEqual(versions[1].values["can_confide"], "yes")
        self.assertEqual(versions[0].values["name"], "Sam (partner)")
        self.assertTrue(all(r.changed_by == self.therapist for r in versions))

    def test_saving_without_a_change_makes_no_new_version(self) -> None:
        entry = services.add_person(actor=self.therapist, course=self.course, **person())
        services.edit_person(actor=self.therapist, entry=entry, **person())
        self.assertEqual(InventoryEntry.objects.get().times_changed, 0)

    def test_a_person_needs_a_name_or_label(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "name or a label"):
            services.add_person(actor=self.therapist, course=self.course, **person(name=" "))

    def test_only_the_courses_therapist_writes(self) -> None:
        for actor in (self.supervisor, self.outsider, self.triage):
            with self.assertRaises(PermissionDenied):
                services.add_person(actor=actor, course=self.course, **person())

    def test_the_audit_rows_hold_codes_never_what_was_typed(self) -> None:
        entry = services.add_person(actor=self.therapist, course=self.course, **person())
        services.edit_person(actor=self.therapist, entry=entry, feelings="Calmer now.")
        added, changed = AuditEvent.objects.filter(
            action__startswith="formulation.person"
        ).order_by("sequence")
        self.assertEqual(added.action, "formulation.person_added")
        self.assertEqual(added.detail["relationship"], "partner")
        self.assertEqual(
            changed.detail, {"entry": str(entry.public_id), "version": 2, "fields": ["feelings"]}
        )
        text = json.dumps([added.detail, changed.detail])
        self.assertNotIn("Sam", text)
        self.assertNotIn("Calmer", text)


class CircleTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist)
        self.entry = services.add_person(actor=self.therapist, course=self.course, **person())

    def test_the_therapist_places_a_person_and_is_named(self) -> None:
        services.place_person(actor=self.therapist, entry=self.entry, ring=1)
        self.entry.refresh_from_db()
        self.assertEqual((self.entry.ring, self.entry.placed_by), (1, self.therapist))
        self.assertEqual(self.entry.placed_by_label, str(self.therapist))

    def test_placing_several_is_all_or_nothing(self) -> None:
        other = services.add_person(actor=self.therapist, course=self.course, **person(name="Sam"))
        with self.assertRaises(RuleViolation):
            services.place_people(actor=self.therapist, placements=[(self.entry, 1), (other, 7)])
        self.entry.refresh_from_db()
        self.assertIsNone(self.entry.ring)
        placed = services.place_people(
            actor=self.therapist, placements=[(self.entry, 1), (other, 2)]
        )
        self.assertEqual([e.ring for e in placed], [1, 2])

    def test_the_patient_places_a_person_through_the_portal(self) -> None:
        patient = PatientActor(self.course.patient)
        services.place_person(actor=patient, entry=self.entry, ring=3)
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.ring, 3)
        self.assertTrue(self.entry.placed_by_patient)
        self.assertIsNone(self.entry.placed_by)
        self.assertEqual(self.entry.placed_by_label, "The patient")
        event = AuditEvent.objects.get(action="formulation.person_placed")
        self.assertEqual(event.actor_label, f"patient:{self.course.patient.public_id}")
        self.assertEqual(event.detail["by"], "patient")

    def test_nobody_else_places(self) -> None:
        other = course_of(self.outsider, first_name="Alex", last_name="Other")
        for actor in (self.supervisor, self.outsider, PatientActor(other.patient)):
            with self.assertRaises(PermissionDenied):
                services.place_person(actor=actor, entry=self.entry, ring=2)

    def test_only_three_rings(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "inner, middle or outer"):
            services.place_person(actor=self.therapist, entry=self.entry, ring=4)

    def test_taking_someone_off_the_circle_forgets_who_placed_them(self) -> None:
        services.place_person(actor=self.therapist, entry=self.entry, ring=2)
        services.place_person(actor=self.therapist, entry=self.entry, ring=None)
        self.entry.refresh_from_db()
        self.assertEqual(
            (self.entry.ring, self.entry.placed_by, self.entry.placed_by_label), (None, None, "")
        )


class TimelineTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist)
        self.sam = services.add_person(actor=self.therapist, course=self.course, **person())

    def add(self, **fields: Any) -> LifeEvent:
        values: dict[str, Any] = {"description": "Moved in with Sam.", "mood_change": "worse"}
        values.update(fields)
        return services.add_life_event(actor=self.therapist, course=self.course, **values)

    def test_dates_may_be_approximate_and_sort_in_order(self) -> None:
        self.add(year=2025, month=3, people=[self.sam])
        self.add(year=2019, description="Father died.")
        self.add(year=2025, month=3, day=14, mood_change="better", description="New job.")
        events = list(LifeEvent.objects.in_order())
        self.assertEqual([e.when for e in events], ["2019", "March 2025", "14 March 2025"])
        self.assertEqual(list(events[1].people.all()), [self.sam])

    def test_a_day_needs_its_month_and_a_date_must_be_real(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "month as well as the day"):
            self.add(year=2025, day=3)
        with self.assertRaisesMessage(RuleViolation, "real date"):
            self.add(year=2025, month=2, day=30)

    def test_people_come_from_this_courses_inventory(self) -> None:
        other = course_of(self.outsider, first_name="Alex", last_name="Other")
        stranger = services.add_person(actor=self.outsider, course=other, **person())
        with self.assertRaisesMessage(RuleViolation, "this course's inventory"):
            self.add(year=2025, people=[stranger])

    def test_it_is_encrypted_and_audited_with_codes(self) -> None:
        self.add(year=2025, people=[self.sam])
        with connection.cursor() as cursor:
            cursor.execute("SELECT description FROM formulation_lifeevent")
            (raw,) = cursor.fetchone()
        self.assertNotIn("Moved", raw)
        event = AuditEvent.objects.get(action="formulation.event_added")
        self.assertEqual(event.detail["mood_change"], "worse")
        self.assertEqual(event.detail["people"], [str(self.sam.public_id)])


class IPTFocusTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist)

    def record(self, **fields: Any) -> Any:
        return services.record_focus(actor=self.therapist, course=self.course, **fields)

    def test_a_dispute_needs_its_stage(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "stage of the dispute") as caught:
            self.record(**dispute(dispute_stage=""))
        self.assertEqual(caught.exception.field, "dispute_stage")

    def test_a_stage_is_only_for_a_dispute(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "only for a dispute"):
            self.record(**dispute(problem_area="grief"))
        focus = self.record(**dispute(problem_area="grief", dispute_stage=""))
        self.assertEqual(focus.problem_area, "grief")

    def test_a_second_area_is_optional_and_different(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "different from the first"):
            self.record(**dispute(second_area="role_dispute"))
        focus = self.record(**dispute(second_area="role_transition"))
        self.assertEqual(focus.second_area, "role_transition")
        # A dispute as the second area needs its stage too.
        with self.assertRaisesMessage(RuleViolation, "stage of the dispute"):
            self.record(problem_area="grief", second_area="role_dispute")

    def test_an_area_is_required(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "Choose the problem area"):
            self.record(rationale="Not sure yet.")

    def test_dit_fields_are_not_fields_of_an_ipt_focus(self) -> None:
        with self.assertRaises(ValueError):
            self.record(**dispute(linking_affect="Shame"))

    def test_every_change_is_kept_with_the_people_involved(self) -> None:
        sam = services.add_person(actor=self.therapist, course=self.course, **person())
        self.record(problem_area="role_transition", rationale="The move.")
        focus = self.record(**dispute(people=[sam], agreed_on=AGREED))
        self.assertEqual(focus.times_changed, 1)
        earlier, first = focus.revisions.order_by("-number")[1], focus.revisions.get(number=2)
        self.assertEqual(earlier.values["problem_area"], "role_transition")
        self.assertEqual(first.values["dispute_stage"], "impasse")
        self.assertEqual(first.values["people"], [{"id": str(sam.public_id), "name": "Sam"}])
        self.assertEqual(first.values["agreed_on"], "2026-09-21")
        self.assertEqual(list(focus.people.all()), [sam])
        events = AuditEvent.objects.filter(action="formulation.focus_recorded").order_by("sequence")
        self.assertEqual(
            [(e.detail["problem_area"], e.detail["agreed"]) for e in events],
            [("role_transition", False), ("role_dispute", True)],
        )
        self.assertNotIn("arguments", json.dumps([e.detail for e in events]))

    def test_saving_the_focus_unchanged_makes_no_new_version(self) -> None:
        sam = services.add_person(actor=self.therapist, course=self.course, **person())
        self.record(**dispute(people=[sam]))
        focus = self.record(**dispute(people=[sam]))
        self.assertEqual(focus.revisions.count(), 1)
        focus = self.record(**dispute(people=[]))
        self.assertEqual(focus.revisions.count(), 2)

    def test_agreeing_or_sharing_needs_the_formulation_written(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "before marking it agreed"):
            self.record(**dispute(formulation="", agreed_on=AGREED))
        with self.assertRaisesMessage(RuleViolation, "before sharing it"):
            self.record(**dispute(formulation="", shared_with_patient=True))

    def test_a_group_course_names_the_areas_as_the_who_manual_does(self) -> None:
        from interplay.formulation.models import area_choices, area_label

        self.assertEqual(area_label("group_ipt", "role_transition"), "Life changes")
        self.assertEqual(
            [label for _, label in area_choices("group_ipt")],
            ["Grief", "Disputes", "Life changes", "Loneliness and social isolation"],
        )
        self.assertEqual(area_label("ipt", "role_dispute"), "Role dispute")


class DITFocusTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist, "dit")

    def ipaf(self, **overrides: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "self_representation": "Unwanted, a burden.",
            "other_representation": "Critical and withholding.",
            "linking_affect": "Shame",
            "defensive_function": "Keeps people at a distance so rejection cannot come.",
            "patient_version": "When you feel you are a burden you pull away from people.",
            "rationale": "The pattern repeats with her manager.",
        }
        values.update(overrides)
        return values

    def record(self, **fields: Any) -> Any:
        return services.record_focus(actor=self.therapist, course=self.course, **fields)

    def test_the_ipaf_has_the_defensive_function_when_the_service_records_it(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "protects against"):
            self.record(**self.ipaf(defensive_function=""))
        focus = self.record(**self.ipaf())
        self.assertEqual(focus.linking_affect, "Shame")

    def test_without_the_setting_there_is_no_defensive_function(self) -> None:
        settings = ServiceSettings.load()
        settings.ipaf_defensive_function = False
        settings.save()
        self.assertNotIn("defensive_function", services.focus_fields_for(self.course))
        with self.assertRaises(ValueError):
            self.record(**self.ipaf())
        values = self.ipaf()
        del values["defensive_function"]
        self.assertEqual(self.record(**values).defensive_function, "")

    def test_the_ipaf_needs_self_other_and_the_linking_affect(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "feeling that links"):
            self.record(**self.ipaf(linking_affect=""))

    def test_problem_areas_are_not_fields_of_a_dit_focus(self) -> None:
        with self.assertRaises(ValueError):
            self.record(**self.ipaf(problem_area="grief"))

    def test_only_the_plain_language_version_is_ever_shared(self) -> None:
        self.record(**self.ipaf())
        self.assertIsNone(services.shared_formulation(self.course))
        self.assertEqual(
            services.focus_for_letter(self.course),
            "When you feel you are a burden you pull away from people.",
        )
        self.record(**self.ipaf(shared_with_patient=True))
        shared = services.shared_formulation(self.course)
        self.assertEqual(shared, "When you feel you are a burden you pull away from people.")


class SharingTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist)

    def test_the_formulation_is_shared_only_when_the_therapist_chooses(self) -> None:
        self.assertIsNone(services.shared_formulation(self.course))
        self.assertEqual(services.focus_for_letter(self.course), "")
        services.record_focus(actor=self.therapist, course=self.course, **dispute())
        self.assertIsNone(services.shared_formulation(self.course))
        services.record_focus(
            actor=self.therapist, course=self.course, **dispute(shared_with_patient=True)
        )
        shared = services.shared_formulation(self.course)
        self.assertEqual(shared, "Your low mood is tied to the stalled disagreement with Sam.")
        self.assertEqual(services.focus_for_letter(self.course), shared)


class AgreeTheFocusTaskTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_of(self.therapist)
        self.first = self.course.appointments.get(number=1)

    def tick(self) -> Any:
        return encounters.save_record(
            actor=self.therapist, appointment=self.first, tasks_done=["agree_focus"]
        )

    def test_it_is_refused_until_a_focus_is_agreed_with_the_patient(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "mark it agreed") as caught:
            self.tick()
        self.assertEqual(caught.exception.field, "tasks_done")
        services.record_focus(actor=self.therapist, course=self.course, **dispute())
        with self.assertRaisesMessage(RuleViolation, "mark it agreed"):
            self.tick()
        services.record_focus(actor=self.therapist, course=self.course, **dispute(agreed_on=AGREED))
        self.assertEqual(self.tick().tasks_done, ["agree_focus"])

    def test_other_tasks_need_no_focus(self) -> None:
        record = encounters.save_record(
            actor=self.therapist, appointment=self.first, tasks_done=["inventory"]
        )
        self.assertEqual(record.tasks_done, ["inventory"])


class EndedCourseTests(BaseTestCase):
    def test_an_ended_courses_formulation_is_closed(self) -> None:
        course = course_of(self.therapist)
        course.status = "completed"
        course.save()
        with self.assertRaisesMessage(RuleViolation, "has ended"):
            services.add_person(actor=self.therapist, course=course, **person())
