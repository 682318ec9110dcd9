"""Anchors: the audit chain's head written down outside the database.

The hash chain shows an edited, deleted or inserted event, but someone who deletes the
newest events and winds the chain head back with them leaves a shorter chain that is
still whole. An anchor is the head (sequence and hash) as it stood at a moment, kept
where a database user cannot reach: a line appended to a file (best on other storage,
made append-only with ``chattr +a``) and/or an email to an address outside the service.
``audit_verify --anchors FILE`` then checks that the chain still reaches every anchor,
with the same hash there.

One anchor is one line of JSON: ``{"at": ..., "sequence": N, "hash": "..."}``.
"""

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from interplay.audit import chain
from interplay.audit.actors import SystemActor
from interplay.audit.services import locked_head, record


class AnchorError(ValueError):
    """An anchor file that cannot be read as anchors: names the line."""


@dataclass(frozen=True)
class Anchor:
    at: dt.datetime
    head: chain.Head

    def line(self) -> str:
        fields = {"at": chain.timestamp(self.at), "sequence": self.head.sequence}
        fields["hash"] = self.head.hash
        return json.dumps(fields, separators=(",", ":"))


def anchor_head(*, path: str = "", email: str = "") -> Anchor:
    """Write the chain head down outside the database, as the system.

    The anchoring is itself an audit event, recorded first so that the anchor covers it.
    The file is opened for appending only and created readable by its owner alone.
    """
    if not path and not email:
        raise AnchorError(
            "Nowhere to write the anchor: set INTERPLAY_AUDIT_ANCHOR_FILE and/or "
            "INTERPLAY_AUDIT_ANCHOR_EMAIL, or give --file or --email."
        )
    with transaction.atomic():
        record(
            actor=SystemActor("audit_anchor"),
            action="audit.anchored",
            detail={"file": bool(path), "email": bool(email)},
        )
        head = locked_head()
        anchor = Anchor(at=timezone.now(), head=chain.Head(head.sequence, head.hash))
    if path:
        _append(Path(path), anchor.line())
    if email:
        send_mail(
            subject=f"Audit anchor: event {anchor.head.sequence}",
            message=(
                "The audit trail's chain head, for safe keeping outside the database. "
                "Keep this line; audit_verify --anchors checks the trail against it.\n\n"
                f"{anchor.line()}\n"
            ),
            from_email=None,
            recipient_list=[email],
        )
    return anchor


def _append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())


def read_anchors(path: str | Path) -> Iterator[Anchor]:
    """Every anchor in the file, in the order written; blank lines are skipped."""
    with open(path, encoding="utf-8") as file:
        for number, text in enumerate(file, start=1):
            if text.strip():
                yield _parse(text, number)


def _parse(text: str, number: int) -> Anchor:
    try:
        fields = json.loads(text)
        at = dt.datetime.fromisoformat(fields["at"])
        head = chain.Head(int(fields["sequence"]), str(fields["hash"]))
    except (ValueError, KeyError, TypeError) as error:
        raise AnchorError(f"Line {number} of the anchor file is not an anchor: {error}") from None
    if len(head.hash) != 64 or head.sequence < 1:
        raise AnchorError(f"Line {number} of the anchor file is not an anchor.")
    return Anchor(at=at, head=head)


def configured() -> tuple[str, str]:
    """The file and the address the settings name (either may be empty)."""
    return settings.AUDIT_ANCHOR_FILE, settings.AUDIT_ANCHOR_EMAIL
