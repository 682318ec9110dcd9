"""Logging filters: what Interplay's log lines may not carry.

A query string can hold what someone searched for (a name, an NHS number, a referral
reference) or filtered the audit trail by. Logs are kept longer and read by more people
than the records, so request lines are logged by path only.
"""

import logging
import re

# "GET /patients/?q=Robin HTTP/1.1" -> "GET /patients/ HTTP/1.1"
_QUERY = re.compile(r"\?[^ ]*")


def without_query(request_line: str) -> str:
    """The request line (or URL) with any query string left out."""
    return _QUERY.sub("", request_line)


class WithoutQueryString(logging.Filter):
    """Strip the query string from a request line logged by the development server
    (``django.server``: ``"%s" %s %s`` with the request line first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (without_query(record.args[0]), *record.args[1:])
        return True
