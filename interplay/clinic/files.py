"""The database's own files are readable by their owner only.

SQLite keeps the whole record in one file beside two companions (``-wal``, ``-shm``)
that hold recent pages. They are created under the process's umask, often readable by
every local user; each new connection closes them to the owner (mode 0600). SQLite gives
a new ``-wal`` or ``-shm`` the database file's own mode, so they stay closed. Backups
(``backups.py``) and audit anchors are created 0600 themselves.
"""

import os
from typing import Any

OWNER_ONLY = 0o600


def seal_sqlite_files(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: chmod a file-backed SQLite database to 0600."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return
    for path in (name, f"{name}-wal", f"{name}-shm"):
        try:
            if os.stat(path).st_mode & 0o777 != OWNER_ONLY:
                os.chmod(path, OWNER_ONLY)
        except FileNotFoundError:
            continue
