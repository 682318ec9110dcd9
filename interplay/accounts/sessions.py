"""Django's database sessions, with the read that every signed-in request makes (the
session by its key, unexpired) compiled once per process rather than built each time
(``interplay.lib.prepared``), and sessions signed in before ``UserAndRolesBackend`` read as
its. Everything else, the stored form included, is Django's: ``SESSION_ENGINE`` names
this module."""

import logging
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from interplay.accounts import backends
from interplay.lib.prepared import Prepared

_UNEXPIRED = Prepared(
    Session,
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now)[:1],
    key="text",
    now="datetime",
)


class SessionStore(DatabaseSessionStore):
    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        """The stored session; one signed in through Django's ``ModelBackend`` (before
        ``interplay.accounts.backends``) is read as signed in through its successor, so an
        upgrade signs no one out."""
        data: dict[str, Any] = super().decode(session_data)
        if data.get(BACKEND_SESSION_KEY) == backends.MODEL_BACKEND:
            data[BACKEND_SESSION_KEY] = backends.PATH
        return data

    def _get_session_from_db(self) -> Any:
        try:
            found = _UNEXPIRED.run(key=self.session_key, now=timezone.now())
        except SuspiciousOperation as error:  # as Django's own store: logged, not raised
            logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
            logger.warning(str(error))
            found = []
        if not found:
            self._session_key = None
            return None
        return found[0]
