"""The request a service is running inside: its id and client address, for audit rows.

A context variable, set by middleware for the length of one request and reset after it,
so services can audit without every caller threading the request through. Nothing here
outlives a request.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str | None = None


# RequestContext is a frozen dataclass, so sharing the default instance is safe.
current: ContextVar[RequestContext] = ContextVar(
    "interplay_request",
    default=RequestContext(),  # noqa: B039
)
