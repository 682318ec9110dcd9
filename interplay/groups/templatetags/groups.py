from django import template

from interplay.accounts.rules import DAY_NAMES

register = template.Library()


@register.filter
def weekday_name(weekday: int) -> str:
    """Monday for 0, as ``date.weekday()``."""
    return DAY_NAMES[int(weekday)]


@register.filter
def mark(status: str) -> str:
    """A member's attendance at one session, in a word for a grid."""
    return {
        "attended": "Attended",
        "dna": "Did not attend",
        "cancelled_patient": "Cancelled",
        "cancelled_late": "Cancelled late",
        "cancelled_service": "Cancelled by us",
        "not_needed": "Not needed",
        "booked": "Booked",
    }.get(status, "")
