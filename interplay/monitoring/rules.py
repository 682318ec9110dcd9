"""Working-day arithmetic for alert escalation. Pure: no Django, no database."""

from interplay.lib.dates import add_working_days as add_working_days
