"""Who may read which FHIR resources: the pages' role x action table and caseload scoping.

A resource type is open to the roles whose pages show it (``can``); within it, only the
records those pages would show: a therapist's course-derived resources are their own
caseload's, a supervisor's their supervisees' too; referrals are the triage clinicians'
and supervisors'; the patient record is the administrators' (as at ``/patients/``) and
that of anyone who may open one of the person's referrals or courses. Anything else
answers 404, exactly as a page outside one's caseload does.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q

from interplay.accounts.permissions import Action, can
from interplay.accounts.roles import Role
from interplay.api.fhir.base import FhirError
from interplay.courses.models import Course, CourseQuerySet
from interplay.courses.permissions import visible_courses
from interplay.measures.models import QuestionnaireResponse, ResponseQuerySet
from interplay.patients.models import Patient, PatientQuerySet
from interplay.referrals.models import Referral, ReferralQuerySet
from interplay.referrals.permissions import visible_referrals

# Who may send a referral as a FHIR transaction: the referral feed's service account
# (``Role.REFERRAL_FEED``, once the accounts app has it), and meanwhile the people who
# take referrals in at triage and the administrators who set up a feed's account.
REFERRAL_SUBMITTERS: frozenset[str] = frozenset(
    role
    for role in (getattr(Role, "REFERRAL_FEED", None), Role.TRIAGE, Role.ADMINISTRATOR)
    if role is not None
)


def require(user: Any, actions: frozenset[Action] | None, kind: str) -> None:
    """403 unless one of ``actions`` is allowed to ``user`` (None: any member of staff)."""
    if actions is None or any(can(user, action) for action in actions):
        return
    raise FhirError(403, "forbidden", f"Your role may not read {kind} resources.")


def require_submitter(user: Any) -> None:
    if not user.has_role(*REFERRAL_SUBMITTERS):
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
    if user is EVERYONE:
        return Referral.objects.all()
    return visible_referrals(user)


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
REFERRAL_READERS = frozenset({Action.VIEW_REFERRAL})
COURSE_READERS = frozenset({Action.VIEW_COURSE})
RESPONSE_READERS = frozenset({Action.VIEW_COURSE, Action.VIEW_REFERRAL})
