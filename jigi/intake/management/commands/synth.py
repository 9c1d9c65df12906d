import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from jigi.core.management.base import JigiCommand
from jigi.intake.synth import write


class Command(JigiCommand):
    help = "Write a synthetic Malian register with known duplicates (and its ground truth)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--households", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--duplicate-rate", type=float, default=0.05)
        parser.add_argument("--format", choices=["csv", "xlsx", "kobo-json"], default="csv")
        parser.add_argument(
            "--out", required=True, help="file to write; the truth goes to OUT.truth.csv"
        )

    def run(self, **options: Any) -> dict[str, Any]:
        if options["households"] < 1:
            raise CommandError("--households must be at least 1.")
        if not 0 <= options["duplicate_rate"] < 1:
            raise CommandError("--duplicate-rate must be between 0 and 1 (e.g. 0.05).")
        out = Path(options["out"])
        if not out.parent.exists():
            raise CommandError(f"The folder {out.parent} does not exist.")
        started = time.perf_counter()
        result = write(
            out,
            households_count=options["households"],
            seed=options["seed"],
            duplicate_rate=options["duplicate_rate"],
            file_format=options["format"],
        )
        return {
            "ok": True,
            "households": result.households,
            "records": result.records,
            "duplicate_records": result.duplicate_records,
            "path": str(result.path),
            "truth": str(result.truth_path),
            "seconds": round(time.perf_counter() - started, 1),
        }
