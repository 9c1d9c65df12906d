"""`jigi synth` speed (issue 4): 1M individuals must be written in well under a minute.

    python bench/bench_synth.py small|full

Prints records per second and the ratio of the time to the 60 s limit.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = sys.argv[1] if len(sys.argv) > 1 else "small"
HOUSEHOLDS = {"small": 5_000, "full": 195_000}[SIZE]  # full: about 1M individuals
LIMIT_S = 60.0

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='jigi-synth-')) / 'bench.sqlite3'}"
    )
os.environ["JIGI_MODE"] = "test"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigi.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from jigi.core.refdata import load_admin_areas  # noqa: E402
from jigi.intake.synth import write  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    load_admin_areas()
    out = Path(tempfile.mkdtemp(prefix="jigi-synth-")) / "register.csv"
    started = time.perf_counter()
    result = write(out, households_count=HOUSEHOLDS, seed=1, duplicate_rate=0.05)
    seconds = time.perf_counter() - started
    print(f"\njigi synth — {result.records:,} records in {result.households:,} households")
    print(f"{seconds:.1f} s, {result.records / seconds:,.0f} records/s, "
          f"{seconds / LIMIT_S * 1_000_000 / result.records:.2f} × the 60 s limit per 1M records")  # fmt: skip


if __name__ == "__main__":
    main()
