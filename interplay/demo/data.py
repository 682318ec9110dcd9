"""Synthetic people and referrals for the demo. Invented names; no real person.

A fixed seed, so every `make demo` shows the same queue.
"""

import datetime as dt
import random
import uuid
from typing import Any

FIRST_NAMES = [
    "Ada",
    "Bram",
    "Cleo",
    "Dev",
    "Esme",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonah",
    "Kit",
    "Lena",
    "Milo",
    "Nia",
    "Otto",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tova",
]
LAST_NAMES = [
    "Ashdown",
    "Brackley",
    "Corran",
    "Dunmore",
    "Elsworth",
    "Fenwick",
    "Garrow",
    "Hollis",
    "Ingleby",
    "Jessop",
    "Kettering",
    "Linley",
    "Marchant",
    "Northey",
    "Oakes",
    "Pellow",
]
DIFFICULTIES = [
    "Since my mum died in the spring I cannot stop crying and I have stopped seeing friends.",
    "My partner and I argue every day about the same things and I feel hopeless about it.",
    "I moved city for a new job and I feel completely alone. I barely sleep.",
    "I became a parent six months ago and I feel like I have lost who I was.",
    "I get very anxious around people and avoid going out. I feel low most days.",
    "I retired last year and feel I have no purpose. My marriage is strained.",
]
TOWNS = [
    ("Leeds", "LS6 2AB"),
    ("Bradford", "BD7 1DP"),
    ("Wakefield", "WF1 2EX"),
    ("York", "YO1 7HH"),
]


