"""The built-in instruments as plain data: PHQ-9 and GAD-7.

Wording, options, bands and codes from docs/clinical-rules.md section 4 (sources S60-S84). The item
wording is reproduced word for word because an instrument is only valid as published;
the attribution line must be shown wherever the items are. These are the seed of the
stored, versioned definitions (``models.InstrumentDefinition``, ``services.instrument``);
``to_dict`` and ``from_dict`` are the stored shape. No Django here.
"""

import re
from dataclasses import asdict, dataclass, field
from typing import Any

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
    # Spitzer 2006 cut-points 5/10/15 (S68, S69); docs/clinical-rules.md 8.3 explains the choice.
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


def to_dict(instrument: Instrument) -> dict[str, Any]:
    """The instrument as plain JSON-able data: the stored definition's shape."""
    data = asdict(instrument)
    data["options"] = [list(option) for option in instrument.options]
    data["risk_items"] = list(instrument.risk_items)
    return data


def from_dict(data: dict[str, Any]) -> Instrument:
    """Build and check an instrument from ``to_dict``'s shape; ValueError if it is wrong."""
    try:
        instrument = Instrument(
            code=str(data["code"]),
            version=str(data["version"]),
            name=str(data["name"]),
            stem=str(data.get("stem", "")),
            items=tuple(
                Item(int(i["number"]), str(i["text"]), str(i["loinc"]), bool(i.get("risk")))
                for i in data["items"]
            ),
            bands=tuple(
                Band(int(b["low"]), int(b["high"]), str(b["label"])) for b in data["bands"]
            ),
            caseness_threshold=int(data["caseness_threshold"]),
            reliable_change=int(data["reliable_change"]),
            loinc_panel=str(data.get("loinc_panel", "")),
            loinc_total=str(data.get("loinc_total", "")),
            options=tuple((int(v), str(label), str(code)) for v, label, code in data["options"]),
            attribution=str(data.get("attribution", "")),
            risk_items=tuple(int(n) for n in data.get("risk_items", ())),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(
            f"The instrument definition is incomplete or malformed: {error}"
        ) from error
    check(instrument)
    return instrument


def check(instrument: Instrument) -> None:
    """Refuse a definition that would score wrongly: items 1..n, bands tiling 0..max, the
    cut-offs inside the range, risk items that exist. ValueError names the first fault."""
    name = instrument.name or instrument.code
    if not re.fullmatch(r"[a-z0-9_-]{1,32}", instrument.code):
        raise ValueError("An instrument code is 1 to 32 lower-case letters, digits, - or _.")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,16}", instrument.version):
        raise ValueError("An instrument version is 1 to 16 letters, digits, dots, - or _.")
    if not instrument.name:
        raise ValueError("An instrument needs a name (the Questionnaire's title).")
    numbers = [item.number for item in instrument.items]
    if not numbers or numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"{name}: items must be numbered 1, 2, 3 ... in order.")
    values = [value for value, _, _ in instrument.options]
    if len(values) < 2 or len(set(values)) != len(values) or min(values) != 0:
        raise ValueError(f"{name}: needs two or more answer options with distinct values from 0.")
    expected_low = 0
    for band in instrument.bands:
        if band.low != expected_low or band.high < band.low:
            raise ValueError(f"{name}: the bands must run from 0 without gaps or overlaps.")
        expected_low = band.high + 1
    if expected_low != instrument.max_total + 1:
        raise ValueError(
            f"{name}: the bands must end at the highest total, {instrument.max_total}."
        )
    if not 0 < instrument.caseness_threshold <= instrument.max_total:
        raise ValueError(f"{name}: the caseness cut-off must be between 1 and the highest total.")
    if not 0 < instrument.reliable_change <= instrument.max_total:
        raise ValueError(f"{name}: the reliable change must be between 1 and the highest total.")
    if not set(instrument.risk_items) <= set(numbers):
        raise ValueError(f"{name}: a risk item names an item that does not exist.")
    if {i.number for i in instrument.items if i.risk} != set(instrument.risk_items):
        raise ValueError(f"{name}: the risk items and the items marked as risk disagree.")
