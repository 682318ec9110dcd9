"""One router per resource of the JSON API; ``interplay.api.v1`` adds each."""

NAMES = [
    "referrals",
    "patients",
    "triage",
    "waiting_lists",
    "figures",
    "courses",
    "appointments",
    "records",
    "responses",
    "alerts",
    "problems",
    "outcomes",
]
