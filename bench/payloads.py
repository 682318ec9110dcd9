"""Form bodies for the two POSTs, built once and reused with a fresh token per request."""

import datetime as dt
import itertools
import random
import uuid
from urllib.parse import urlencode

from interplay.demo.data import synthetic_referral

POOL = 64


def referral_fields(rng: random.Random, index: int) -> list[tuple[str, str]]:
    """Every field of the self-referral form, as a person would fill it in (no token)."""
    spec = synthetic_referral(rng, index, dt.date.today())
    d = spec["details"]
    born: dt.date = d["date_of_birth"]
    fields = [
        ("first_name", d["first_name"]),
        ("last_name", d["last_name"]),
        ("date_of_birth_0", str(born.day)),
        ("date_of_birth_1", str(born.month)),
        ("date_of_birth_2", str(born.year)),
        ("nhs_number", ""),
        ("address_line_1", d["address_line_1"]),
        ("address_line_2", ""),
        ("town", d["town"]),
        ("postcode", d["postcode"]),
        ("phone", f"07700900{rng.randint(100, 999)}"),
        ("email", d["email"]),
        ("preferred_contact", d["preferred_contact"]),
        ("may_leave_message", "yes" if d["may_leave_message"] else "no"),
        *(("available_times", t) for t in d["available_times"]),
        ("interpreter_needed", "no"),
        ("interpreter_language", ""),
        ("gp_practice", d["gp_practice"]),
        ("gp_address", d["gp_address"]),
        ("main_difficulties", d["main_difficulties"]),
        ("duration", d["duration"]),
        *(("problem_areas", p) for p in d["problem_areas"]),
        ("relationships_affected", d["relationships_affected"]),
        ("hoped_change", d["hoped_change"]),
        ("substance_use", d["substance_use"]),
        ("substance_detail", ""),
        ("other_services", ""),
        # Item 9 stays 0: no new referral jumps the queue, so its first page is stable.
        *((f"phq9_{n}", str(0 if n == 9 else v)) for n, v in spec["phq9"].items()),
        ("phq9_difficulty", "1"),
        *((f"gad7_{n}", str(v)) for n, v in spec["gad7"].items()),
        ("consent_to_referral", "on"),
        ("consent_to_gp_contact", "on"),
        ("website", ""),
    ]
    return fields


def bare_fields(rng: random.Random, index: int) -> list[tuple[str, str]]:
    return [(f"field_{n}", f"value {index}-{n}-{rng.randint(0, 9999)}") for n in range(1, 11)]


class Bodies:
    """A pool of urlencoded bodies; ``next()`` adds a new submission token when asked."""

    def __init__(self, fields: list[list[tuple[str, str]]], *, token: bool) -> None:
        self.prefixes = [urlencode(f) for f in fields]
        self.token = token
        self.count = 0

    @classmethod
    def referral(cls, csrf: str, gate: str) -> "Bodies":
        rng = random.Random(11)
        extra = [("csrfmiddlewaretoken", csrf), ("gate", gate)]
        return cls([extra + referral_fields(rng, i) for i in range(POOL)], token=True)

    @classmethod
    def bare(cls, csrf: str) -> "Bodies":
        rng = random.Random(13)
        extra = [("csrfmiddlewaretoken", csrf)]
        return cls([extra + bare_fields(rng, i) for i in range(POOL)], token=False)

    def next(self) -> str:
        # Not locked: a repeated index between threads only reuses a body, never a token.
        self.count += 1
        body = self.prefixes[self.count % len(self.prefixes)]
        if self.token:
            body += f"&submission_token={uuid.uuid4()}"
        return body


# The answers a patient gives in the portal: a mild week, question 9 not at all (a risk
# answer raises an alert, which a few patients' answers would, not most).
PORTAL_ANSWERS = {
    "phq9": [*((f"phq9-item_{n}", str(v)) for n, v in enumerate([1, 2, 1, 1, 1, 1, 0, 0, 0], 1)),
             ("phq9-difficulty", "1")],
    "gad7": [(f"gad7-item_{n}", str(v)) for n, v in enumerate([1, 1, 2, 1, 0, 1, 1], 1)],
}  # fmt: skip


def portal_path(session_id: str, code: str) -> str:
    return f"/portal/sessions/{session_id}/questionnaires/{code}/"


class PortalAnswers:
    """One signed-in patient's questionnaire per request, each answered once: every
    patient's PHQ-9, then every patient's GAD-7. ``next()`` gives (path, cookies, body)."""

    def __init__(self, patients: list[tuple[str, str]], csrf: str, cookies: str = "") -> None:
        self.targets = [
            (key, session, code) for code in ("phq9", "gad7") for key, session in patients
        ]
        self.body = {
            code: urlencode([("csrfmiddlewaretoken", csrf), *fields])
            for code, fields in PORTAL_ANSWERS.items()
        }
        self.cookies = cookies
        self.count = itertools.count()
        self.exhausted = False

    def __len__(self) -> int:
        return len(self.targets)

    def next(self) -> tuple[str, str, str]:
        index = next(self.count)  # one at a time, whichever thread asks
        if index >= len(self.targets):
            self.exhausted = True  # the same again: answered, so it counts as an error
        key, session, code = self.targets[index % len(self.targets)]
        cookies = f"sessionid={key}" + (f"; {self.cookies}" if self.cookies else "")
        return portal_path(session, code), cookies, self.body[code]
