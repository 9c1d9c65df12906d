"""Payroll speed (issue 7): generate a cycle's payroll for 1M active enrolments.

    python bench/bench_payroll.py small|medium|full   (DATABASE_URL picks SQLite or PostgreSQL)

Loads a register and a launched programme's enrolments into a fresh database with the
product's schema, indexes and constraints (bulk inserts of tuples: `executemany` on SQLite,
`COPY` on PostgreSQL; this measures the payroll, not registration): one household per
enrolment, each with 1–3 living members (a tenth also have a deceased member, whom the member
count must leave out), a programme paying 15 000 FCFA plus 2 500 per member counted up to 2,
and a payment agency in every region. Then, in the same run:

- the limit, first: one bare `INSERT … SELECT` (hand-written here, not through the product's
  code) writing the same lines into the real `payments_paymentline` table, as cycle 1 of the
  programme — the same amounts, members, agency, recipient, one line per active enrolment;
- Jigi: the payroll of cycle 2 generated as users run it, a `payments.generate` job
  (`start_generation` + `execute_job`): the product's one INSERT … SELECT with ON CONFLICT,
  which also looks for open emergency top-ups and for arrears in the earlier cycles' lines
  (the limit's cycle 1, as in a real second cycle; none is owed here), then the cycle's totals
  and the audit entry.

The limit goes first so that Jigi writes into a table already holding a cycle, as every
cycle after the first does: the order counts against Jigi, not for it.

Both payrolls are checked line by line (same household, amount, parts, members, agency,
recipient, channel and number) and against the amounts computed here in Python; any difference
exits non-zero. Prints both times, rows/s and the ratio Jigi / limit (goal ≤ 2).

Then the files and returns of the untimed first cycle (all its lines), each beside a plain
limit on the same machine:

- export: Jigi's `export_agency_file` (CSV, default layout, one file per agency, control total,
  SHA-256, audit) against a bare cursor reading the same columns and `csv.writer` writing them;
- returns: a 1M-line return file (every line paid) checked (`check_returns`) and applied
  (`apply_returns`) against the plain way: `csv.reader` over the same file and one
  `executemany` UPDATE of the same lines (then reset, untimed, for Jigi's turn). Both must
  leave every line paid with its reference.

full = 1M enrolments (about 2.1M individuals), medium = 100k, small = 2k (for CI, a few
seconds, so the benchmark never rots).
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = sys.argv[1] if len(sys.argv) > 1 else "small"
ENROLMENTS = {"small": 2_000, "medium": 100_000, "full": 1_000_000}[SIZE]
GOAL = 2.0
ROUNDS = {"small": 3, "medium": 3, "full": 2}[SIZE]

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='jigi-bench-')) / 'bench.sqlite3'}"
    )
elif os.environ["DATABASE_URL"].startswith("postgres"):
    # A fresh database beside the one named: the benchmark never writes into a real register.
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS jigi_bench_payroll")
        admin.execute("CREATE DATABASE jigi_bench_payroll")
    os.environ["DATABASE_URL"] = f"{base}/jigi_bench_payroll"
os.environ["JIGI_MODE"] = "test"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigi.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Model  # noqa: E402

from jigi.core.codes import make_code  # noqa: E402
from jigi.core.jobs import execute_job  # noqa: E402
from jigi.core.models import AdminArea, FundingSource, Organisation  # noqa: E402
from jigi.core.refdata import load_admin_areas  # noqa: E402
from jigi.core.text import fold  # noqa: E402
from jigi.payments import services as payments  # noqa: E402
from jigi.payments.models import (  # noqa: E402
    AgencyAssignment,
    Budget,
    PaymentAgency,
    PaymentCycle,
)
from jigi.programmes import services as programmes  # noqa: E402
from jigi.programmes.models import Enrolment, Programme  # noqa: E402
from jigi.registry.models import Household, Individual  # noqa: E402
from jigi.registry.services import REGION_PREFIXES  # noqa: E402

TODAY = date(2026, 12, 1)
START_ON = "2027-01-01"
PLANNED_END_ON = "2030-01-01"
CYCLE_ON = date(2027, 3, 1)
BASE_XOF = 15_000
PER_MEMBER_XOF = 2_500
MEMBER_CAP = 2
BATCH = 50_000
NOW = "2026-12-01 08:00:00" if connection.vendor == "sqlite" else "2026-12-01 08:00:00+00"
GIVEN = ["Awa", "Mamadou", "Fatoumata", "Moussa", "Aminata", "Oumar", "Mariam", "Ibrahim"]
FAMILY = ["Traoré", "Diarra", "Coulibaly", "Keïta", "Koné", "Sangaré", "Diallo", "Touré"]


def _plain(value: Any) -> Any:
    """A value the drivers take as is: choices as their value, booleans as 0/1 (SQLite's
    storage; PostgreSQL reads '0'/'1' as booleans too), dates as ISO text."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class Table:
    """Bulk rows for ``model``: the ``varying`` columns given per row, first; every other
    column of the model filled once as Django would (its default, now for auto_now, NULL
    when nullable, '' when blank), so the rows are complete without model objects."""

    def __init__(self, model: type[Model], varying: Sequence[str]) -> None:
        self.table = model._meta.db_table
        fixed: list[tuple[str, Any]] = []
        for field in model._meta.concrete_fields:
            column = str(field.column)
            if column in varying:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                fixed.append((column, NOW))
            elif field.has_default():
                fixed.append((column, _plain(field.get_default())))
            elif field.null:
                fixed.append((column, None))
            elif field.blank and field.empty_strings_allowed:
                fixed.append((column, ""))
            else:
                raise SystemExit(f"{self.table}.{column}: NOT NULL without a value in the bench")
        self.columns = [*varying, *(column for column, _value in fixed)]
        self.fixed = tuple(value for _column, value in fixed)

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> None:
        names = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        fixed = self.fixed
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the driver's own cursor: no Django placeholder rewriting
            if connection.vendor == "postgresql":
                with raw.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + fixed)
            else:
                marks = ", ".join("?" * len(self.columns))
                sqlite3.Cursor.executemany(
                    raw,
                    f"INSERT INTO {self.table} ({names}) VALUES ({marks})",  # noqa: S608 (names from the model)
                    (row + fixed for row in rows),
                )


