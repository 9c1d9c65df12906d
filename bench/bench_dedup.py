"""Deduplication speed and accuracy (issue 5), against a plain Splink run on the same data.

    python bench/bench_dedup.py small|full      (DATABASE_URL picks SQLite or PostgreSQL)

1. Batch: a synthetic Malian register (`jigi synth`, ground truth beside it) is deduplicated
   by Jigi's model (names reduced to keys, household context, trained, scored, one match per
   household pair, a second pass between copies of a household) and, for reference, by a plain Splink model with the comparison library's
   default comparisons on the raw columns and simple blocking (name + commune, birth date +
   commune, phone, NINA), trained the same way (u by sampling, m by EM). Each runs in its own
   process from the same CSV so its wall time and peak memory are its own; both are scored
   against the ground truth. Goal: Jigi no slower than the plain run, < 4 GB, F1 ≥ 0.95.
2. Instant check: the register is loaded into the database (bulk writes of the registry), the
   model trained on it, then one household at a time (200, drawn from the register) is checked
   as `POST /api/v1/duplicates/check` does. Goal: p95 < 0.5 s.

full = about 1M individuals (165k households); small = 2k households, for CI.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = sys.argv[1] if len(sys.argv) > 1 else "small"
HOUSEHOLDS = {"small": 2_000, "medium": 17_000, "full": 165_000}.get(SIZE, 2_000)
CHECKS = 200 if SIZE in {"full", "medium"} else 30
LIMIT_SECONDS = 0.5


def batch(model: str, path: Path) -> dict[str, float]:
    """One batch run from the CSV (in a child process): seconds, pairs, precision, recall."""
    import logging

    logging.getLogger("splink").setLevel(logging.ERROR)
    from jigi.dedup import evaluation, linkage

    started = time.perf_counter()
    records, truth = evaluation.synth_records(path)
    read = time.perf_counter() - started
    started = time.perf_counter()
    if model == "jigi":
        frame = linkage.person_frame(records)
        pairs = linkage.predict(frame, linkage.train(frame), threshold=0.5)
    else:
        pairs = plain(records)
    seconds = time.perf_counter() - started
    score = evaluation.score(pairs, truth, threshold=0.5)
    return {"read": read, "seconds": seconds, "pairs": score.found, "precision": score.precision,
            "recall": score.recall, "f1": score.f1}  # fmt: skip


def plain(records: list) -> object:  # type: ignore[type-arg]
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = pd.DataFrame(
        {
            "unique_id": [r.unique_id for r in records],
            "given_names": [r.given_names or None for r in records],
            "family_name": [r.family_name or None for r in records],
            "birth_date": [r.birth_date.isoformat() if r.birth_date else None for r in records],
            "sex": [r.sex or None for r in records],
            "phone": [r.phone or None for r in records],
            "nina": [r.nina or None for r in records],
            "commune": [r.commune or None for r in records],
        }
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_names", "family_name", "commune"),
            block_on("birth_date", "commune"),
            block_on("phone"),
            block_on("nina"),
        ],
        comparisons=[
            cl.NameComparison("given_names"),
            cl.NameComparison("family_name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("nina"),
            cl.ExactMatch("commune"),
        ],
    )
    linker = Linker(frame, settings, db_api=DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nina"), block_on("given_names", "family_name", "birth_date")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_names", "family_name", "commune")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date", "commune")
    )
    return linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()


def child(model: str, path: Path) -> dict[str, float]:
    run = subprocess.run(  # noqa: S603 (this script, no shell)
        [sys.executable, __file__, "--batch", model, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        print(run.stdout, run.stderr, sep="\n")
        raise SystemExit(f"the {model} batch run failed")
    result: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def setup_django() -> None:
    os.environ.setdefault(
        "DATABASE_URL",
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='jigi-dedup-')) / 'bench.sqlite3'}",
    )
    os.environ["JIGI_MODE"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigi.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    from jigi.core.refdata import load_admin_areas

    call_command("migrate", verbosity=0)
    load_admin_areas()


def instant() -> list[float]:
    """Load the register, train, then time the instant check of registered households."""
    import random

    from jigi.core.models import AdminArea
    from jigi.dedup import services
    from jigi.dedup.records import PersonRecord
    from jigi.intake.synth import households
    from jigi.registry.services import BulkHousehold, register_households_bulk

    areas = AdminArea.objects.in_bulk(field_name="pcode")
    started = time.perf_counter()
    sample: list[tuple[str, list[PersonRecord]]] = []
    rng = random.Random(5)  # noqa: S311 (sampling, not security)
    chunk: list[BulkHousehold] = []
    ninas: set[str] = set()  # the register refuses a NINA twice (as the import does)
    for household in households(HOUSEHOLDS, seed=7, duplicate_rate=0.05):
        for person in household.members:
            if person.nina in ninas:
                person.nina = ""
            elif person.nina:
                ninas.add(person.nina)
        members = [
            (
                {"given_names": p.given_names, "family_name": p.family_name, "sex": p.sex,
                 "birth_date": p.birth_date, "birth_precision": p.birth_precision,
                 "relationship": p.relationship, "phone": p.phone},
                [{"kind": "nina", "number": p.nina, "number_normalised": p.nina}] if p.nina else [],
            )
            for p in household.members
        ]  # fmt: skip
        chunk.append(
            BulkHousehold(
                commune=areas[household.commune],
                values={
                    "village": household.village,
                    "registered_on": household.registered_on,
                    "source": "import",
                },
                members=members,
                note={},
            )  # fmt: skip
        )
        if len(sample) < CHECKS and rng.random() < 0.01 + CHECKS / HOUSEHOLDS:
            sample.append(
                (
                    household.commune,
                    [
                        PersonRecord(
                            index,
                            "new",
                            p.given_names,
                            p.family_name,
                            p.sex,
                            p.birth_date,
                            p.birth_precision != "exact",
                            p.phone,
                            p.nina,
                        )
                        for index, p in enumerate(household.members)
                    ],
                )  # fmt: skip
            )
        if len(chunk) == 500:
            register_households_bulk(actor=None, households=chunk)
            chunk = []
    register_households_bulk(actor=None, households=chunk)
    from django.db import connection

    if connection.vendor == "postgresql":  # statistics, as autovacuum keeps them on a live register
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  register loaded in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    services.train_model(actor=None)
    print(f"  model trained on the register in {time.perf_counter() - started:.0f} s", flush=True)
    timings = []
    for commune, people in sample:
        started = time.perf_counter()
        services.check_household(actor=None, commune=commune, members=people)
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    import statistics

    setup_django()
    from django.db import connection

    from jigi.intake.synth import write

    out = Path(tempfile.mkdtemp(prefix="jigi-dedup-")) / "register.csv"
    write(out, households_count=HOUSEHOLDS, seed=7, duplicate_rate=0.05)
    connection.close()
    ours, reference = child("jigi", out), child("plain", out)
    records = sum(1 for _ in out.open(encoding="utf-8")) - 1
    print(f"\njigi dedup — {records:,} synthetic individuals ({HOUSEHOLDS:,} households)")
    for name, result in (("jigi model", ours), ("plain Splink", reference)):
        print(f"  {name:13}: {result['seconds']:7.1f} s, peak {result['peak_mb']:,.0f} MB, "
              f"{result['pairs']:,.0f} pairs, precision {result['precision']:.3f}, "
              f"recall {result['recall']:.3f}, F1 {result['f1']:.3f}")  # fmt: skip
    print(f"  ratio jigi/plain wall time: {ours['seconds'] / reference['seconds']:.2f} (goal ≤ 1); "
          f"peak memory {ours['peak_mb'] / 1024:.2f} GB (goal < 4 GB); F1 goal ≥ 0.95")  # fmt: skip
    timings = instant()
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 20 else max(timings)
    print(f"  instant check of one household ({len(timings)} checks): p50 {p50 * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, ratio p95/limit {p95 / LIMIT_SECONDS:.2f} (goal < 1)")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--batch":
        measured = batch(sys.argv[2], Path(sys.argv[3]))
        measured["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(measured))
    else:
        main()
