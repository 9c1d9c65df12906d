"""Targeting speed (issue 6): score and rank 200k households (1M individuals) with quotas.

    python bench/bench_targeting.py small|full      (DATABASE_URL picks SQLite or PostgreSQL)

Loads a register into a fresh database with the product's schema and indexes (bulk inserts:
this measures targeting, not registration), defines a programme covering every commune with a
quota, and a PMT formula of twelve terms. Then, in the same run:

- Jigi: a targeting run as a job (`jigi targeting run`): scores, criteria, cut-off, ranking
  within each commune up to its quota, written to the run's table with its indexes, and the
  per-commune summary and score histogram the run page shows;
- the limit: one bare INSERT … SELECT writing the same scores, ranks and selections into the
  product's own table, with its indexes and constraints (DESIGN §5), hand-written here.

Both write into the same table state (an untimed run first; each timed run's rows removed
after it), in alternating order, twice; the best time of each side is compared, and both
must select the same households.

Prints both times and the ratio Jigi / limit (goal ≤ 3). full = 200k households, about 1M
individuals; small = 2k households, for CI so the benchmark never rots.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = sys.argv[1] if len(sys.argv) > 1 else "small"
HOUSEHOLDS = {"small": 2_000, "medium": 40_000, "full": 200_000}[SIZE]
ROUNDS = 2
GOAL = 3.0

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='jigi-bench-')) / 'bench.sqlite3'}"
    )
elif os.environ["DATABASE_URL"].startswith("postgres"):
    # A fresh database beside the one named: the benchmark never writes into a real register.
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS jigi_bench_targeting")
        admin.execute("CREATE DATABASE jigi_bench_targeting")
    os.environ["DATABASE_URL"] = f"{base}/jigi_bench_targeting"
os.environ["JIGI_MODE"] = "test"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigi.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from jigi.core.codes import make_code  # noqa: E402
from jigi.core.jobs import execute_job  # noqa: E402
from jigi.core.models import AdminArea, FundingSource, Organisation  # noqa: E402
from jigi.core.refdata import load_admin_areas  # noqa: E402
from jigi.programmes import services  # noqa: E402
from jigi.programmes.models import HouseholdScore, Programme, TargetingRun  # noqa: E402
from jigi.registry.models import Household, Individual  # noqa: E402
from jigi.registry.services import REGION_PREFIXES  # noqa: E402

TODAY = date(2026, 12, 1)
TERMS = [
    {"variable": "roof", "transform": "equals", "value": "straw", "weight": -0.30},
    {"variable": "wall", "transform": "equals", "value": "mud", "weight": -0.15},
    {"variable": "floor", "transform": "equals", "value": "earth", "weight": -0.20},
    {"variable": "water_source", "transform": "equals", "value": "surface", "weight": -0.25},
    {"variable": "toilet", "transform": "equals", "value": "none", "weight": -0.20},
    {"variable": "cattle", "transform": "log1p", "weight": 0.35},
    {"variable": "goats", "transform": "log1p", "weight": 0.10},
    {"variable": "land_hectares", "transform": "value", "weight": 0.05},
    {"variable": "has_motorbike", "transform": "value", "weight": 0.40},
    {"variable": "has_phone", "transform": "value", "weight": 0.15},
    {"variable": "household_size", "transform": "log1p", "weight": -0.45},
    {"variable": "children_under_5", "transform": "value", "weight": -0.10},
]
INTERCEPT = 11.0


def load(rng: random.Random) -> int:
    """Households with dwelling and asset variables, and their members, by bulk inserts."""
    communes = list(AdminArea.objects.filter(level=3).values_list("pcode", flat=True))
    choices = {
        "roof": ["straw", "mud", "corrugated_iron", "concrete"],
        "wall": ["mud", "stone", "cement_block", "straw"],
        "floor": ["earth", "cement", "tile"],
        "water_source": ["piped", "borehole", "protected_well", "unprotected_well", "surface"],
        "toilet": ["flush", "improved_latrine", "latrine", "none"],
    }
    people = 0
    number = 0
    batch = 5_000
    for start in range(0, HOUSEHOLDS, batch):
        households = []
        for _index in range(min(batch, HOUSEHOLDS - start)):
            number += 1
            commune = rng.choice(communes)
            households.append(
                Household(
                    code=make_code(REGION_PREFIXES[commune[:4]], number),
                    commune_id=commune,
                    village=f"Village {rng.randint(1, 12)}",
                    village_folded=f"village {rng.randint(1, 12)}",
                    registered_on=TODAY - timedelta(days=rng.randint(0, 900)),
                    source="survey",
                    displacement="idp" if rng.random() < 0.1 else "resident",
                    cattle=rng.choice([0, 0, 0, 1, 2, 5, 12]),
                    goats=rng.choice([0, 0, 2, 4, 8]),
                    land_hectares=rng.choice([0, 0.5, 1, 2, 4]),
                    has_phone=rng.random() < 0.6,
                    has_motorbike=rng.random() < 0.2,
                    **{name: rng.choice(options) for name, options in choices.items()},
                )
            )
        Household.objects.bulk_create(households, batch_size=1000)
        members = []
        for household in households:
            for position in range(rng.choice([2, 3, 4, 5, 5, 6, 6, 7, 8, 10])):
                members.append(
                    Individual(
                        household=household,
                        given_names="Awa",
                        family_name="Traoré",
                        names_folded="awa traore",
                        sex=rng.choice("FM"),
                        birth_date=TODAY - timedelta(days=rng.randint(0, 80 * 365)),
                        relationship="head" if position == 0 else "child",
                    )
                )
        Individual.objects.bulk_create(members, batch_size=2000)
        people += len(members)
    return people


def programme() -> Programme:
    organisation = Organisation.objects.create(name="UTGFS", kind="ministry")
    FundingSource.objects.create(code="ida-fa2", name="IDA FA2")
    communes = AdminArea.objects.filter(level=3).values_list("pcode", flat=True)
    quota = max(1, HOUSEHOLDS // len(communes) // 3)
    created = services.create_programme(
        actor=None,
        values={
            "code": "bench",
            "name": "Bench",
            "kind": "cash_transfer",
            "organisation": organisation.pk,
            "transfer_value_xof": 15000,
            "frequency_months": 3,
            "duration_months": 36,
        },
        coverage=[services.CoverageLine(pcode, quota) for pcode in communes],
        funding=[services.FundingLine("ida-fa2", 1_000_000_000)],
    )
    services.create_formula(
        actor=None, programme=created, name="PMT", intercept=INTERCEPT, terms=TERMS
    )
    return created


def limit_sql(run_id: int, programme_id: int) -> str:
    """The same scores, ranks and quotas in one bare INSERT … SELECT into the product's own
    table (same indexes and constraints, DESIGN §5), written by hand here."""
    under_5 = date(TODAY.year - 5, TODAY.month, TODAY.day).isoformat()
    return f"""
        INSERT INTO programmes_householdscore
            (run_id, household_id, commune_id, score, size, is_eligible, rank, is_selected,
             validation, validation_reason, is_community_addition)
        SELECT {run_id}, r.id, r.commune_id, r.score, r.size, TRUE, r.position,
               (r.quota IS NULL OR r.position <= r.quota), '', '', FALSE
        FROM (
            SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.commune_id ORDER BY s.score,
                                           s.size DESC, s.registered_on, s.code) AS position
            FROM (
                SELECT h.id, h.commune_id, h.code, h.registered_on, m.size, pc.quota,
                       {INTERCEPT}
                       + (CASE WHEN h.roof = 'straw' THEN 1 ELSE 0 END) * -0.30
                       + (CASE WHEN h.wall = 'mud' THEN 1 ELSE 0 END) * -0.15
                       + (CASE WHEN h.floor = 'earth' THEN 1 ELSE 0 END) * -0.20
                       + (CASE WHEN h.water_source = 'surface' THEN 1 ELSE 0 END) * -0.25
                       + (CASE WHEN h.toilet = 'none' THEN 1 ELSE 0 END) * -0.20
                       + LN(1 + h.cattle) * 0.35 + LN(1 + h.goats) * 0.10
                       + h.land_hectares * 0.05
                       + (CASE WHEN h.has_motorbike THEN 1 ELSE 0 END) * 0.40
                       + (CASE WHEN h.has_phone THEN 1 ELSE 0 END) * 0.15
                       + LN(1 + m.size) * -0.45 + m.under_5 * -0.10 AS score
                FROM registry_household h
                JOIN programmes_programmecommune pc
                     ON pc.commune_id = h.commune_id AND pc.programme_id = {programme_id}
                JOIN (SELECT household_id, COUNT(*) AS size,
                             SUM(CASE WHEN birth_date > '{under_5}' THEN 1 ELSE 0 END) AS under_5
                      FROM registry_individual WHERE status = 'alive' GROUP BY household_id) m
                     ON m.household_id = h.id
                WHERE h.status = 'active'
            ) s
        ) r
    """  # noqa: S608 (integers and constants of this benchmark only)


def jigi_run(target: Programme) -> tuple[float, TargetingRun]:
    """A targeting run as users start it: the run, its job, the scoring, the summary."""
    started = time.perf_counter()
    run = services.start_targeting(actor=None, programme=target, enqueue=False)
    assert run.job is not None  # noqa: S101
    job = execute_job(str(run.job.pk))
    seconds = time.perf_counter() - started
    if job.status != "succeeded":
        raise SystemExit(f"targeting failed: {job.error}")
    run.refresh_from_db()
    return seconds, run


def bare_run(target: Programme) -> tuple[float, TargetingRun]:
    run = TargetingRun.objects.create(
        programme=target, formula=target.formulas.get(), status=TargetingRun.Status.READY
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(limit_sql(run.pk, target.pk))
    return time.perf_counter() - started, run


def main() -> None:
    call_command("migrate", verbosity=0)
    load_admin_areas()
    rng = random.Random(20261201)  # noqa: S311 (benchmark data)
    started = time.perf_counter()
    people = load(rng)
    print(f"register: {HOUSEHOLDS} households, {people} individuals loaded in "  # noqa: T201
          f"{time.perf_counter() - started:.1f} s ({connection.vendor})")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    target = programme()
    # Both sides write into the same table state: one untimed run first (as any programme
    # has had simulations before), then each timed run's rows are removed after it.
    jigi_run(target)
    times: dict[str, list[float]] = {"jigi": [], "limit": []}
    kept: dict[str, TargetingRun] = {}
    for round_number in range(ROUNDS):
        order = (("jigi", jigi_run), ("limit", bare_run))
        for name, runner in order if round_number % 2 == 0 else tuple(reversed(order)):
            seconds, run = runner(target)
            times[name].append(seconds)
            if name in kept:
                HouseholdScore.objects.filter(run=run).delete()
            else:
                kept[name] = run
    ours, bare = kept["jigi"], kept["limit"]
    selected = {
        name: set(run.scores.filter(is_selected=True).values_list("household_id", flat=True))
        for name, run in kept.items()
    }
    if selected["jigi"] != selected["limit"] or ours.scores.count() != bare.scores.count():
        raise SystemExit("the limit and Jigi did not select the same households")
    jigi, limit = min(times["jigi"]), min(times["limit"])
    runs = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(times["jigi"], times["limit"], strict=True))
    print(  # noqa: T201
        f"targeting run: {jigi:.2f} s for {ours.summary['households']} households "
        f"({ours.summary['eligible']} eligible, {ours.summary['selected']} selected in "
        f"{len(ours.summary['communes'])} communes)\n"
        f"limit (one bare INSERT … SELECT, same rows, same table): {limit:.2f} s\n"
        f"all rounds (Jigi/limit): {runs}\n"
        f"ratio Jigi / limit (best of each): {jigi / limit:.2f} (goal ≤ {GOAL:.0f})"
    )


if __name__ == "__main__":
    main()
