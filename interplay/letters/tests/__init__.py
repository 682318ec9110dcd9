"""Letters' tests. ``pdf_text`` reads a PDF as a person reading it would (pypdf);
``reading_problems`` lists what a patient or a GP would trip over in that text."""

import io
import re
from collections import Counter

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """Every page's text, with runs of whitespace (line wraps) made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


# Raw choice values and codes that mean nothing to a reader ("offer_dit", "offer dit",
# "(gp)", "phq9"), and Python's None.
INTERNAL = re.compile(
    r"\b(?:offer[_ ](?:ipt|dit|group[_ ]ipt)|group_ipt|refer_on|triage_\w+|not_contactable"
    r"|opt_in|ending_summary|phq9|gad7|in_session|dropped_out|discharged_dna|None)\b"
    r"|\(gp\)|\(patient\)|\bgp\b",
)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PEOPLES_DATE = re.compile(
    r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December) \d{4}\b"
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def repeated_runs(text: str, length: int = 7) -> list[tuple[str, ...]]:
    """Runs of ``length`` words printed more than once (case and punctuation aside): the
    same paragraph twice, or the template's words repeated by the caller's body."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    runs = Counter(tuple(words[i : i + length]) for i in range(len(words) - length + 1))
    return [run for run, n in runs.items() if n > 1]


def reading_problems(text: str, *, phone: str) -> list[str]:
    """What a reader would notice: a sentence printed twice, an internal code, "None", an
    ISO date, no date a person reads, or "call us" without the service's number
    (``phone``, "" for a service with none: then no letter may say "call us")."""
    found = []
    counts = Counter(s for s in sentences(text) if len(s) > 20)
    found += [f"printed twice: {s!r}" for s, n in counts.items() if n > 1]
    found += [f"said twice: {' '.join(words)!r}" for words in repeated_runs(text)]
    found += [f"internal code: {m.group(0)!r}" for m in INTERNAL.finditer(text)]
    found += [f"ISO date: {m.group(0)!r}" for m in ISO_DATE.finditer(text)]
    if not PEOPLES_DATE.search(text):
        found.append("no date written for people")
    for m in re.finditer(r"call us(.{0,40})", text, flags=re.IGNORECASE):
        if not phone or not m.group(1).startswith(f" on {phone}"):
            found.append(f"'call us' without the number: {m.group(0)!r}")
    if re.search(r"\bon [.,]", text):
        found.append("'on' with nothing after it")
    return found
