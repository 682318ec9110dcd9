"""Pure qualification rules: no Django, no database.

DIT practitioner training requires at least 150 hours of supervised psychodynamic
practice on entry (DOMAIN.md section 2.6, sources S39-S41).
"""

DIT_MIN_PSYCHODYNAMIC_HOURS = 150


def qualification_problem(modality: str, psychodynamic_hours: int) -> str | None:
    """Why a clinician may not hold ``modality``, or None when they may."""
    if modality == "dit" and psychodynamic_hours < DIT_MIN_PSYCHODYNAMIC_HOURS:
        return (
            f"DIT needs a psychodynamic background of at least {DIT_MIN_PSYCHODYNAMIC_HOURS} "
            f"supervised hours; this clinician has {psychodynamic_hours}."
        )
    return None
