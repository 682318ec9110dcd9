"""A facilitator's day: a group session's members share one record, kept on the group's
session page, so their places are never listed as records to sign one by one."""

import datetime as dt

import time_machine

from interplay.groups import running
from interplay.groups.tests.helpers import NOW, ready_to_facilitate, running_group
from interplay.test import BaseTestCase
from interplay.today.therapist import records_to_sign


class FacilitatorsDayTests(BaseTestCase):
    def test_members_places_are_not_records_to_sign_but_pre_group_sessions_are(self) -> None:
        ready_to_facilitate(self.therapist)
        with time_machine.travel(NOW, tick=False):
            group = running_group(self.therapist, members=5)
        first = group.sessions.get(number=1)
        members = list(group.members.all())
        with time_machine.travel(first.ends_at + dt.timedelta(hours=1), tick=False):
            running.record_group_attendance(
                actor=self.therapist,
                session=first,
                statuses={m.pk: "attended" for m in members},
            )
            listed = records_to_sign(self.therapist, first.ends_at + dt.timedelta(hours=1))
        self.assertFalse(any(a.shared for a in listed))
        # Each member's own pre-group session (session 0) still needs its record.
        self.assertTrue(listed)
        self.assertEqual({a.number for a in listed}, {0})
