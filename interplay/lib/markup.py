"""HTML written in Python for the long lists of staff pages (the ``*_rows`` template
tags): a table of thousands of cells, or a day of fifty records, costs far less written
here than as a template loop with a lookup and a filter per value. Each value is escaped
once, as ``{{ value }}`` would escape it."""

import html
from typing import Any


def escape(value: Any) -> str:
    """As Django's ``conditional_escape``, without its lazy-string wrapper per call."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def cell_opening(heading: str) -> str:
    """A responsive table's cell up to its content: the column's heading (markup: escape
    a heading that is data), shown above the value on a phone where the table stacks
    into cards (hidden from screen readers, which read the real header)."""
    return (
        '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" '
        f'aria-hidden="true">{heading} </span>'
    )