def programme() -> Programme:
    organisation = Organisation.objects.create(name="UTGFS", kind="ministry")
    FundingSource.objects.create(code="ida-fa2", name="IDA FA2")
    communes = AdminArea.objects.filter(level=3).values_list("pcode", flat=True)
    created = programmes.create_programme(
        actor=None,
        values={
            "code": "bench",
            "name": "Bench",
            "kind": "cash_transfer",
            "organisation": organisation.pk,
            "transfer_value_xof": BASE_XOF,
            "member_top_up_xof": PER_MEMBER_XOF,
            "top_up_member_cap": MEMBER_CAP,
            "frequency_months": 3,
            "duration_months": 36,
        },
        coverage=[programmes.CoverageLine(pcode, None) for pcode in communes],
        funding=[programmes.FundingLine("ida-fa2", 10**12)],
    )
    launched = programmes.launch_programme(actor=None, programme=created)
    agencies = [
        PaymentAgency.objects.create(
            code=code,
            name=name,
            kind=kind,
            contract_reference=f"{code}-2027",
            contract_starts_on=date(2027, 1, 1),
        )  # fmt: skip
        for code, name, kind in [
            ("orange-money", "Orange Money", PaymentAgency.Kind.MOBILE_MONEY),
            ("bnda", "BNDA", PaymentAgency.Kind.BANK),
        ]
    ]
    for index, region in enumerate(AdminArea.objects.filter(level=1).order_by("pcode")):
        AgencyAssignment.objects.create(
            programme=launched, region=region, agency=agencies[index % 2]
        )
    return launched


