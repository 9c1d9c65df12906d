"""Kill the worker in the middle of a 100k-row import, start it again: the import finishes with
no row lost and none doubled. Real processes on a real database file; nothing is simulated."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
HOUSEHOLDS = 16_000  # about 100,000 rows


def _jigi(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 (our own command, no shell)
        [sys.executable, str(ROOT / "manage.py"), *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "worker"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _database(tmp_path: Path) -> str:
    """A fresh database of the kind the suite runs on (SQLite file, or a PostgreSQL database
    beside the suite's own)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    import psycopg

    base, _name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS jigi_crash_test")
        admin.execute("CREATE DATABASE jigi_crash_test")
    return f"{base}/jigi_crash_test"


def _query(database: str, sql: str, *params: Any) -> Any:
    if database.startswith("sqlite"):
        path = database.removeprefix("sqlite:///")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchone()
    import psycopg

    with psycopg.connect(database) as db:
        return db.execute(sql, params).fetchone()


def _wait(what: str, condition: Any, timeout: float, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.poll() is None, f"the worker died on its own while waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.slow
def test_killed_worker_resumes_the_import_without_losing_or_doubling_rows(
    tmp_path: Path,
) -> None:
    database = _database(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "JIGI_MODE": "test",
        "DJANGO_SETTINGS_MODULE": "jigi.test_settings",
        "JIGI_IMPORT_DIR": str(tmp_path / "imports"),
        "JIGI_JOB_STALE_AFTER_SECONDS": "10",
        # This test is about the import; the dedup run it would queue is tested on its own.
        "JIGI_DEDUP_AFTER_IMPORT": "0",
    }
    _jigi(env, "setup")
    source = tmp_path / "register.csv"
    synth = _jigi(
        env, "synth", "--households", str(HOUSEHOLDS), "--duplicate-rate", "0", "--out", str(source)
    )
    with source.open(encoding="utf-8") as handle:
        rows = sum(1 for _row in csv.reader(handle)) - 1
    assert rows == synth["records"] >= 95_000
    queued = _jigi(env, "import", str(source), "--queue")
    batch = queued["import"]
    log = tmp_path / "worker.log"

    worker = _worker(env, log)
    try:
        committed = "SELECT households_committed FROM intake_importbatch WHERE id = %s"
        _wait(
            "the commit to be well under way",
            lambda: _query(database, committed, batch)[0] >= HOUSEHOLDS // 4,
            timeout=240,
            worker=worker,
        )
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # no clean shutdown: as a power cut would
        worker.wait()
    done_before = _query(database, committed, batch)[0]
    status = _query(database, "SELECT status FROM intake_importbatch WHERE id = %s", batch)[0]
    assert status == "committing"
    assert 0 < done_before < HOUSEHOLDS
    # Each committed chunk is whole: the households written are those counted, and are no
    # longer staged.
    assert _query(database, "SELECT count(*) FROM registry_household")[0] == done_before
    left = "SELECT count(*) FROM intake_stagedhousehold WHERE batch_id = %s AND action = 'new'"
    new = _query(database, "SELECT households_new FROM intake_importbatch WHERE id = %s", batch)
    assert _query(database, left, batch)[0] == new[0] - done_before

    time.sleep(11)  # the dead worker's job now looks stale
    worker = _worker(env, log)
    try:
        _wait(
            "the import to finish",
            lambda: (
                _query(database, "SELECT status FROM intake_importbatch WHERE id = %s", batch)[0]
                in {"committed", "failed"}
            ),
            timeout=300,
            worker=worker,
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)

    final = _query(
        database,
        "SELECT status, error, households_committed, members_committed, households_error "
        "FROM intake_importbatch WHERE id = %s",
        batch,
    )
    assert final[:2] == ("committed", ""), log.read_text()[-2000:]
    assert final[2] + final[4] == HOUSEHOLDS
    assert _query(database, "SELECT count(*) FROM registry_household")[0] == final[2]
    assert _query(database, "SELECT count(*) FROM registry_individual")[0] == final[3]
    assert _query(database, "SELECT count(DISTINCT key) FROM intake_sourcerecord")[0] == final[2]
    assert _query(database, "SELECT count(*) FROM intake_sourcerecord")[0] == final[2]
    attempts = _query(
        database,
        "SELECT attempt FROM core_job WHERE kind = 'intake.commit' AND status = 'succeeded'",
    )
    assert attempts[0] == 2  # the same job, taken over after the crash
    assert _jigi(env, "audit", "verify")["ok"] is True
