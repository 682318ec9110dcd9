"""``{% own_figures user %}``: a therapist's own outcome figures on their caseload page.
``{% table_rows table %}``: the body rows of a dashboard table.

A template tag keeps the imports one way: the courses app's page shows the figures
without the courses app importing the reports app (which reads courses)."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from interplay.lib.markup import cell_opening
from interplay.lib.markup import escape as _escaped
from interplay.reports.own import own_figures as figures_of
from interplay.reports.tables import Cell, Table

register = template.Library()


@register.inclusion_tag("reports/_own_figures.html")
def own_figures(user: Any) -> dict[str, Any]:
    return {"own": figures_of(user)}


@register.simple_tag
def table_rows(table: Table) -> SafeString:
    """Each row of ``table`` as NHS.UK responsive table markup (every cell carries its
    column's heading for narrow screens), or a row saying there is nothing to show.

    Written here rather than in the template: the outcomes by therapist table of a large
    service has thousands of cells, and a template loop with a filter per cell was the
    largest part of the dashboard's time. Every heading, text and link is escaped; each
    heading once per table, not once per cell."""
    if not table.rows:
        return format_html(
            '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="{}">'
            "Nothing to show for these filters.</td></tr>",
            len(table.headers),
        )
    openings = [cell_opening(_escaped(header)) for header in table.headers]
    rows = (
        '<tr class="nhsuk-table__row">'
        + "".join(
            f"{opening}{_content(cell)}</td>" for opening, cell in zip(openings, row, strict=True)
        )
        + "</tr>"
        for row in table.rows
    )
    return mark_safe("\n".join(rows))  # noqa: S308 (every part is escaped above)


def _content(cell: Cell) -> str:
    if cell.href:
        return f'<a href="{_escaped(cell.href)}">{_escaped(cell.text)}</a>'
    return _escaped(cell.text)
