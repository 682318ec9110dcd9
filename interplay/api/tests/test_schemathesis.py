"""schemathesis against the live OpenAPI document, through Django's WSGI application:
every operation, with data made from its schema, with a token of two roles (triage and
therapist). No answer may be a server error, and every answer must be one the document
declares (status, content type and shape).

In ``make test`` a few examples each, always the same ones (derandomised), keep the run
short and its answer repeatable. ``INTERPLAY_FUZZ=200 pytest interplay/api/tests/
test_schemathesis.py`` explores with 200 fresh random examples per operation: run it
after changing the API, and turn what it finds into a test beside the resource.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from interplay.accounts.roles import Role
from interplay.api.models import Scope
from interplay.api.services import create_token
from interplay.api.v1 import api
from interplay.test import make_clinician, make_referral, make_user

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

pytestmark = pytest.mark.django_db

FUZZ = int(os.environ.get("INTERPLAY_FUZZ", "0"))


@pytest.fixture
def keys(settings: Any) -> Iterator[list[str]]:
    settings.API_RATE_LIMIT = "100000/m"
    # As Django's test client does: a request's end must not close the test's database
    # connection, which holds the test's transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    make_referral(email="")
    triage = make_user("triage", Role.TRIAGE)
    therapist = make_clinician("therapist", Role.THERAPIST)
    yield [
        create_token(actor=user, name="schemathesis", scope=Scope.READ_WRITE)[1]
        for user in (triage, therapist)
    ]
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=FUZZ or 5,
    derandomize=not FUZZ,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_its_document_says(case: Any, keys: list[str]) -> None:
    for key in keys:
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
