"""Who may read which FHIR resources: the pages' role x action table and caseload scoping.

A resource type is open to the roles whose pages show it (``can``); within it, only the
records those pages would show: a therapist's course-derived resources are their own
caseload's, a supervisor's their supervisees' too; referrals are the triage clinicians'
and supervisors' (a referral feed reads back the ones it sent itself); the patient record
is the administrators' (as at ``/patients/``) and that of anyone who may open one of the
person's referrals or courses. Anything else answers 404, exactly as a page outside one's
caseload does.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q

from interplay.accounts.permissions import Action, can
from interplay.api.fhir.base import FhirError
from interplay.courses.models import Course, CourseQuerySet
from interplay.courses.permissions import visible_courses
from interplay.measures.models import QuestionnaireResponse, ResponseQuerySet
from interplay.patients.models import Patient, PatientQuerySet
from interplay.referrals.models import Referral, ReferralQuerySet
from interplay.referrals.permissions import readable_referrals


def require(user: Any, actions: frozenset[Action] | None, kind: str) -> None:
    """403 unless one of ``actions`` is allowed to ``user`` (None: any member of staff)."""
    if actions is None or any(can(user, action) for action in actions):
        return
    raise FhirError(403, "forbidden", f"Your role may not read {kind} resources.")


def require_submitter(user: Any) -> None:
    """Who may send a referral in as a FHIR transaction: as by the JSON API, the role x
    action table's SUBMIT_REFERRAL (a referral feed's service account, triage)."""
    if not can(user, Action.SUBMIT_REFERRAL):
        raise FhirError(
            403, "forbidden", "Your role may not send referrals: use the referral feed's account."
        )


class _Everyone:
    """The reader of a whole-service export (``everything.everything_bundle``): every
    record, in no caseload. A sentinel that no request can be: a token's user is a User."""

    is_authenticated = True
    is_active = True


EVERYONE = _Everyone()


def courses(user: Any) -> CourseQuerySet:
    if user is EVERYONE:
        return Course.objects.all()
    return visible_courses(user)


def referrals(user: Any) -> ReferralQuerySet:
    """Every referral for triage and supervisors; a feed's own for a feed (only the
    ServiceRequest type opens to a feed: the others ask for VIEW_REFERRAL first)."""
    if user is EVERYONE:
        return Referral.objects.all()
    return readable_referrals(user)


def patients(user: Any) -> PatientQuerySet:
    found = Patient.objects.current()
    if user is EVERYONE or can(user, Action.MANAGE_RECORDS):
        return found
    scope = Q(Exists(courses(user).filter(patient=OuterRef("pk"))))
    if can(user, Action.VIEW_REFERRAL):
        scope |= Q(Exists(referrals(user).filter(patient=OuterRef("pk"))))
    return found.filter(scope)


def responses(user: Any) -> ResponseQuerySet:
    """A course's answers to those who may open the course; the screening answers given
    with a referral to those who may open the referral."""
    if user is EVERYONE:
        return QuestionnaireResponse.objects.all()
    scope = Q(course__in=courses(user))
    if can(user, Action.VIEW_REFERRAL):
        scope |= Q(referral__in=referrals(user))
    return QuestionnaireResponse.objects.filter(scope)


PATIENT_READERS = frozenset({Action.MANAGE_RECORDS, Action.VIEW_REFERRAL, Action.VIEW_COURSE})
REFERRAL_READERS = frozenset({Action.VIEW_REFERRAL, Action.VIEW_SENT_REFERRALS})
COURSE_READERS = frozenset({Action.VIEW_COURSE})
RESPONSE_READERS = frozenset({Action.VIEW_COURSE, Action.VIEW_REFERRAL})
