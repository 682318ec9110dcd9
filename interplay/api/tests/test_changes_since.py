"""An EHR polling for what changed: ``updated_since`` on courses and their sessions, and
FHIR's ``_lastUpdated`` on EpisodeOfCare and Appointment. A change (attendance recorded,
a session moved, a course ended) brings the row back; a look does not."""

import datetime as dt
from typing import Any, ClassVar
from urllib.parse import quote

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interplay.accounts.roles import Role
from interplay.api.tests.caseload import ApiCase
from interplay.api.tests.fhir_stories import get as fhir_get
from interplay.courses import attendance
from interplay.courses.models import Appointment, Course
from interplay.test import course_for, make_clinician

BOOKED = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
# Monday 14 September 2026, after session 2 (10:00): each step of the story an hour on.
STEPS = [dt.datetime(2026, 9, 14, 12 + n, tzinfo=dt.UTC) for n in range(4)]


def since(moment: dt.datetime) -> str:
    return quote(moment.isoformat())


class TwoCourses(ApiCase):
    """Two courses of one therapist, booked on the same day, read with her token."""

    robin: ClassVar[Course]
    jo: ClassVar[Course]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(BOOKED, tick=False):
            cls.robin = course_for(cls.therapist, first_date=dt.date(2026, 9, 7))
            cls.jo = course_for(cls.therapist, first_date=dt.date(2026, 9, 7), first_name="Jo")

    def setUp(self) -> None:
        self.reader = self.key(self.therapist)


class ChangesSinceTests(TwoCourses):
    def session(self, course: Course, number: int) -> Appointment:
        return course.appointments.get(number=number)

    def courses_since(self, moment: dt.datetime, key: str | None = None) -> list[str]:
        path = f"/api/v1/courses?updated_since={since(moment)}"
        response = self.get(path, key or self.reader)
        self.assertEqual(response.status_code, 200, response.content)
        return [c["id"] for c in response.json()["items"]]

    def sessions_since(self, course: Course, moment: dt.datetime) -> list[int]:
        path = f"/api/v1/courses/{course.public_id}/appointments?updated_since={since(moment)}"
        response = self.get(path, self.reader)
        self.assertEqual(response.status_code, 200, response.content)
        return [a["number"] for a in response.json()["items"]]

    def look_at_everything(self) -> None:
        for course in (self.robin, self.jo):
            self.get(f"/api/v1/courses/{course.public_id}", self.reader)
            self.get(f"/api/v1/courses/{course.public_id}/appointments", self.reader)
            self.get(f"/api/v1/appointments/{self.session(course, 2).public_id}", self.reader)
        self.get("/api/v1/courses", self.reader)
        for kind in ("EpisodeOfCare", "Appointment"):
            fhir_get(self.client, self.reader, kind)
        fhir_get(self.client, self.reader, f"EpisodeOfCare/{self.robin.public_id}")

    def test_a_change_brings_the_course_and_session_back_and_a_look_does_not(self) -> None:
        robin, jo = str(self.robin.public_id), str(self.jo.public_id)
        self.assertEqual(self.courses_since(STEPS[0]), [])
        with time_machine.travel(STEPS[0], tick=False):
            self.look_at_everything()
        self.assertEqual(self.courses_since(STEPS[0]), [])
        self.assertEqual(self.sessions_since(self.robin, STEPS[0]), [])

        with time_machine.travel(STEPS[1], tick=False):
            attendance.record_attendance(
                actor=self.therapist, appointment=self.session(self.robin, 2), status="attended"
            )
        self.assertEqual(self.courses_since(STEPS[1]), [robin])
        self.assertEqual(self.sessions_since(self.robin, STEPS[1]), [2])
        self.assertEqual(self.sessions_since(self.jo, STEPS[1]), [])

        with time_machine.travel(STEPS[2], tick=False):
            fifth = self.session(self.jo, 5)
            attendance.reschedule(
                actor=self.therapist,
                appointment=fifth,
                starts_at=fifth.starts_at + dt.timedelta(hours=3),
            )
        self.assertEqual(self.courses_since(STEPS[2]), [jo])
        self.assertEqual(self.sessions_since(self.jo, STEPS[2]), [5])
        self.assertEqual(self.courses_since(STEPS[1]), [robin, jo])

        with time_machine.travel(STEPS[3], tick=False):
            attendance.end_course(
                actor=self.therapist, course=self.robin, outcome="dropped_out", reason="Moved"
            )
        self.assertEqual(self.courses_since(STEPS[3]), [robin])
        # Sessions 3 to 16 were still to come: no longer needed.
        self.assertEqual(self.sessions_since(self.robin, STEPS[3]), list(range(3, 17)))

    @time_machine.travel(STEPS[1], tick=False)
    def test_attendance_through_the_api_is_a_change_the_answer_shows(self) -> None:
        second = self.session(self.robin, 2)
        path = f"/api/v1/appointments/{second.public_id}"
        write = self.key(self.therapist, write=True)
        tag = self.get(path, write)["ETag"]
        response = self.call("POST", f"{path}/attendance", write, {"status": "dna"}, If_Match=tag)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["updated_at"], "2026-09-14T13:00:00Z")
        course = self.get(f"/api/v1/courses/{self.robin.public_id}", self.reader).json()
        self.assertEqual(course["updated_at"], "2026-09-14T13:00:00Z")
        self.assertEqual(self.sessions_since(self.robin, STEPS[1]), [2])

    def test_a_time_no_clock_could_read_is_refused_beside_the_parameter(self) -> None:
        for path in ("/api/v1/courses", f"/api/v1/courses/{self.robin.public_id}/appointments"):
            response = self.get(f"{path}?updated_since=0070-02-01T02:45:22%2B20:41", self.reader)
            body = self.assert_problem(response, 422)
            self.assertIn("updated_since", str(body["errors"]))

    def test_the_filtered_lists_read_a_constant_number_of_queries(self) -> None:
        supervisor = self.key(self.supervisor)
        # Each token's last use is written once a minute: use both once first.
        self.get("/api/v1/whoami", supervisor)
        self.get("/api/v1/whoami", self.reader)
        with CaptureQueriesContext(connection) as two:
            self.assertEqual(len(self.courses_since(BOOKED, supervisor)), 2)
        for n in range(6):
            course_for(make_clinician(f"t{n}", Role.THERAPIST, supervisor=self.supervisor))
        with self.assertNumQueries(len(two)):
            self.assertEqual(len(self.courses_since(BOOKED, supervisor)), 8)
        path = f"/api/v1/courses/{self.robin.public_id}/appointments?updated_since={since(BOOKED)}"
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(len(self.get(f"{path}&limit=2", self.reader).json()["items"]), 2)
        with self.assertNumQueries(len(few)):
            self.assertEqual(len(self.get(f"{path}&limit=12", self.reader).json()["items"]), 12)


