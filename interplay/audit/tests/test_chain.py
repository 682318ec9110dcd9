"""The hash chain's pure core: canonical form, hashing, and what verification reports."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from interplay.audit import chain
from interplay.audit.chain import GENESIS, Fault, Head, Link

START = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def chained(count: int) -> list[Link]:
    """A valid chain of ``count`` events, one a minute from START."""
    links: list[Link] = []
    prev_hash = GENESIS
    for n in range(1, count + 1):
        link = Link(
            sequence=n,
            public_id=f"00000000-0000-4000-8000-{n:012d}",
            at=START + dt.timedelta(minutes=n),
            actor_id=7,
            actor_label="triage",
            action="referral.viewed",
            object_type="referrals.referral",
            object_id=f"10000000-0000-4000-8000-{n:012d}",
            detail={"page": n},
            client_address="192.0.2.7",
            request_id=f"req-{n}",
            prev_hash=prev_hash,
        )
        link = dataclasses.replace(link, hash=chain.digest(link))
        links.append(link)
        prev_hash = link.hash
    return links


def resealed(link: Link, **changes: object) -> Link:
    """``link`` changed and hashed again, as a forger who knows the algorithm would."""
    changed = dataclasses.replace(link, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(changed, hash=chain.digest(changed))


def head_of(links: list[Link]) -> Head:
    return Head(links[-1].sequence, links[-1].hash)


class CanonicalFormTests(SimpleTestCase):
    def test_the_canonical_form_is_fixed(self) -> None:
        # Every stored hash depends on this form: changing it breaks every chain.
        self.assertEqual(
            chain.canonical(chained(1)[0]).decode(),
            '{"action":"referral.viewed","actor":7,"actor_label":"triage",'
            '"at":"2026-03-01T09:31:00.000000Z","client_address":"192.0.2.7",'
            '"detail":{"page":1},"object_id":"10000000-0000-4000-8000-000000000001",'
            '"object_type":"referrals.referral","prev_hash":"' + GENESIS + '",'
            '"public_id":"00000000-0000-4000-8000-000000000001","request_id":"req-1",'
            '"sequence":1}',
        )

    def test_the_same_event_hashes_the_same_however_the_database_wrote_it(self) -> None:
        link = chained(1)[0]
        same = [
            dataclasses.replace(link, at=link.at.astimezone(ZoneInfo("Europe/London"))),
            dataclasses.replace(link, detail={"page": 1}.copy()),
        ]
        for variant in same:
            with self.subTest(variant=variant):
                self.assertEqual(chain.digest(variant), chain.digest(link))
        v6 = dataclasses.replace(link, client_address="2001:db8::1")
        v6_long = dataclasses.replace(link, client_address="2001:0DB8:0:0:0:0:0:1")
        self.assertEqual(chain.digest(v6), chain.digest(v6_long))

    def test_every_field_is_covered(self) -> None:
        link = chained(1)[0]
        changes = {
            "sequence": 2,
            "public_id": "00000000-0000-4000-8000-999999999999",
            "at": link.at + dt.timedelta(microseconds=1),
            "actor_id": 8,
            "actor_label": "admin",
            "action": "referral.submitted",
            "object_type": "accounts.user",
            "object_id": "x",
            "detail": {"page": 2},
            "client_address": "192.0.2.8",
            "request_id": "req-x",
            "prev_hash": "f" * 64,
        }
        for name, value in changes.items():
            with self.subTest(field=name):
                changed = dataclasses.replace(link, **{name: value})  # type: ignore[arg-type]
                self.assertNotEqual(chain.digest(changed), link.hash)

    def test_the_template_puts_together_the_canonical_form(self) -> None:
        # The database fills in the hash before and the sequence; what it hashes must
        # be the canonical form, byte for byte.
        link = dataclasses.replace(
            chained(3)[2], detail={"\u00e9": "\u2020", "n": [1, None]}, client_address="::1"
        )
        parts = chain.template(link, "@@mark@@")
        assert parts is not None
        text = parts[0] + link.prev_hash + parts[1] + str(link.sequence) + parts[2]
        self.assertEqual(text.encode(), chain.canonical(link))

    def test_no_template_when_the_event_holds_the_mark(self) -> None:
        link = dataclasses.replace(chained(1)[0], detail={"note": "@@mark@@"})
        self.assertIsNone(chain.template(link, "@@mark@@"))
        self.assertIsNotNone(chain.template(link, "@@other@@"))

    def test_a_time_without_a_zone_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            chain.timestamp(dt.datetime(2026, 3, 1, 9, 30))


class VerifyTests(SimpleTestCase):
    def test_what_verification_reports(self) -> None:
        a, b, c, d = chained(4)
        forged_after_d = resealed(d, sequence=5, prev_hash=d.hash, public_id="forged")
        cases: list[tuple[str, list[Link], Head | None, int, Fault | None, int | None, str]] = [
            # name, links, head, events verified, fault, sequence named, words in message
            ("intact", [a, b, c, d], head_of([a, b, c, d]), 4, None, None, ""),
            ("intact without a head", [a, b, c, d], None, 4, None, None, ""),
            ("empty", [], Head(0, GENESIS), 0, None, None, ""),
            (
                "detail edited",
                [a, dataclasses.replace(b, detail={"page": 9}), c, d],
                None,
                1,
                Fault.EDITED,
                2,
                "no longer matches its hash",
            ),
            (
                "hash edited",
                [a, dataclasses.replace(b, hash="0" * 63 + "1"), c, d],
                None,
                1,
                Fault.EDITED,
                2,
                "event 2 (",
            ),
            ("one deleted", [a, c, d], None, 1, Fault.DELETED, 3, "Event 2 is missing"),
            ("two deleted", [a, d], None, 1, Fault.DELETED, 4, "Events 2 to 3 are"),
            ("first deleted", [b, c, d], None, 0, Fault.DELETED, 2, "Event 1 is missing"),
            (
                "last deleted",
                [a, b, c],
                head_of([a, b, c, d]),
                3,
                Fault.DELETED,
                None,
                "Event 4 is missing from the end",
            ),
            ("all deleted", [], Head(4, d.hash), 0, Fault.DELETED, None, "Events 1 to 4"),
            (
                "forged after the head",
                [a, b, c, d, forged_after_d],
                head_of([a, b, c, d]),
                4,
                Fault.INSERTED,
                5,
                "after the chain head",
            ),
            (
                "forged in place of an event",
                [a, resealed(b, detail={"page": 9}), c, d],
                None,
                2,
                Fault.INSERTED,
                3,
                "does not follow event 2",
            ),
            (
                "forged with a number past a gap",
                [a, b, resealed(d, sequence=7, prev_hash=b.hash)],
                None,
                2,
                Fault.INSERTED,
                7,
                "numbered 7 where 3 was expected",
            ),
            (
                "numbered twice",
                [a, b, resealed(b, public_id="again", prev_hash=b.hash)],
                None,
                2,
                Fault.INSERTED,
                2,
                "out of sequence",
            ),
            (
                "first not chained to the start",
                [resealed(a, prev_hash="a" * 64), b],
                None,
                0,
                Fault.INSERTED,
                1,
                "does not follow the start of the chain",
            ),
            (
                "last replaced and the head kept",
                [a, b, c, resealed(d, detail={"page": 9})],
                head_of([a, b, c, d]),
                4,
                Fault.EDITED,
                4,
                "chain head does not match the last event",
            ),
        ]
        for name, links, head, count, fault, sequence, words in cases:
            with self.subTest(name):
                report = chain.verify(links, head)
                self.assertEqual(report.count, count)
                self.assertEqual(report.intact, fault is None)
                if report.problem is None:
                    continue
                self.assertEqual(report.problem.fault, fault)
                named = report.problem.link.sequence if report.problem.link else None
                self.assertEqual(named, sequence)
                self.assertIn(words, report.problem.message)

    def test_an_event_forged_onto_the_end_shows_only_against_the_head(self) -> None:
        links = chained(3)
        forged = resealed(links[-1], sequence=4, prev_hash=links[-1].hash, public_id="forged")
        self.assertTrue(chain.verify([*links, forged]).intact)
        report = chain.verify([*links, forged], head_of(links))
        assert report.problem is not None
        self.assertEqual(report.problem.fault, Fault.INSERTED)

    def test_a_problem_names_the_event_by_sequence_public_id_and_time(self) -> None:
        a, b = chained(2)
        report = chain.verify([a, dataclasses.replace(b, actor_label="someone")])
        assert report.problem is not None
        self.assertIn(
            "event 2 (00000000-0000-4000-8000-000000000002, 2026-03-01T09:32:00.000000Z)",
            report.problem.message,
        )
