"""The figures are read, not changed; reading them is still audited (who looked at which
figures, lists and downloads, with which filters, and which references a list showed)."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied

from interplay.accounts.permissions import Action, can
from interplay.audit.services import record
from interplay.reports.figures import Filters


def _require(actor: Any) -> None:
    if not can(actor, Action.VIEW_SERVICE_FIGURES):
        raise PermissionDenied("Only service managers and administrators see the figures.")


def described(filters: Filters) -> dict[str, Any]:
    return {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "modality": filters.modality,
        "therapist": filters.therapist_id,
        "source": filters.source,
    }


def view_dashboard(*, actor: Any, filters: Filters) -> None:
    _require(actor)
    record(actor=actor, action="reports.dashboard_viewed", detail=described(filters))


def view_list(*, actor: Any, figure: str, filters: Filters, references: Iterable[str]) -> None:
    _require(actor)
    record(
        actor=actor,
        action="reports.list_viewed",
        detail={"figure": figure, **described(filters), "references": list(references)},
    )


def download(*, actor: Any, table: str, filters: Filters) -> None:
    """A CSV download of a dashboard table or of the list behind a figure."""
    _require(actor)
    record(actor=actor, action="reports.downloaded", detail={"table": table, **described(filters)})
