"""The audit trail: who did or saw what, when, from where, in which request."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import QuerySet


class AuditEventQuerySet(QuerySet["AuditEvent"]):
    def about(self, obj: models.Model) -> "AuditEventQuerySet":
        """Events naming one object, by its model label and public id."""
        return self.filter(object_type=obj._meta.label_lower, object_id=public_key(obj))

    def by_action(self, action: str) -> "AuditEventQuerySet":
        return self.filter(action=action)


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
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
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

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