def load(rng: random.Random, target: Programme) -> tuple[int, int]:
    """Households, their members and one active enrolment each, by bulk inserts of tuples.
    Returns (individuals, the payroll's total as the programme's rule gives it)."""
    communes = list(AdminArea.objects.filter(level=3).values_list("pcode", flat=True))
    households = Table(
        Household,
        ["id", "code", "commune_id", "village", "village_folded", "registered_on", "source"],
    )
    individuals = Table(
        Individual,
        ["id", "household_id", "given_names", "family_name", "names_folded", "sex",
         "birth_date", "relationship", "status"],
    )  # fmt: skip
    enrolments = Table(
        Enrolment,
        ["id", "programme_id", "household_id", "status", "start_on", "planned_end_on",
         "recipient_id", "channel", "payment_number"],
    )  # fmt: skip
    channels = [choice.value for choice in Enrolment.Channel]
    folded = {(given, family): fold(f"{given} {family}") for given in GIVEN for family in FAMILY}
    person = 0
    total = 0
    for start in range(1, ENROLMENTS + 1, BATCH):
        house_rows: list[tuple[Any, ...]] = []
        member_rows: list[tuple[Any, ...]] = []
        enrolment_rows: list[tuple[Any, ...]] = []
        for number in range(start, min(start + BATCH, ENROLMENTS + 1)):
            commune = rng.choice(communes)
            village = f"Village {rng.randint(1, 12)}"
            registered = date.fromordinal(TODAY.toordinal() - rng.randint(0, 900)).isoformat()
            house_rows.append(
                (number, make_code(REGION_PREFIXES[commune[:4]], number), commune, village,
                 village.lower(), registered, "survey")
            )  # fmt: skip
            living = rng.randint(1, 3)
            deceased = 1 if rng.random() < 0.1 else 0
            head = person + 1
            for position in range(living + deceased):
                person += 1
                given, family = rng.choice(GIVEN), rng.choice(FAMILY)
                born = date.fromordinal(TODAY.toordinal() - rng.randint(0, 80 * 365))
                member_rows.append(
                    (person, number, given, family, folded[given, family],
                     rng.choice("FM"), born.isoformat(),
                     "head" if position == 0 else "spouse" if position == 1 else "child",
                     "alive" if position < living else "deceased")
                )  # fmt: skip
            enrolment_rows.append(
                (number, target.pk, number, "active", START_ON, PLANNED_END_ON, head,
                 rng.choice(channels), f"7{rng.randint(0, 9_999_999):07d}")
            )  # fmt: skip
            total += BASE_XOF + PER_MEMBER_XOF * min(living, MEMBER_CAP)
        with transaction.atomic():
            households.insert(house_rows)
            individuals.insert(member_rows)
            enrolments.insert(enrolment_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Household, Individual, Enrolment]
            ):
                cursor.execute(sql)
    return person, total


def new_cycle(target: Programme, number: int) -> PaymentCycle:
    return payments.create_cycle(
        actor=None,
        programme=target,
        name=f"2027 – cycle {number}",
        cycle_on=CYCLE_ON,
        due_on=CYCLE_ON,
        funding_source=FundingSource.objects.get(code="ida-fa2"),
    )


LIMIT_SQL = f"""
    INSERT INTO payments_paymentline (
        cycle_id, enrolment_id, household_id, commune_id, agency_id, recipient_id,
        recipient_name, channel, payment_number, members, base_xof, member_top_up_xof,
        emergency_xof, arrears_xof, deduction_xof, amount_xof, reissue_of_id, status, paid_on,
        transaction_reference, failure_reason)
    SELECT %(cycle)s, e.id, e.household_id, h.commune_id, a.agency_id, e.recipient_id,
           r.given_names || ' ' || r.family_name, e.channel, e.payment_number, m.size,
           {BASE_XOF}, {PER_MEMBER_XOF} * MIN(m.size, {MEMBER_CAP}), 0, 0, 0,
           {BASE_XOF} + {PER_MEMBER_XOF} * MIN(m.size, {MEMBER_CAP}), NULL, 'pending', NULL, '', ''
    FROM programmes_enrolment e
    JOIN registry_household h ON h.id = e.household_id
    JOIN registry_individual r ON r.id = e.recipient_id
    JOIN (SELECT household_id, COUNT(*) AS size FROM registry_individual
          WHERE status = 'alive' GROUP BY household_id) m ON m.household_id = e.household_id
    LEFT JOIN payments_agencyassignment a
         ON a.programme_id = e.programme_id AND a.region_id = SUBSTR(h.commune_id, 1, 4)
    WHERE e.programme_id = %(programme)s AND e.status = 'active'
      AND e.start_on <= %(on)s AND e.planned_end_on > %(on)s
"""  # noqa: S608 (constants of this benchmark only; values are parameters)


