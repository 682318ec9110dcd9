"""The outcome flags as database conditions over ``CourseFigures`` rows.

A row keeps whether a measure fell or rose reliably; how the mixed case (one measure
reliably better, the other reliably worse) counts is the service's ``mixed_change_rule``,
applied here (docs/clinical-rules.md 5.4):

- ``"deterioration"`` (the default, CORC's wording): improvement = fell and not rose;
  deterioration = rose.
- ``"no_change"``: the mixed case is neither, so improvement = fell and not rose;
  deterioration = rose and not fell; no reliable change also holds the mixed case.
"""

from django.db.models import Q


def reliable_improvement(rule: str) -> Q:
    return Q(paired=True, reliable_fall=True, reliable_rise=False)


def reliable_deterioration(rule: str) -> Q:
    if rule == "no_change":
        return Q(paired=True, reliable_rise=True, reliable_fall=False)
    return Q(paired=True, reliable_rise=True)


def reliable_recovery(rule: str) -> Q:
    return Q(recovered=True) & reliable_improvement(rule)


def no_reliable_change(rule: str) -> Q:
    neither = Q(paired=True, reliable_fall=False, reliable_rise=False)
    if rule == "no_change":
        return neither | Q(paired=True, reliable_fall=True, reliable_rise=True)
    return neither
