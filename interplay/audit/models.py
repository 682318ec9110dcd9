"""The audit trail: who did or saw what, when, from where, in which request.

Events form a hash chain (see ``chain.py``): each carries a gapless ``sequence``, the
hash of the event before it and its own hash. ``ChainHead`` is the chain's end, one row
that ``services.record`` locks so events are numbered one at a time.
"""

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from interplay.audit import chain


class AuditEventQuerySet(QuerySet["AuditEvent"]):
    def about(self, obj: models.Model) -> "AuditEventQuerySet":
        """Events naming one object, by its model label and public id."""
        return self.filter(object_type=obj._meta.label_lower, object_id=public_key(obj))

    def by_action(self, action: str) -> "AuditEventQuerySet":
        return self.filter(action=action)

    def views_of(
        self, obj: models.Model, *, listed_in: Mapping[str, str] | None = None
    ) -> "AuditEventQuerySet":
        """Every time staff looked at ``obj``'s record, for a subject access request.

        The ``*.viewed`` events naming it, and the lists that showed it: ``listed_in``
        maps a list's action to the ``detail`` key holding the references it showed (the
        triage queue: ``{"triage_queue.viewed": "referrals"}``). Newest first. The audit
        trail's own pages are not looks at the record, so they are left out.
        """
        looks = Q(
            object_type=obj._meta.label_lower,
            object_id=public_key(obj),
            action__endswith=".viewed",
        ) & ~Q(action__startswith="audit.")
        reference = getattr(obj, "reference", "")
        if reference:
            for action, key in (listed_in or {}).items():
                # The detail holds a JSON list: the reference in quotes matches a whole item.
                looks |= Q(action=action, **{f"detail__{key}__icontains": f'"{reference}"'})
        return self.filter(looks).order_by("-sequence")

    def matching(
        self,
        *,
        actor: str = "",
        action: str = "",
        record: str = "",
        since: dt.datetime | None = None,
        before: dt.datetime | None = None,
    ) -> "AuditEventQuerySet":
        """The audit viewer's filters; an empty one filters nothing.

        ``action`` matches itself or a group (``referral`` matches ``referral.viewed``).
        ``record`` matches the object an event names, or a reference its detail lists (the
        triage queue names referrals so): searching details is a scan, acceptable for an
        administrator's occasional search, not for a page every clinician opens.
        """
        events = self
        if actor:
            events = events.filter(actor_label=actor)
        if action:
            events = events.filter(Q(action=action) | Q(action__startswith=f"{action}."))
        if record:
            events = events.filter(Q(object_id=record) | Q(detail__icontains=f'"{record}"'))
        if since is not None:
            events = events.filter(at__gte=since)
        if before is not None:
            events = events.filter(at__lt=before)
        return events

    def in_chain_order(self) -> "AuditEventQuerySet":
        return self.order_by("sequence")


def public_key(obj: models.Model) -> str:
    """The identifier an audit row names an object by: its public id where it has one."""
    for field in ("public_id", "reference"):
        value = getattr(obj, field, None)
        if value:
            return str(value)
    return str(obj.pk)


class AuditEvent(models.Model):
    """One thing that happened. Rows are only ever added; nothing edits or deletes them.

    ``detail`` holds identifiers and coded values, never free-text clinical content.
    ``at`` is set by ``services.record`` before hashing, so the hash can be recomputed.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(
        max_length=150, help_text="Who acted, kept even if the account is renamed."
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Audit events are never changed once recorded.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Audit events are never deleted.")

    def link(self) -> chain.Link:
        """This event as the hash chain sees it."""
        return chain.Link(
            sequence=self.sequence,
            public_id=str(self.public_id),
            at=self.at,
            actor_id=self.actor_id,
            actor_label=self.actor_label,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            detail=self.detail,
            client_address=self.client_address,
            request_id=self.request_id,
            prev_hash=self.prev_hash,
            hash=self.hash,
        )


class ChainHead(models.Model):
    """The end of the chain: the last sequence and hash. One row, locked by each writer."""

    ROW = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ROW, editable=False)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=chain.GENESIS)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_chainhead_one_row")]

    def __str__(self) -> str:
        return f"Audit chain head: event {self.sequence}"

    def as_head(self) -> chain.Head:
        return chain.Head(self.sequence, self.hash)