def limit(cycle: PaymentCycle) -> int:
    """The bare statement, in one transaction as the product's; returns the lines written."""
    sql = LIMIT_SQL
    if connection.vendor == "postgresql":
        sql = sql.replace("MIN(", "LEAST(")  # SQLite's scalar MIN is PostgreSQL's LEAST
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            sql, {"cycle": cycle.pk, "programme": cycle.programme_id, "on": cycle.cycle_on}
        )
        return int(cursor.rowcount)


LINE_PARTS = (
    "household_id, enrolment_id, commune_id, agency_id, recipient_id, recipient_name, channel, "
    "payment_number, members, base_xof, member_top_up_xof, emergency_xof, arrears_xof, "
    "deduction_xof, amount_xof, reissue_of_id, status"
)


def clear(cycle: PaymentCycle) -> None:
    """Delete the cycle's lines (untimed) and, on PostgreSQL, vacuum them away, so the next
    payroll writes into the table as the previous one found it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM payments_paymentline WHERE cycle_id = %s", [cycle.pk])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE payments_paymentline")


def keep(cycle: PaymentCycle) -> None:
    """Jigi's lines, put aside for the line-by-line comparison before they are cleared."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE bench_jigi_lines AS SELECT {LINE_PARTS} "  # noqa: S608 (constants)
            "FROM payments_paymentline WHERE cycle_id = %s",
            [cycle.pk],
        )


def compare(bare: PaymentCycle) -> tuple[int, int, int, int]:
    """(Jigi's lines, the limit's, the limit's total, lines equal in every part)."""
    parts = [part.strip() for part in LINE_PARTS.split(",")]
    equal = " AND ".join(
        f"COALESCE(j.{part}, -1) = COALESCE(b.{part}, -1)"
        if part in {"agency_id", "reissue_of_id"}  # the nullable ones
        else f"j.{part} = b.{part}"
        for part in parts
        if part != "household_id"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bench_jigi_lines")
        jigi_lines = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT COUNT(*), SUM(amount_xof) FROM payments_paymentline WHERE cycle_id = %s",
            [bare.pk],
        )
        bare_lines, bare_total = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*) FROM bench_jigi_lines j JOIN payments_paymentline b "  # noqa: S608 (constants)
            f"ON b.cycle_id = %s AND b.household_id = j.household_id WHERE {equal}",
            [bare.pk],
        )
        same = int(cursor.fetchone()[0])
    return jigi_lines, int(bare_lines), int(bare_total or 0), same


def _spaced(number: float) -> str:
    return f"{number:,.0f}".replace(",", " ")


def _timed(label: str, rows: int, seconds: float) -> str:
    return f"{label}: {seconds:.2f} s, {_spaced(rows / seconds)} lines/s"


