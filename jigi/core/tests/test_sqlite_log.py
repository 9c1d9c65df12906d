"""SQLite's write-ahead log after a large write: the space it grew to is given back."""

import os
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings

LIMIT = 64 * 1024 * 1024

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's own log",
)


def connected(path: Path) -> sqlite3.Connection:
    """A connection set up as the product sets up each of its own."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(settings.DATABASES["default"]["OPTIONS"]["init_command"])
    return db


def test_a_log_grown_past_64_mb_is_cut_back_once_it_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "register.sqlite3"
    log = Path(f"{path}-wal")
    writer, reader = connected(path), connected(path)
    writer.execute("CREATE TABLE t (v BLOB)")
    # Someone reading all along (a web request, the other writer of an import) keeps the log
    # from starting over, so a large write grows it, as a big import's does.
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    writer.execute("BEGIN")
    writer.executemany("INSERT INTO t VALUES (?)", ((os.urandom(4000),) for _ in range(20_000)))
    writer.execute("COMMIT")
    assert log.stat().st_size > LIMIT
    reader.execute("COMMIT")
    # Copied back and started over: the log keeps 64 MB at most, not what it grew to, while
    # both connections stay open (a server and its worker keep theirs).
    writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
    writer.execute("INSERT INTO t VALUES (x'00')")
    writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
    assert log.stat().st_size <= LIMIT
    assert writer.execute("SELECT count(*) FROM t").fetchone() == (20_001,)
    writer.close()
    reader.close()
