"""``{% own_figures user %}``: a therapist's own outcome figures on their caseload page.
``{% table_rows table %}``: the body rows of a dashboard table.

A template tag keeps the imports one way: the courses app's page shows the figures
without the courses app importing the reports app (which reads courses)."""

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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
    largest part of the dashboard's time."""
    if not table.rows:
        return format_html(
            '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="{}">'
            "Nothing to show for these filters.</td></tr>",
            len(table.headers),
        )
    return format_html_join(
        "\n",
        '<tr class="nhsuk-table__row">{}</tr>',
        ((_cells(table.headers, row),) for row in table.rows),
    )


def _cells(headers: list[str], row: list[Cell]) -> SafeString:
    return format_html_join(
        "",
        '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" '
        'aria-hidden="true">{} </span>{}</td>',
        ((header, _content(cell)) for header, cell in zip(headers, row, strict=True)),
    )


def _content(cell: Cell) -> SafeString:
    if cell.href:
        return format_html('<a href="{}">{}</a>', cell.href, cell.text)
    return format_html("{}", cell.text)