def main() -> None:
    call_command("migrate", verbosity=0)
    load_admin_areas()
    target = programme()
    rng = random.Random(20270301)  # noqa: S311 (benchmark data)
    started = time.perf_counter()
    people, expected_total = load(rng, target)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(  # noqa: T201
        f"register: {ENROLMENTS} households with one active enrolment each, {people} "
        f"individuals, loaded in {time.perf_counter() - started:.1f} s ({connection.vendor})"
    )

    # Untimed: the last cycle's payroll, which a real cycle finds in the table (and whose
    # lines the product reads for arrears), then a cycle written and cleared, so that both
    # timed payrolls write into the same table: one earlier cycle plus a cycle's freed space.
    started = time.perf_counter()
    first = payments.generate_payroll(actor=None, cycle=new_cycle(target, 1))
    warm_up = new_cycle(target, 2)
    limit(warm_up)
    clear(warm_up)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"earlier cycle and warm-up: {time.perf_counter() - started:.1f} s")  # noqa: T201

    # Timed: Jigi and the limit in turn (alternating which goes first), each payroll cleared
    # afterwards; the best time of each counts (the machine may be shared).
    times: dict[str, list[float]] = {"jigi": [], "limit": []}
    number = 2
    checked: list[str] = []
    for round_ in range(ROUNDS):
        for side in ("jigi", "limit") if round_ % 2 == 0 else ("limit", "jigi"):
            number += 1
            cycle = new_cycle(target, number)
            started = time.perf_counter()
            if side == "jigi":
                job = execute_job(
                    str(payments.start_generation(actor=None, cycle=cycle, enqueue=False).pk)
                )
                times[side].append(time.perf_counter() - started)
                if job.status != "succeeded":
                    raise SystemExit(f"payroll generation failed: {job.error}")
                jigi_total = int((job.result or {}).get("amount_xof", -1))
                if not round_:
                    keep(cycle)
                if jigi_total != expected_total:
                    checked.append(f"Jigi's total {jigi_total}, the rule's {expected_total}")
            else:
                bare_rows = limit(cycle)
                times[side].append(time.perf_counter() - started)
                if not round_:
                    checked += check(cycle, bare_rows, expected_total)
            clear(cycle)
    if checked:
        raise SystemExit("payrolls differ: " + "; ".join(checked))
    jigi, bare = min(times["jigi"]), min(times["limit"])
    print(  # noqa: T201
        f"{_timed('Jigi payroll (payments.generate job)', ENROLMENTS, jigi)} "
        f"({_spaced(expected_total)} FCFA); all runs {_runs(times['jigi'])}\n"
        f"{_timed('limit (one bare INSERT … SELECT, same lines)', ENROLMENTS, bare)}; "
        f"all runs {_runs(times['limit'])}\n"
        f"ratio Jigi / limit (best times): {jigi / bare:.2f} (goal ≤ {GOAL:.0f}); "
        f"of medians {statistics.median(times['jigi']) / statistics.median(times['limit']):.2f}"
    )
    files_and_returns(first)


def files_and_returns(cycle: PaymentCycle) -> None:
    """Export the first cycle's files, then import a return file paying every line."""
    Budget.objects.create(
        funding_source=cycle.funding_source, programme=cycle.programme, year=2027,
        amount_xof=10**12,
    )  # fmt: skip
    cycle = payments.approve_cycle(actor=None, cycle=payments.submit_cycle(actor=None, cycle=cycle))
    agencies = list(PaymentAgency.objects.order_by("code"))
    started = time.perf_counter()
    exported = [
        payments.export_agency_file(actor=None, cycle=cycle, agency=agency, file_format="csv")
        for agency in agencies
    ]
    jigi_export = time.perf_counter() - started
    rows = sum(file.record.rows for file in exported)
    started = time.perf_counter()
    bare_rows = sum(bare_export(cycle, agency) for agency in agencies)
    bare_export_time = time.perf_counter() - started
    if rows != bare_rows or rows != ENROLMENTS:
        raise SystemExit(f"files: Jigi wrote {rows} lines, the bare export {bare_rows}")
    print(  # noqa: T201
        f"{_timed('Jigi agency files (CSV, 2 agencies)', rows, jigi_export)}; "
        f"{_timed('limit (cursor + csv.writer)', rows, bare_export_time)}; "
        f"ratio {jigi_export / bare_export_time:.2f}"
    )
    content = return_file(cycle)
    started = time.perf_counter()
    bare_apply(cycle, content)
    bare_time = time.perf_counter() - started
    paid_check(cycle, "limit")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE payments_paymentline SET status = 'pending', paid_on = NULL, "
            "transaction_reference = '' WHERE cycle_id = %s",
            [cycle.pk],
        )
    started = time.perf_counter()
    checked = payments.check_returns(
        actor=None, cycle=cycle, file_name="retour.csv", content=content
    )
    checked_time = time.perf_counter() - started
    applied = payments.apply_returns(actor=None, returns=checked)
    jigi_time = time.perf_counter() - started
    if checked.errors or applied.applied_rows != ENROLMENTS:
        raise SystemExit(f"returns: {len(checked.errors)} errors, {applied.applied_rows} applied")
    paid_check(cycle, "Jigi")
    print(  # noqa: T201
        f"{_timed('Jigi return file (check + apply)', ENROLMENTS, jigi_time)} "
        f"(check {checked_time:.2f} s); "
        f"{_timed('limit (csv.reader + executemany UPDATE)', ENROLMENTS, bare_time)}; "
        f"ratio {jigi_time / bare_time:.2f}"
    )