class FhirLastUpdatedTests(TwoCourses):
    def found(self, kind: str, **query: Any) -> list[dict[str, Any]]:
        response = fhir_get(self.client, self.reader, kind, **query)
        self.assertEqual(response.status_code, 200, response.content)
        return [e["resource"] for e in response.json().get("entry", [])]

    def test_last_updated_finds_the_course_and_session_that_changed(self) -> None:
        with time_machine.travel(STEPS[0], tick=False):
            fhir_get(self.client, self.reader, f"EpisodeOfCare/{self.jo.public_id}")
            fhir_get(
                self.client, self.reader, "Appointment", patient=str(self.jo.patient.public_id)
            )
        with time_machine.travel(STEPS[1], tick=False):
            attendance.record_attendance(
                actor=self.therapist,
                appointment=self.robin.appointments.get(number=2),
                status="dna",
            )
        (course,) = self.found("EpisodeOfCare", _lastUpdated="ge2026-09-14T13:00:00Z")
        self.assertEqual(course["id"], str(self.robin.public_id))
        self.assertEqual(course["meta"]["lastUpdated"], "2026-09-14T13:00:00+00:00")
        (session,) = self.found("Appointment", _lastUpdated="ge2026-09-14T13:00:00Z")
        self.assertEqual((session["description"][:10], session["status"]), ("Session 2 ", "noshow"))
        self.assertEqual(session["meta"]["lastUpdated"], "2026-09-14T13:00:00+00:00")
        self.assertEqual(len(self.found("Appointment", _lastUpdated="lt2026-09-14T13:00:00Z")), 31)
        self.assertEqual(len(self.found("EpisodeOfCare", _lastUpdated="le2026-09-01T09:00:00Z")), 1)

    def test_the_capability_statement_offers_last_updated_for_both(self) -> None:
        statement = fhir_get(self.client, self.reader, "metadata").json()
        offered = {
            r["type"]: {p["name"]: p["documentation"] for p in r["searchParam"]}
            for r in statement["rest"][0]["resource"]
        }
        for kind in ("EpisodeOfCare", "Appointment"):
            self.assertIn("last changed", offered[kind]["_lastUpdated"], kind)
