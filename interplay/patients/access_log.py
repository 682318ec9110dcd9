"""The looks at a person's records, for the subject access export: who opened what, when.

Read from the audit trail in one query; staff's network addresses are left out (they are
not the person's data).
"""

from typing import Any

from django.db.models import Q

from interplay.audit.models import AuditEvent, AuditEventQuerySet
from interplay.courses.models import Course
from interplay.lib.export import person_name
from interplay.patients.models import Patient
from interplay.referrals.models import Referral

# Lists that name referrals by reference in their audit detail (the key holding them).
REFERRAL_LISTS = {
    "triage_queue.viewed": "referrals",
    "waiting_list.viewed": "referrals",
    # The JSON API's list of referrals (a system or a person with a token).
    "referral_list.viewed": "referrals",
}


PATIENT_LISTS = {
    "patient_search.viewed": "patients",
    # The JSON API's list of patients, and FHIR searches: each names whose records it showed.
    "patient_list.viewed": "patients",
    "fhir.searched": "patients",
}


LOOKS = {
    "referral.viewed": "Opened the referral",
    "triage_queue.viewed": "Saw the referral on the triage queue",
    "waiting_list.viewed": "Saw the referral on a waiting list",
    "letter.viewed": "Opened a letter",
    "patient.viewed": "Opened the patient record",
    "patient_search.viewed": "Saw the patient record in search results",
    "patient.exported": "Exported the whole record (subject access)",
    "course.viewed": "Opened the course",
    "session_record.viewed": "Opened a session record",
    "formulation.viewed": "Opened the formulation",
    "formulation.person_viewed": "Opened a person in the formulation",
    "formulation.focus_history_viewed": "Opened the earlier versions of the focus",
    "progress.problems_viewed": "Opened the problems and goals",
    "progress.ending_viewed": "Opened the ending review",
    "progress.letters_viewed": "Opened the ending letters",
    "alert.viewed": "Opened a risk alert",
    "referral_list.viewed": "Saw the referral in a list through the API",
    "patient_list.viewed": "Saw the patient record in a list through the API",
    "fhir.searched": "Saw the records in a FHIR search",
}


# Looks at a course's pages whose action does not end ".viewed" (each names the course).
COURSE_PAGES = (
    "formulation.person_viewed",
    "formulation.focus_history_viewed",
    "progress.problems_viewed",
    "progress.ending_viewed",
    "progress.letters_viewed",
)


AUDIT_FIELDS = ("sequence", "at", "action", "actor_label", "object_id", "detail")


ACTOR_FIELDS = ("actor__username", "actor__first_name", "actor__last_name")


def access_log(
    patient: Patient, referrals: list[Referral], courses: list[Course]
) -> list[dict[str, Any]]:
    """Every look at the person's records by anyone, oldest first (one query).

    The looks the audit viewer lists for each referral (``AuditEvent.views_of``), and for
    the patient record, its letters, the search results that listed it and the exports;
    for each course, every page of it opened (the course, session records, formulation,
    problems, ending: their ``*viewed`` events name the course) and its risk alerts.
    Staff's network addresses are left out: they are not the person's data.
    """
    records: dict[str, str] = {str(patient.public_id): "Patient record"}
    looks: AuditEventQuerySet = AuditEvent.objects.views_of(patient)
    looks |= AuditEvent.objects.about(patient).by_action("patient.exported")
    for key, value in PATIENT_LISTS.items():
        looks |= AuditEvent.objects.filter(
            action=key, **{f"detail__{value}__icontains": f'"{patient.public_id}"'}
        )
    for referral in referrals:
        records[str(referral.public_id)] = f"Referral {referral.reference}"
        looks |= AuditEvent.objects.views_of(referral, listed_in=REFERRAL_LISTS)
        for letter in referral.letters.all():
            records[str(letter.public_id)] = f"Letter about referral {referral.reference}"
            looks |= AuditEvent.objects.views_of(letter)
    for course in courses:
        name = f"Course of {course.get_modality_display()} from {course.start_date:%-d %B %Y}"
        records[str(course.public_id)] = name
        looks |= AuditEvent.objects.filter(
            Q(action__endswith=".viewed") | Q(action__in=COURSE_PAGES),
            object_type="courses.course",
            object_id=str(course.public_id),
        ).exclude(action__startswith="audit.")
        for alert in course.alerts.all():
            records[str(alert.public_id)] = f"Risk alert ({name})"
            looks |= AuditEvent.objects.views_of(alert)
    events = looks.select_related("actor").only(*AUDIT_FIELDS, *ACTOR_FIELDS)
    references = {r.reference for r in referrals}
    return [
        {
            "at": event.at,
            "by": person_name(event.actor) if event.actor else event.actor_label,
            "username": event.actor_label,
            "action": event.action,
            "what": LOOKS.get(event.action, event.action),
            "record": records.get(event.object_id) or _listed(event, references),
        }
        for event in events.order_by("sequence")
    ]


def _listed(event: AuditEvent, references: set[str]) -> str:
    """Which of the person's referrals a list showed ("Patient record" for a search)."""
    if event.action in PATIENT_LISTS:
        return "Patient record"
    key = REFERRAL_LISTS.get(event.action, "")
    shown = event.detail.get(key, []) if isinstance(event.detail, dict) else []
    return ", ".join(f"Referral {ref}" for ref in shown if ref in references)