def bare_export(cycle: PaymentCycle, agency: PaymentAgency) -> int:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payment_id", "cycle_id", "household_code", "recipient_name",
                     "recipient_id", "msisdn", "channel", "amount", "currency",
                     "commune_pcode", "note"])  # fmt: skip
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.id, l.cycle_id, h.code, l.recipient_name, l.recipient_id, "
            "l.payment_number, l.channel, l.amount_xof, l.commune_id "
            "FROM payments_paymentline l JOIN registry_household h ON h.id = l.household_id "
            "WHERE l.cycle_id = %s AND l.agency_id = %s ORDER BY l.id",
            [cycle.pk, agency.pk],
        )
        while batch := cursor.fetchmany(5000):
            for pk, cycle_id, code, name, person, number, channel, amount, commune in batch:
                msisdn = number.lstrip("+") if channel == "mobile_money" else ""
                writer.writerow([pk, cycle_id, code, name, person, msisdn, channel, amount,
                                 "XOF", commune, ""])  # fmt: skip
                count += 1
    hashlib.sha256(out.getvalue().encode()).hexdigest()
    return count


def return_file(cycle: PaymentCycle) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payment_id", "status", "amount", "paid_at", "operator_txn_id"])
    for pk, amount in cycle.lines.order_by("pk").values_list("pk", "amount_xof").iterator(5000):
        writer.writerow([pk, "paid", amount, "2027-03-05", f"OM{pk}"])
    return out.getvalue().encode()


def bare_apply(cycle: PaymentCycle, content: bytes) -> None:
    reader = csv.reader(io.StringIO(content.decode()))
    next(reader)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE payments_paymentline SET status = %s, paid_on = %s, "
            "transaction_reference = %s WHERE id = %s AND cycle_id = %s AND status = 'pending'",
            [(status, date.fromisoformat(day), reference, int(pk), cycle.pk)
             for pk, status, _amount, day, reference in reader],
        )  # fmt: skip


def paid_check(cycle: PaymentCycle, side: str) -> None:
    paid = cycle.lines.filter(status="paid", transaction_reference__startswith="OM").count()
    if paid != ENROLMENTS:
        raise SystemExit(f"returns ({side}): {paid} lines paid of {ENROLMENTS}")


def check(bare_cycle: PaymentCycle, bare_rows: int, expected_total: int) -> list[str]:
    """Jigi's first payroll (put aside) against the limit's, line by line; the problems."""
    jigi_lines, bare_lines, bare_total, same = compare(bare_cycle)
    problems = []
    if not jigi_lines == bare_lines == bare_rows == same == ENROLMENTS:
        problems.append(
            f"lines: Jigi {jigi_lines}, limit {bare_lines} (rowcount {bare_rows}), equal in "
            f"every part {same}, active enrolments {ENROLMENTS}"
        )
    if bare_total != expected_total:
        problems.append(f"the limit's total {bare_total}, the rule's {expected_total}")
    return problems


def _runs(seconds: list[float]) -> str:
    return " / ".join(f"{value:.2f} s" for value in seconds)


if __name__ == "__main__":
    main()
