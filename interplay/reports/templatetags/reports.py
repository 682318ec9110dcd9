"""``{% own_figures user %}``: a therapist's own outcome figures on their caseload page.

A template tag keeps the imports one way: the courses app's page shows the figures
without the courses app importing the reports app (which reads courses)."""

from typing import Any

from django import template

from interplay.reports.own import own_figures as figures_of

register = template.Library()


@register.inclusion_tag("reports/_own_figures.html")
def own_figures(user: Any) -> dict[str, Any]:
    return {"own": figures_of(user)}
