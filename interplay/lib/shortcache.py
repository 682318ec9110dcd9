"""Per-process memory of a few rows read on nearly every request (the service's settings,
the instruments in use), for a few seconds.

Each process forgets a value as soon as it saves or deletes one of the models it came
from (``forget_on_change``), so the process that made a change sees it at once. Other
processes and servers see it within ``INTERPLAY_SHORT_CACHE_SECONDS`` (30 by default;
0 switches the memory off, as the test settings do, so every test reads the database).
"""

import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save


class ShortCache:
    def __init__(self) -> None:
        self.values: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        seconds = float(getattr(settings, "SHORT_CACHE_SECONDS", 0))
        if seconds <= 0:
            return compute()
        now = time.monotonic()
        kept = self.values.get(key)
        if kept is not None and now - kept[0] < seconds:
            return kept[1]
        value = compute()
        self.values[key] = (now, value)
        return value

    def clear(self, *args: Any, **kwargs: Any) -> None:
        self.values.clear()
        # Again once the change is committed: a read between the save and the commit
        # (another thread of this process) may have kept the value from before it.
        transaction.on_commit(self.values.clear, using=kwargs.get("using"))

    def forget_on_change(self, *senders: type[models.Model]) -> None:
        for sender in senders:
            post_save.connect(self.clear, sender=sender, weak=False)
            post_delete.connect(self.clear, sender=sender, weak=False)
