"""Anonymising one person's records at the end of their retention period.

What goes: everything that names or locates the person (on the patient record and on each
referral, which keeps its own copy of the identity fields), and every free-text field,
since staff and people write names and circumstances into them; letters lose their words
and their PDFs. A course loses the same: its end reason and video link, session notes and
addenda, follow-up and alert notes, the names and words of the formulation (every earlier
version too), problems' and tasks' words, the ending review and letter drafts. The portal's
sign-in links and authenticator go. What stays, for the service's statistics: statuses,
dates, coded answers and choices, questionnaire answers and scores, problem ratings,
attendance, the GP practice, the town, the birth year and the postcode's outward code
(``LS6``).

Writes with queryset updates, so the append-only models (consents) are changed only here.
``services.apply_retention`` chooses the people, holds the transaction and audits.
"""

import datetime as dt
import json
from typing import Any

from django.db import models

from interplay.courses.models import Appointment, Course, CourseTask
from interplay.encounters.models import Addendum, SessionRecord
from interplay.formulation.models import (
    FOCUS_TEXT_FIELDS,
    EntryRevision,
    Focus,
    FocusRevision,
    InventoryEntry,
    LifeEvent,
)
from interplay.letters.models import Letter
from interplay.monitoring.models import RiskAlert
from interplay.patients.models import Consent, Patient, PatientAuthenticator, SignInLink
from interplay.progress.models import BetweenSessionTask, CourseLetter, EndingReview, Problem
from interplay.referrals.models import Referral
from interplay.supervision.models import SupervisionNote
from interplay.triage.models import ContactAttempt, TriageAssessment, TriageDecision

ANONYMISED = "Anonymised"
BLANK_ON_PATIENT = (
    "nhs_number",
    "address_line_1",
    "address_line_2",
    "phone",
    "email",
    "gp_address",
)
BLANK_ON_REFERRAL = (
    *BLANK_ON_PATIENT,
    "interpreter_language",
    "main_difficulties",
    "relationships_affected",
    "hoped_change",
    "substance_detail",
    "other_services",
)
BLANK_ON_ASSESSMENT = (
    "presenting_problem",
    "risk_to_self",
    "risk_to_others",
    "protective_factors",
    "suitability_reasons",
)
BLANK_ON_DECISION = ("signposted_to", "reason")
BLANK_ON_LETTER = ("recipient_address", "recipient_email", "subject", "body")
# A course: every field someone wrote in words; the coded rest stays.
BLANK_ON_COURSE = ("end_reason", "video_link")
BLANK_ON_SESSION_RECORD = ("notes", "previous_task_review", "between_session_task", "risk_notes")
BLANK_ON_ENTRY = (
    "contact",
    "satisfying",
    "unsatisfying",
    "expectations",
    "feelings",
    "desired_change",
    "episode_link",
    "style_markers",
)
BLANK_ON_FOCUS = FOCUS_TEXT_FIELDS
BLANK_ON_TASK = ("text", "patient_note", "review")
BLANK_ON_REVIEW = ("patient_reflections", "therapist_reflections", "warning_signs", "relapse_plan")


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same instant ``years`` calendar years earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def outward_code(postcode: str) -> str:
    """The part of a UK postcode before the space (``LS6 2AB`` -> ``LS6``): a district of
    some thousands of addresses. Already short (an outward code alone): kept as it is."""
    compact = "".join(postcode.split()).upper()
    return compact[:-3] if len(compact) > 4 else compact


def first_of_year(day: dt.date) -> dt.date:
    return dt.date(day.year, 1, 1)


def counts(patient: Patient) -> dict[str, int]:
    """What anonymising ``patient`` touches: their referrals, letters and courses."""
    referrals = Referral.objects.filter(patient=patient)
    return {
        "referrals": referrals.count(),
        "letters": Letter.objects.filter(referral__in=referrals).count(),
        "courses": Course.objects.filter(patient=patient).count(),
    }


