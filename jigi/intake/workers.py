"""Entry point of the processes that write an import's new households side by side
(decision 0005).

They are spawned, not forked: a fresh interpreter opens its own database connection. A forked
child would inherit the job's other threads' state (a lock held mid-call by the heartbeat's
SQLite or libpq connection) and SQLite's per-process lock bookkeeping of the parent's open
files. This module imports nothing from Django at import time, so that the child can load it
before `django.setup()`.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Any


def commit_process(database: dict[str, Any], params: dict[str, Any], out: Connection) -> None:
    """Set Django up on the parent's database (a test database too), then write."""
    import django

    django.setup()  # DJANGO_SETTINGS_MODULE comes with the parent's environment
    from django.conf import settings
    from django.db import connections

    settings.DATABASES["default"].update(database)  # type: ignore[typeddict-item]
    connections["default"].settings_dict.update(database)
    from jigi.intake.services import commit_worker

    commit_worker(params, out)
