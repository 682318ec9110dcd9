"""Signing in and the signed-in user, as Django's ``ModelBackend`` does them, with the
user read together with their roles: one statement, compiled once per process, where
every signed-in request made two (the user, then ``User.roles``). A signed-in staff
request reads its second-factor device with the user and roles in that one statement too
(``accounts.middleware.SecondFactorMiddleware``), and the user read there is taken here
(``read_with``) only if it is the session's user."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from interplay.accounts.models import User, role_names
from interplay.lib.prepared import Prepared

# The path sessions signed in before this backend existed name; read as this one.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PATH = f"{__name__}.UserAndRolesBackend"

_USER = Prepared(
    User,
    lambda user: User.objects.annotate(role_names=role_names("pk")).filter(pk=user).order_by(),
    user="id",
)


# The user, with their roles, already read for this request (with its device), if any.
_READ: ContextVar[User | None] = ContextVar("interplay_user_read", default=None)


@contextmanager
def read_with(user: User | None) -> Iterator[None]:
    """While inside, ``get_user`` takes ``user`` (its roles held) instead of reading it,
    if it is the user asked for; any other id is read as always."""
    token = _READ.set(user)
    try:
        yield
    finally:
        _READ.reset(token)


class UserAndRolesBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """The active user with this id, their roles already read (``User.roles``)."""
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = _READ.get()
        if user is None or user.pk != pk:
            found = _USER.run(user=pk)
            if not found:
                return None
            user = found[0]
            user.hold_roles(getattr(user, "role_names", None))
        return user if self.user_can_authenticate(user) else None