def anonymise(patient: Patient, *, now: dt.datetime) -> dict[str, int]:
    """Remove what identifies ``patient`` and every free text about them; return counts.

    Call inside a transaction holding the patient's row lock.
    """
    touched = counts(patient)
    Patient.objects.filter(pk=patient.pk).update(
        first_name=ANONYMISED,
        last_name=ANONYMISED,
        date_of_birth=first_of_year(patient.date_of_birth),
        postcode=outward_code(patient.postcode),
        anonymised_at=now,
        **dict.fromkeys(BLANK_ON_PATIENT, ""),
    )
    referrals = Referral.objects.filter(patient=patient)
    for pk, born, postcode in referrals.values_list("pk", "date_of_birth", "postcode"):
        Referral.objects.filter(pk=pk).update(
            first_name=ANONYMISED,
            last_name=ANONYMISED,
            date_of_birth=first_of_year(born),
            postcode=outward_code(postcode),
            **dict.fromkeys(BLANK_ON_REFERRAL, ""),
        )
    TriageAssessment.objects.filter(referral__in=referrals).update(
        **dict.fromkeys(BLANK_ON_ASSESSMENT, "")
    )
    ContactAttempt.objects.filter(referral__in=referrals).update(note="")
    TriageDecision.objects.filter(referral__in=referrals).update(
        **dict.fromkeys(BLANK_ON_DECISION, "")
    )
    Letter.objects.filter(referral__in=referrals).update(
        recipient_name=ANONYMISED, pdf=b"", **dict.fromkeys(BLANK_ON_LETTER, "")
    )
    Consent.objects.filter(patient=patient).update(note="")
    _anonymise_courses(Course.objects.filter(patient=patient), now)
    SignInLink.objects.filter(patient=patient).delete()
    PatientAuthenticator.objects.filter(patient=patient).delete()
    return touched


def _anonymise_courses(courses: models.QuerySet[Course], now: dt.datetime) -> None:
    """Blank the words of every course; keep sessions, attendance, scores and ratings.
    Anonymising changes what a course shows (the person's name): a change, at ``now``."""
    courses.update(updated_at=now, **dict.fromkeys(BLANK_ON_COURSE, ""))
    CourseTask.objects.filter(course__in=courses).update(outcome="")
    Appointment.objects.filter(course__in=courses).update(backdate_reason="", updated_at=now)
    records = SessionRecord.objects.filter(appointment__course__in=courses)
    records.update(**dict.fromkeys(BLANK_ON_SESSION_RECORD, ""))
    Addendum.objects.filter(record__in=records).update(text="")
    RiskAlert.objects.filter(course__in=courses).update(action_note="")
    entries = InventoryEntry.objects.filter(course__in=courses)
    entries.update(name=ANONYMISED, **dict.fromkeys(BLANK_ON_ENTRY, ""))
    _blank_revisions(EntryRevision.objects.filter(entry__in=entries), BLANK_ON_ENTRY)
    LifeEvent.objects.filter(course__in=courses).update(description="")
    focuses = Focus.objects.filter(course__in=courses)
    focuses.update(**dict.fromkeys(BLANK_ON_FOCUS, ""))
    _blank_revisions(FocusRevision.objects.filter(focus__in=focuses), BLANK_ON_FOCUS)
    Problem.objects.filter(course__in=courses).update(description="")
    BetweenSessionTask.objects.filter(course__in=courses).update(**dict.fromkeys(BLANK_ON_TASK, ""))
    EndingReview.objects.filter(course__in=courses).update(**dict.fromkeys(BLANK_ON_REVIEW, ""))
    CourseLetter.objects.filter(course__in=courses).update(draft="")
    SupervisionNote.objects.filter(course__in=courses).update(text="")


def _blank_revisions(revisions: models.QuerySet[Any], blank: tuple[str, ...]) -> None:
    """Each earlier version as the record now is: names ``Anonymised``, words blank, the
    coded choices kept (so "changed N times" still counts)."""
    for pk, data in list(revisions.values_list("pk", "data")):
        values = json.loads(data)
        values.update({name: "" for name in blank if name in values})
        if "name" in values:
            values["name"] = ANONYMISED
        if isinstance(values.get("people"), list):
            values["people"] = [
                {**person, "name": ANONYMISED} if isinstance(person, dict) else person
                for person in values["people"]
            ]
        revisions.model.objects.filter(pk=pk).update(data=json.dumps(values))
