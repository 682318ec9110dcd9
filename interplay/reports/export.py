"""Tables as CSV files (Python's csv module), safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read
by a spreadsheet as a formula (CSV injection), so it gets a leading apostrophe: the
spreadsheet shows the text as written and runs nothing.
"""

import csv
from collections.abc import Iterable

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def response(
    filename: str, headers: Iterable[object], rows: Iterable[Iterable[object]]
) -> HttpResponse:
    """A CSV download: ``rows`` are written as they come (pass an iterator for a long
    list, so no model instances are kept)."""
    found = HttpResponse(content_type="text/csv; charset=utf-8")
    found["Content-Disposition"] = f'attachment; filename="{filename}"'
    found["Cache-Control"] = "no-store"
    writer = csv.writer(found)
    writer.writerow([neutral(h) for h in headers])
    writer.writerows([neutral(cell) for cell in row] for row in rows)
    return found