def synthetic_referral(rng: random.Random, index: int, today: dt.date) -> dict[str, Any]:
    """One invented referral: the details, both questionnaires and how long ago it came."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    town, postcode = rng.choice(TOWNS)
    severity = rng.choice([0, 1, 1, 2, 2, 3])
    phq9 = {n: min(3, max(0, severity + rng.choice([-1, 0, 0, 1]))) for n in range(1, 10)}
    # Roughly one in six has thoughts of being better off dead (PHQ-9 item 9).
    phq9[9] = rng.choice([1, 2]) if index % 6 == 0 else 0
    gad7 = {n: min(3, max(0, severity + rng.choice([-1, 0, 1]))) for n in range(1, 8)}
    age = rng.randint(19, 72)
    details = {
        "first_name": first,
        "last_name": last,
        "date_of_birth": dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)),
        "nhs_number": "",
        "address_line_1": f"{rng.randint(1, 120)} Example Street",
        "address_line_2": "",
        "town": town,
        "postcode": postcode,
        "phone": f"+447700900{rng.randint(100, 999)}",
        "email": f"{first.lower()}.{last.lower()}{index}@example.org",
        "preferred_contact": rng.choice(["phone", "email", "text"]),
        "may_leave_message": rng.random() < 0.7,
        "available_times": rng.sample(
            ["weekday_morning", "weekday_afternoon", "weekday_evening"], 2
        ),
        "interpreter_needed": False,
        "interpreter_language": "",
        "gp_practice": rng.choice(
            ["Park Lane Surgery", "Riverside Medical Centre", "Hill Top Practice"]
        ),
        "gp_address": town,
        "main_difficulties": rng.choice(DIFFICULTIES),
        "duration": rng.choice(["under_3m", "3m_1y", "1y_2y"]),
        "problem_areas": rng.sample(
            ["low_mood", "anxiety", "conflict", "grief", "life_change", "loneliness"], 2
        ),
        "relationships_affected": "My partner and my closest friend.",
        "hoped_change": "To feel like myself again and get on better with people.",
        "substance_use": rng.choice(["none", "none", "some"]),
        "substance_detail": "",
        "other_services": "",
        "consent_to_referral": True,
        "consent_to_gp_contact": rng.random() < 0.8,
    }
    token = uuid.UUID(int=rng.getrandbits(128), version=4)
    days_ago = rng.randint(0, 70)
    if phq9[9]:
        # Urgent (a thought of self-harm): a service triages these within a working day
        # or two, so they are among the newest in the queue, not weeks old.
        days_ago %= 3
    return {
        "token": token,
        "details": details,
        "phq9": phq9,
        "gad7": gad7,
        "days_ago": days_ago,
    }


# Per-session PHQ-9 and GAD-7 totals for the demo's courses (session number:
# (PHQ-9, GAD-7)); a missed session has none. One course part-way improves to recovery,
# the other reliably deteriorates on the PHQ-9 (+7; the GAD-7 rises by 3, less than its
# reliable change of 4), so the course page shows both and one deterioration alert is
# open, not one per measure. The ended course recovers over its sixteen sessions.
IMPROVING_SCORES = {1: (17, 13), 2: (15, 12), 4: (12, 9), 5: (9, 7), 6: (7, 5), 7: (6, 5)}
DETERIORATING_SCORES = {1: (8, 6), 2: (10, 7), 3: (13, 8), 4: (15, 9), 5: (15, 9)}
ENDED_SCORES = {
    n: (max(4, 16 - round(n * 0.75)), max(3, 14 - round(n * 0.7))) for n in range(1, 17)
}


def answers_for(total: int, items: int) -> dict[int, int | None]:
    """Invented answers adding up to ``total``, the last item (PHQ-9's risk item) at 0."""
    values = [*([3] * (total // 3) + [total % 3] + [0] * items)[: items - 1], 0]
    return dict(enumerate(values, start=1))


# The part-way DIT course's formulation (invented): name, relationship, ring, what is
# unsatisfying, and whether the patient can confide in them.
FORMULATION_PEOPLE = [
    ("Jo", "partner", 1, "Jo works late and they rarely talk in the week.", "partly"),
    ("Mum", "parent", 2, "Phone calls turn into advice about the move.", "no"),
    ("Kai (old flatmate)", "friend", 1, "Lives in the old city now; they text less.", "yes"),
    ("New manager", "colleague", 3, "Feedback feels like criticism.", "no"),
]
FORMULATION_EVENTS = [
    # (years ago, month, what happened, mood change, people by name)
    (1, 6, "Moved city for a new job.", "worse", ["Kai (old flatmate)"]),
    (0, None, "Started sleeping badly after a difficult review at work.", "worse", ["New manager"]),
]
FORMULATION_IPAF = {
    "self_representation": "Not good enough; a nuisance to others.",
    "other_representation": "Busy, critical, about to lose patience.",
    "linking_affect": "Shame",
    "defensive_function": "Withdrawing first means never being turned away.",
    "patient_version": "When you feel you are a nuisance, you pull back from people before "
    "they can pull back from you, and then you feel alone.",
    "rationale": "The same pattern shows with Jo, Mum and the new manager.",
}


# The IPT course part-way: its agreed focus, a role dispute being renegotiated.
IPT_FOCUS = {
    "problem_area": "role_dispute",
    "dispute_stage": "renegotiation",
    "rationale": "The low mood began when the rows about money started, last winter.",
    "formulation": "Your low mood started when you and your partner began arguing about "
    "money. You both still want to sort it out. We will work on what each of you expects, "
    "and on how you talk about it.",
}

# The ended DIT course's interpersonal-affective focus (invented).
ENDED_IPAF = {
    "self_representation": "Has to be the strong one; cannot ask for anything.",
    "other_representation": "Needy, leaning on them, never noticing.",
    "linking_affect": "Resentment",
    "defensive_function": "Being needed keeps away the fear of being left.",
    "patient_version": "You look after everyone and ask for nothing, then feel resentful "
    "and alone when nobody notices what you need.",
    "rationale": "The pattern shows with their sister, at work and in the sessions.",
}
ENDED_PROBLEMS = [
    # (kind, words, first rating, at session 8, at session 16)
    ("problem", "Feeling resentful and worn out looking after my sister", 8, 5, 2),
    ("goal", "Ask for help once a week without apologising", 1, 4, 7),
]
