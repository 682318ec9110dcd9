"""What `make bench` measures: the requests, their goals, the data behind them, and the
database work of each request counted in process before the load runs."""

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

WORKERS = 2
SMALL_QUEUE_REFERRALS = 100
BARE_ROWS = 60
PASSWORD = secrets.token_urlsafe(18)
# Two data sizes for each list page, so a query count that grows with the data shows.
WAITING = (5, 40)
COURSES = (3, 25)

# (Interplay endpoint, bare endpoint, name, goal for the requests/s ratio)
PAIRS = [
    ("referral", "bare_post", "Self-referral POST / bare form POST", 0.4),
    ("portal_answer", "bare_post", "Portal questionnaire POST / bare form POST", 0.5),
    ("queue", "bare_list", "Triage queue / bare 50-row list", 0.5),
    ("waiting", "bare_list", "Waiting list / bare 50-row list", 0.5),
    ("caseload", "bare_list", "Caseload / bare 50-row list", 0.5),
    ("course", "bare_list", "Course page / bare 50-row list", 0.35),
    ("today", "bare_list", "Therapist's day / bare 50-row list", 0.5),
    ("fhir_read", "bare_row", "FHIR EpisodeOfCare read / bare one-row read", 0.35),
    ("fhir_bundle", "bare_list", "FHIR 50-entry Bundle / bare 50-row list", 1.0),
]
LABELS = {
    "referral": "Interplay self-referral POST",
    "portal_answer": "Interplay portal PHQ-9 POST",
    "bare_post": "bare 10-field form POST",
    "queue": "Interplay triage queue GET",
    "bare_list": "bare 50-row list GET",
    "waiting": "Interplay IPT waiting list GET",
    "caseload": "Interplay caseload GET",
    "course": "Interplay course page GET",
    "today": "Interplay therapist's day GET",
    "fhir_read": "Interplay FHIR EpisodeOfCare GET",
    "bare_row": "bare one-row JSON GET",
    "fhir_bundle": "Interplay FHIR 50 Appointments GET",
}
ORDER = [
    "referral", "portal_answer", "bare_post", "queue", "bare_list", "waiting", "caseload",
    "course", "today", "fhir_read", "bare_row", "fhir_bundle",
]  # fmt: skip
# FHIR answers a token, not a session: the therapist's, in the Authorization header.
TOKEN_PAGES = ("fhir_read", "fhir_bundle")
# The staff pages, and whose browser asks for each (the triage clinician or the therapist).
PAGES = {
    "queue": "triage",
    "waiting": "triage",
    "caseload": "therapist",
    "course": "therapist",
    "today": "therapist",
}
# The POSTs, each held to one commit.
POSTS = ("referral", "portal_answer")
# Pages whose query count is checked at two data sizes; the course page is one record.
LISTS = ("queue", "waiting", "caseload", "today")


@dataclass
class Config:
    seconds: float = 5.0
    referrals: int = 3000
    repetitions: int = 3
    concurrency: tuple[int, ...] = (1, 8)
    keep: bool = False
    # Patients with their PHQ-9 and GAD-7 open in the portal: each answers each once, so
    # the portal POST has twice this many requests to send before it runs out.
    portal_patients: int = 2500
    # A service seeded by ``seed_service`` to run on a copy of (its database URL), if any.
    seeded: str = ""

    @classmethod
    def from_env(cls) -> "Config":
        return cls(
            seconds=float(os.environ.get("BENCH_SECONDS", "5")),
            referrals=max(
                SMALL_QUEUE_REFERRALS * 2, int(os.environ.get("BENCH_REFERRALS", "3000"))
            ),
            repetitions=max(1, int(os.environ.get("BENCH_REPETITIONS", "3"))),
            concurrency=tuple(
                int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,8").split(",") if c.strip()
            ),
            keep=os.environ.get("BENCH_KEEP", "") not in ("", "0"),
            portal_patients=max(10, int(os.environ.get("BENCH_PORTAL_PATIENTS", "2500"))),
            seeded=os.environ.get("BENCH_SEEDED_DATABASE_URL", ""),
        )


@dataclass
class InProcess:
    """Database work per request and in-process timings, measured before the load runs."""

    work: dict[str, Any] = field(default_factory=dict)
    queue_sizes: dict[str, int] = field(default_factory=dict)
    queue_ms: dict[str, float] = field(default_factory=dict)
    bare_list_ms: float = 0.0
    # Each staff member's authenticator, if sign-in has a second factor.
    devices: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    # The therapist's API token, for the FHIR requests.
    bearer: str = ""
    # Portal patients not yet used: (session key, session public id), for the HTTP runs.
    portal: list[tuple[str, str]] = field(default_factory=list)
    # The referrals of the seeded service the run started from (0: an empty database).
    seeded_referrals: int = 0


class BenchError(RuntimeError):
    pass


