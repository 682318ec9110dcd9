"""A service's own protocols, defined in the admin; courses keep the version they began on."""

import copy
import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse

from interplay.courses import protocols, services
from interplay.courses.models import ServiceProtocol
from interplay.test import BaseTestCase, allocated_to, give_hours, qualify


@pytest.mark.parametrize("code", sorted(protocols.BUILT_IN))
def test_every_built_in_protocol_survives_its_snapshot(code: str) -> None:
    protocol = protocols.BUILT_IN[code]
    assert protocols.from_dict(dataclasses.asdict(protocol)) == protocol


def ten_session_ipt() -> dict[str, Any]:
    definition = dataclasses.asdict(protocols.BUILT_IN["ipt12"])
    definition.update(code="ipt10-local", version="1", name="IPT, 10 sessions (ours)")
    definition.update(min_sessions=8, max_sessions=10, default_sessions=10)
    definition["phases"] = [
        {**definition["phases"][0], "first": 1, "last": 3},
        {**definition["phases"][1], "first": 4, "last": 8},
        {**definition["phases"][2], "first": 9, "last": 10},
    ]
    return definition


class ServiceProtocolTests(BaseTestCase):
    def test_an_administrator_defines_one_and_a_therapist_can_choose_it(self) -> None:
        self.sign_in(self.admin)
        response = self.client.post(
            reverse("admin:courses_serviceprotocol_add"),
            {
                "code": "ipt10-local",
                "version": "1",
                "active": "on",
                "definition": json.dumps(ten_session_ipt()),
            },
        )
        self.assertEqual(response.status_code, 302)
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        referral = allocated_to(self.therapist, "ipt")
        self.sign_in(self.therapist)
        page = self.client.get(reverse("courses:start", args=[referral.public_id]))
        self.assertContains(page, "IPT, 10 sessions (ours) (10 sessions)")
        course = services.start_course(
            actor=self.therapist,
            referral=referral,
            protocol_code="ipt10-local",
            weekday=0,
            at=dt.time(10),
            first_date=dt.date(2027, 1, 4),
            history=True,
        )
        self.assertEqual(course.appointments.count(), 10)
        # The service edits its protocol later: the running course keeps its own version.
        row = ServiceProtocol.objects.get()
        changed = copy.deepcopy(row.definition)
        changed["name"] = "Renamed"
        row.definition = changed
        row.save()
        course.refresh_from_db()
        self.assertEqual(course.protocol().name, "IPT, 10 sessions (ours)")

    def test_a_broken_definition_is_refused_beside_the_field(self) -> None:
        broken = ten_session_ipt()
        broken["phases"] = broken["phases"][:2]  # sessions 9 and 10 belong to no phase
        self.sign_in(self.admin)
        response = self.client.post(
            reverse("admin:courses_serviceprotocol_add"),
            {
                "code": "ipt10-local",
                "version": "1",
                "active": "on",
                "definition": json.dumps(broken),
            },
        )
        self.assertContains(response, "This is not a valid protocol")
        self.assertFalse(ServiceProtocol.objects.exists())
