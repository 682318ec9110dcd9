"""The patient's portal session: who is signed in, and whether both checks are done.

Separate from staff sign-in (a patient is not a ``User``). The session key is changed at
sign-in (no fixation) and the session ends after ``IDLE_TIMEOUT_SECONDS`` without a
request, like staff sessions.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from interplay.audit.actors import PatientActor, act_as
from interplay.lib.prepared import Prepared
from interplay.patients.models import Patient

PATIENT = "portal_patient"
STAGE = "portal_stage"
VERIFIED = "verified"
NEEDS_CODE = "needs_code"


def begin(request: HttpRequest, patient: Patient, *, needs_code: bool) -> None:
    request.session.cycle_key()
    request.session[PATIENT] = str(patient.public_id)
    request.session[STAGE] = NEEDS_CODE if needs_code else VERIFIED
    request.session.set_expiry(settings.IDLE_TIMEOUT_SECONDS)


def verified(request: HttpRequest) -> None:
    request.session[STAGE] = VERIFIED
    request.session.cycle_key()


def end(request: HttpRequest) -> None:
    request.session.pop(PATIENT, None)
    request.session.pop(STAGE, None)
    request.session.cycle_key()


def waiting_patient(request: HttpRequest) -> Patient | None:
    """The patient who has used a link but still owes an authenticator code."""
    if request.session.get(STAGE) != NEEDS_CODE:
        return None
    return _patient(request)


# The signed-in patient's record, read on every portal request: compiled once per process
# (lib/prepared.py).
_SIGNED_IN = Prepared(
    Patient,
    lambda public_id: Patient.objects.current().filter(
        public_id=public_id, anonymised_at__isnull=True
    )[:1],
    public_id="uuid",
)


def _patient(request: HttpRequest) -> Patient | None:
    public_id = request.session.get(PATIENT)
    if not public_id:
        return None
    found = _SIGNED_IN.run(public_id=public_id)
    return found[0] if found else None


def signed_in(request: HttpRequest) -> Patient | None:
    if request.session.get(STAGE) != VERIFIED:
        return None
    return _patient(request)


def patient_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Run ``view`` with the signed-in patient's actor; otherwise back to sign in."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        patient = signed_in(request)
        if patient is None:
            if waiting_patient(request) is not None:
                return redirect("portal:code")
            return redirect("portal:home")
        actor = PatientActor(patient)
        act_as(request, actor)
        response = view(request, actor, *args, **kwargs)
        # Each request restarts the idle clock (a write of the session row), except a
        # form sent and redirected: the browser's request for the page it is sent to
        # restarts it a moment later, so answering commits once, not twice.
        if request.method in ("GET", "HEAD") or not 300 <= response.status_code < 400:
            request.session.set_expiry(settings.IDLE_TIMEOUT_SECONDS)
        return response

    return wrapper