def prepare_database(config: Config) -> InProcess:
    from django.core.management import call_command

    from bench import inprocess, seed

    call_command("migrate", interactive=False, verbosity=0)
    seeded_referrals = seed.referral_count()
    triage = seed.triage_user(PASSWORD)
    therapist = seed.therapist(PASSWORD)
    result = InProcess(
        devices={"triage": seed.authenticator(triage), "therapist": seed.authenticator(therapist)},
        seeded_referrals=seeded_referrals,
    )
    seed.bare_rows(BARE_ROWS)
    staff = {
        "triage": inprocess.signed_in(triage, result.devices["triage"]),
        "therapist": inprocess.signed_in(therapist, result.devices["therapist"]),
    }
    result.paths = {
        "queue": "/triage/",
        "waiting": "/waiting-list/ipt/",
        "caseload": "/caseload/",
        "today": "/today/therapist/",
    }

    seed.referrals(SMALL_QUEUE_REFERRALS)
    seed.waiting(WAITING[0])
    seed.courses(therapist, COURSES[0])
    _measure_lists(result, staff, "small")
    seed.referrals(config.referrals - SMALL_QUEUE_REFERRALS, start=SMALL_QUEUE_REFERRALS)
    seed.waiting(WAITING[1] - WAITING[0])
    seed.courses(therapist, COURSES[1] - COURSES[0])
    _measure_lists(result, staff, "large")
    course = seed.a_course(therapist)
    seed.scores(course)
    result.paths["course"] = f"/courses/{course.public_id}/"
    staff["therapist"].get(result.paths["course"])
    result.work["course"] = inprocess.get(staff["therapist"], result.paths["course"])

    _measure_fhir(result, therapist)
    result.portal = seed.portal_patients(config.portal_patients)
    _measure_posts(result)
    result.work["bare_list"] = inprocess.get(inprocess.anonymous(), "/bare/list/")
    result.bare_list_ms = inprocess.milliseconds_per_request(inprocess.anonymous(), "/bare/list/")
    _check(result)
    return result


def _measure_lists(result: InProcess, staff: dict[str, Any], size: str) -> None:
    from bench import inprocess, seed

    sizes = {"queue": seed.queue_size(), "waiting": seed.waiting_size(), "caseload": 0}
    sizes["caseload"] = sizes["today"] = seed.course_count()
    result.queue_sizes[size] = sizes["queue"]
    for key in LISTS:
        client = staff[PAGES[key]]
        client.get(result.paths[key])  # warm
        result.work[f"{key} N={sizes[key]}"] = inprocess.get(client, result.paths[key])
    label = f"N={sizes['queue']}"
    result.queue_ms[label] = inprocess.milliseconds_per_request(staff["triage"], "/triage/")


def _measure_fhir(result: InProcess, therapist: Any) -> None:
    from django.test import Client

    from bench import inprocess, seed
    from bench.models import BareRow
    from interplay.api.services import create_token

    result.bearer = create_token(actor=therapist, name="Benchmark")[1]
    result.paths["fhir_read"] = f"/fhir/R4/EpisodeOfCare/{seed.a_course(therapist).public_id}"
    result.paths["fhir_bundle"] = "/fhir/R4/Appointment?_count=50"
    result.paths["bare_row"] = f"/bare/row/{BareRow.objects.order_by('id').first().pk}/"  # type: ignore[union-attr]
    token = Client(HTTP_HOST=inprocess.HOST, HTTP_AUTHORIZATION=f"Bearer {result.bearer}")
    for key in TOKEN_PAGES:
        token.get(result.paths[key])  # warm
        result.work[key] = inprocess.get(token, result.paths[key])
    result.work["bare_row"] = inprocess.get(inprocess.anonymous(), result.paths["bare_row"])


def _measure_posts(result: InProcess) -> None:
    from django.conf import settings

    from bench import inprocess, payloads

    public = inprocess.anonymous()
    gate = inprocess.gate(public)
    if not gate:
        raise BenchError("the eligibility step gave no gate")
    public.get(f"/refer/details/?gate={gate}")
    referrals = payloads.Bodies.referral("", gate)
    inprocess.post(public, "/refer/details/", referrals.next())  # warm
    result.work["referral"] = inprocess.post(public, "/refer/details/", referrals.next())
    answers = payloads.PortalAnswers(result.portal[:2], "")
    result.portal = result.portal[2:]
    for _ in range(2):  # warm, then measured
        path, cookies, body = answers.next()
        patient = inprocess.anonymous()
        patient.cookies[settings.SESSION_COOKIE_NAME] = cookies.split("=", 1)[1]
        result.work["portal_answer"] = inprocess.post(patient, path, body)
    bare = payloads.Bodies.bare("")
    inprocess.post(public, "/bare/form/", bare.next())
    result.work["bare_post"] = inprocess.post(public, "/bare/form/", bare.next())


def _check(result: InProcess) -> None:
    expected = {
        "referral": (302, "/refer/confirmation/"),
        "portal_answer": (302, "/portal/sessions/"),
        "bare_post": (302, "/bare/list/"),
    }
    for key, work in result.work.items():
        status, location = expected.get(key, (200, ""))
        if work.status != status or not work.location.startswith(location):
            raise BenchError(f"in-process {key}: HTTP {work.status} {work.location!r}")


def work_of(inproc: InProcess, key: str) -> dict[str, Any]:
    """The in-process work of ``key``: one entry, or one per data size for a list page."""
    return {k: w for k, w in inproc.work.items() if k == key or k.startswith(f"{key} N=")}


def autovacuum_off() -> bool:
    """Whether the PostgreSQL server runs without autovacuum, as a test cluster may."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        (setting,) = cursor.fetchone()
    return setting == "off"


def vacuum() -> None:
    """Do for the benchmark's tables what autovacuum does for a service's: clear dead rows,
    mark pages all-visible (so counts can read an index alone) and refresh the planner's
    statistics. Without it the planner guesses every table holds a few rows and every
    count reads the table, which no running service sees."""
    from django.db import connection

    tables = connection.introspection.table_names(include_views=False)
    with connection.cursor() as cursor:
        names = ", ".join(connection.ops.quote_name(table) for table in tables)
        cursor.execute(f"VACUUM (ANALYZE) {names}")
    connection.close()
