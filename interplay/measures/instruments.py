"""The built-in instruments as plain data: PHQ-9 and GAD-7.

Wording, options, bands and codes from DOMAIN.md section 4 (sources S60-S84). The item
wording is reproduced word for word because an instrument is only valid as published;
the attribution line must be shown wherever the items are. A later issue stores these
as versioned rows and imports/exports them as FHIR Questionnaires; this module is the
seed of that data. No Django here.
"""

from dataclasses import dataclass, field

ATTRIBUTION = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)

FREQUENCY_OPTIONS: tuple[tuple[int, str, str], ...] = (
    # value, label, LOINC answer code (LL358-3)
    (0, "Not at all", "LA6568-5"),
    (1, "Several days", "LA6569-3"),
    (2, "More than half the days", "LA6570-1"),
    (3, "Nearly every day", "LA6571-9"),
)


@dataclass(frozen=True)
class Item:
    number: int
    text: str
    loinc: str
    risk: bool = False


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    name: str
    stem: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    caseness_threshold: int
    reliable_change: int
    loinc_panel: str
    loinc_total: str
    options: tuple[tuple[int, str, str], ...] = FREQUENCY_OPTIONS
    attribution: str = ATTRIBUTION
    risk_items: tuple[int, ...] = field(default=())

    @property
    def max_total(self) -> int:
        return len(self.items) * max(value for value, _, _ in self.options)


PHQ9 = Instrument(
    code="phq9",
    version="1",
    name="PHQ-9",
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        Item(1, "Little interest or pleasure in doing things", "44250-9"),
        Item(2, "Feeling down, depressed, or hopeless", "44255-8"),
        Item(3, "Trouble falling or staying asleep, or sleeping too much", "44259-0"),
        Item(4, "Feeling tired or having little energy", "44254-1"),
        Item(5, "Poor appetite or overeating", "44251-7"),
        Item(
            6,
            "Feeling bad about yourself \u2014 or that you are a failure or have let yourself "
            "or your family down",
            "44258-2",
        ),
        Item(
            7,
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "44252-5",
        ),
        Item(
            8,
            "Moving or speaking so slowly that other people could have noticed? Or the "
            "opposite \u2014 being so fidgety or restless that you have been moving around a "
            "lot more than usual",
            "44253-3",
        ),
        Item(
            9,
            "Thoughts that you would be better off dead or of hurting yourself in some way",
            "44260-8",
            risk=True,
        ),
    ),
    # Kroenke 2001 (S62, S63).
    bands=(
        Band(0, 4, "None or minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 19, "Moderately severe"),
        Band(20, 27, "Severe"),
    ),
    caseness_threshold=10,  # NHS Talking Therapies (S87)
    reliable_change=6,  # NHS Talking Therapies (S70, S93)
    loinc_panel="44249-1",
    loinc_total="44261-6",
    risk_items=(9,),
)

GAD7 = Instrument(
    code="gad7",
    version="1",
    name="GAD-7",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        Item(1, "Feeling nervous, anxious, or on edge", "69725-0"),
        Item(2, "Not being able to stop or control worrying", "68509-9"),
        Item(3, "Worrying too much about different things", "69733-4"),
        Item(4, "Trouble relaxing", "69734-2"),
        Item(5, "Being so restless that it is hard to sit still", "69735-9"),
        Item(6, "Becoming easily annoyed or irritable", "69689-8"),
        Item(7, "Feeling afraid, as if something awful might happen", "69736-7"),
    ),
    # Spitzer 2006 cut-points 5/10/15 (S68, S69); DOMAIN.md 8.3 explains the choice.
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 21, "Severe"),
    ),
    caseness_threshold=8,  # NHS Talking Therapies anxiety caseness (S70), not the 10 screen
    reliable_change=4,  # NHS Talking Therapies (S70); research RCI 5-6 differs (S94)
    loinc_panel="69737-5",
    loinc_total="70274-6",
)

DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to "
    "do your work, take care of things at home, or get along with other people?"
)
DIFFICULTY_OPTIONS: tuple[tuple[int, str], ...] = (
    (0, "Not difficult at all"),
    (1, "Somewhat difficult"),
    (2, "Very difficult"),
    (3, "Extremely difficult"),
)

BUILT_IN: dict[str, Instrument] = {PHQ9.code: PHQ9, GAD7.code: GAD7}
