"""Import speed (issue 4): `jigi import` of a synthetic register CSV against the plain limit.

    python bench/bench_import.py small|full      (DATABASE_URL picks SQLite or PostgreSQL)

The import (read, validate every row, stage, write households, members, name index, audit
entries and source keys) runs as `jigi import FILE --json` in a child process, whose peak
memory is reported. The limit (DESIGN §5: same schema, indexes and constraints as the
product), measured in the same run on the same database server, is a bare bulk insert of the
register rows the import wrote (households, members, name index, documents) into a fresh
database with the product's schema: `executemany` in one transaction on SQLite, `COPY` on
PostgreSQL. Also printed, for reference: the CSV rows into one table without index. Goal:
≥ 0.5 × the limit's rate, < 1 GB.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = sys.argv[1] if len(sys.argv) > 1 else "small"
HOUSEHOLDS = {"small": 2_000, "medium": 20_000, "full": 160_000}[SIZE]  # full: about 1M individuals

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='jigi-import-')) / 'bench.sqlite3'}"
    )
elif os.environ["DATABASE_URL"].startswith("postgres"):
    # A fresh database beside the one named: a second run must not measure an "unchanged"
    # re-import, and the benchmark never writes into a real register.
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS jigi_bench_import")
        admin.execute("CREATE DATABASE jigi_bench_import")
    os.environ["DATABASE_URL"] = f"{base}/jigi_bench_import"
os.environ["JIGI_MODE"] = "test"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigi.test_settings")
os.environ.setdefault("JIGI_IMPORT_DIR", tempfile.mkdtemp(prefix="jigi-import-files-"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from jigi.audit.models import AuditEntry  # noqa: E402
from jigi.core.models import Job  # noqa: E402
from jigi.core.refdata import load_admin_areas  # noqa: E402
from jigi.intake.models import SourceRecord, StagedHousehold  # noqa: E402
from jigi.intake.services import SQLITE_IMPORT_CACHE_KIB  # noqa: E402
from jigi.intake.synth import COLUMNS, write  # noqa: E402
from jigi.registry.models import (  # noqa: E402
    Household,
    IdentityDocument,
    Individual,
    NamePair,
    NameToken,
)

REGISTER_TABLES = (Household, Individual, NameToken, NamePair, IdentityDocument)


def product_limit() -> tuple[int, float]:
    """DESIGN §5's limit: the rows the import wrote to the register (households, members,
    name index, documents), read back beforehand, then bulk-inserted bare into a fresh database
    with the product's schema, indexes and constraints (executemany in one transaction on
    SQLite, COPY on PostgreSQL). Returns (person rows, seconds of the inserts only)."""
    tables = []
    with connection.cursor() as cursor:
        for model in REGISTER_TABLES:
            columns = [field.column for field in model._meta.concrete_fields]
            names = ", ".join(connection.ops.quote_name(column) for column in columns)
            cursor.execute(f"SELECT {names} FROM {model._meta.db_table} ORDER BY id")  # noqa: S608
            tables.append((model._meta.db_table, names, len(columns), cursor.fetchall()))
    persons = Individual.objects.count()
    url = os.environ["DATABASE_URL"]
    if connection.vendor == "postgresql":
        import psycopg

        base = url.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS jigi_bench_limit")
            admin.execute("CREATE DATABASE jigi_bench_limit")
        target = f"{base}/jigi_bench_limit"
    else:
        target = f"sqlite:///{Path(tempfile.mkdtemp(prefix='jigi-limit-')) / 'limit.sqlite3'}"
    subprocess.run(  # noqa: S603 (our own command, no shell)
        [sys.executable, str(ROOT / "manage.py"), "setup"],
        env={**os.environ, "DATABASE_URL": target},
        check=True,
        capture_output=True,
    )
    if connection.vendor == "postgresql":
        import psycopg

        with psycopg.connect(target) as db:
            os.sync()  # see main()
            started = time.perf_counter()
            with db.cursor() as cursor:
                for table, names, _width, rows in tables:
                    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            db.commit()
            return persons, time.perf_counter() - started
    import sqlite3

    db = sqlite3.connect(target.removeprefix("sqlite:///"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    # The page cache the import's writers are given: the limit must not be slowed by rereading
    # index pages that the product keeps in memory.
    db.execute(f"PRAGMA cache_size = {-SQLITE_IMPORT_CACHE_KIB}")
    os.sync()  # see main()
    started = time.perf_counter()
    db.execute("BEGIN")
    for table, names, width, rows in tables:
        marks = ", ".join("?" * width)
        db.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return persons, seconds


def plain_limit(path: Path) -> tuple[int, float]:
    """A bare bulk insert of the file's rows into one table without index (for reference)."""
    columns = ", ".join(f"c{index} text" for index in range(len(COLUMNS)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_rows")
        cursor.execute(f"CREATE TABLE bench_plain_rows ({columns})")
    started = time.perf_counter()
    count = 0
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg's cursor, for COPY
                with raw.copy("COPY bench_plain_rows FROM STDIN") as copy:
                    for row in reader:
                        copy.write_row(row)
                        count += 1
            connection.commit() if not connection.get_autocommit() else None
        else:
            sqlite = connection.connection
            placeholders = ", ".join("?" * len(COLUMNS))

            def rows() -> object:
                nonlocal count
                for row in reader:
                    count += 1
                    yield row

            sqlite.execute("BEGIN")
            sqlite.executemany(f"INSERT INTO bench_plain_rows VALUES ({placeholders})", rows())  # noqa: S608
            sqlite.execute("COMMIT")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain_rows")
    return count, seconds


class TreeMemory(threading.Thread):
    """The peak memory of a process and all its descendants together (the import's check
    and commit workers), sampled every 0.2 s: the sum of their proportional set sizes, so
    that pages a forked worker shares with its parent count once (Linux; 0 elsewhere)."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak_kib, self.stop = root, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.peak_kib = max(self.peak_kib, sum(map(self._pss_kib, self._tree())))

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").glob("[0-9]*/stat"):
            try:
                stat = entry.read_text()
            except OSError:  # ended meanwhile
                continue
            parents[int(entry.parent.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, frontier = [self.root], [self.root]
        while frontier:
            frontier = [pid for pid, parent in parents.items() if parent in frontier]
            tree += frontier
        return tree

    @staticmethod
    def _pss_kib(pid: int) -> int:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            return 0
        return next(
            (int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0
        )


def main() -> None:
    call_command("migrate", verbosity=0)
    load_admin_areas()
    out = Path(tempfile.mkdtemp(prefix="jigi-import-")) / "register.csv"
    synth = write(out, households_count=HOUSEHOLDS, seed=7, duplicate_rate=0.05)
    connection.close()

    # Each measure starts with nothing left for the kernel to write out: the import's 2-3 GB
    # written back to disk while the limit ran slowed it by chance (the limit varied 40-60 s).
    os.sync()
    started = time.perf_counter()
    with subprocess.Popen(  # noqa: S603 (our own command, no shell)
        [sys.executable, str(ROOT / "manage.py"), "import", str(out), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    ) as process:
        watcher = TreeMemory(process.pid)
        watcher.start()
        stdout, stderr = process.communicate()
        watcher.stop.set()
        watcher.join()
    seconds = time.perf_counter() - started
    child = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_mb = watcher.peak_kib / 1024 if watcher.peak_kib else largest_mb
    if child.returncode != 0:
        print(child.stdout, child.stderr, sep="\n")
        raise SystemExit("the import failed")
    result = json.loads(child.stdout)
    rows = result["rows"]
    phases = {
        job.kind: (job.finished_at - job.started_at).total_seconds()
        for job in Job.objects.filter(kind__startswith="intake.")
        if job.finished_at and job.started_at
    }
    written = {
        model._meta.label: model.objects.count()
        for model in (
            Household,
            Individual,
            NameToken,
            NamePair,
            AuditEntry,
            SourceRecord,
            StagedHousehold,
        )
    }
    plain_rows, plain_seconds = plain_limit(out)
    assert plain_rows == synth.records == rows, (plain_rows, synth.records, rows)  # noqa: S101
    persons, limit_seconds = product_limit()
    import_rate, limit_rate = rows / seconds, persons / limit_seconds
    plain_rate = plain_rows / plain_seconds
    vendor = connection.vendor
    bare = "COPY" if vendor == "postgresql" else "executemany in one transaction"
    print(f"\njigi import — {rows:,} rows ({result['households']:,} households) into {vendor}")
    print(f"  committed: {result['committed_households']:,} households, "
          f"{result['committed_members']:,} members; {result['households_with_errors']} with errors")  # fmt: skip
    print(
        f"  import : {seconds:7.1f} s  {import_rate:10,.0f} rows/s  peak memory {peak_mb:,.0f} MB "
        f"(all its processes together; the largest alone {largest_mb:,.0f} MB)"
    )
    print(f"  limit  : {limit_seconds:7.1f} s  {limit_rate:10,.0f} persons/s  ({bare} of the same "
          "register rows, product schema and indexes, DESIGN §5)")  # fmt: skip
    print(f"  ratio import/limit: {import_rate / limit_rate:.3f} (goal ≥ 0.5); "
          f"peak memory {peak_mb / 1024:.2f} GB (goal < 1 GB)")  # fmt: skip
    print(f"  for reference, the CSV rows into one table without index: {plain_seconds:.1f} s, "
          f"{plain_rate:,.0f} rows/s (ratio {import_rate / plain_rate:.3f})")  # fmt: skip
    print(f"  phases: validation {phases.get('intake.validate', 0):.1f} s, "
          f"commit {phases.get('intake.commit', 0):.1f} s")  # fmt: skip
    total_written = sum(written.values())
    print(
        f"  rows written: {total_written:,} ({total_written / rows:.1f} per input row): "
        + ", ".join(f"{label.split('.')[-1]} {count:,}" for label, count in written.items())
    )


if __name__ == "__main__":
    main()
