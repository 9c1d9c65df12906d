"""`jigi targeting run PROGRAMME [--formula V] [--cutoff X] [--all …] [--any …] [--adopt]`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from jigi.core.management.base import JigiCommand, job_outcome
from jigi.programmes import services, targeting
from jigi.programmes.models import Programme, TargetingRun


def _programme(code: str) -> Programme:
    programme = Programme.objects.filter(code=code).first()
    if programme is None:
        known = ", ".join(Programme.objects.values_list("code", flat=True)[:20]) or "-"
        raise CommandError(f"No programme with the code {code!r} (known: {known}).")
    return programme


class Command(JigiCommand):
    help = "Score and rank a programme's coverage with its PMT formula (a simulation, a job)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="score, filter and rank the coverage (a simulation)")
        run.add_argument("programme", help="the programme's code")
        run.add_argument("--formula", type=int, help="formula version (default: the latest)")
        run.add_argument("--cutoff", type=float, help="highest score that qualifies")
        run.add_argument(
            "--all", dest="all_of", default="",
            help=f"criteria every household must meet, comma-separated ({', '.join(targeting.CRITERIA)})",
        )  # fmt: skip
        run.add_argument("--any", dest="any_of", default="", help="criteria of which one suffices")
        run.add_argument(
            "--commune", action="append", default=[], help="limit to this commune (repeatable)"
        )
        run.add_argument(
            "--adopt", action="store_true", help="adopt the result as the list to validate"
        )

    def run(self, **options: Any) -> dict[str, Any]:
        programme = _programme(options["programme"])
        formula = None
        if options["formula"] is not None:
            formula = programme.formulas.filter(number=options["formula"]).first()
            if formula is None:
                raise CommandError(
                    f"Programme {programme.code} has no formula version {options['formula']}."
                )

        def split(text: str) -> list[str]:
            return [item.strip() for item in text.split(",") if item.strip()]

        run = services.start_targeting(
            actor=None,
            programme=programme,
            formula=formula,
            cutoff=options["cutoff"],
            criteria={"all": split(options["all_of"]), "any": split(options["any_of"])},
            communes=options["commune"],
            enqueue=False,
        )
        assert run.job is not None  # noqa: S101 (start_targeting always queues its job)
        outcome = job_outcome(self.execute_here(run.job))
        run.refresh_from_db()
        if outcome["ok"] and options["adopt"]:
            run = services.adopt_run(actor=None, run=run)
        outcome.update(
            {
                "status": run.status,
                "formula": run.formula.number,
                "communes": run.summary.get("communes", []),
                "adopted": run.status == TargetingRun.Status.ADOPTED,
            }
        )
        return outcome

    def render(self, result: dict[str, Any]) -> None:
        if not result.get("ok"):
            self.stdout.write(f"Targeting failed: {result.get('error', '')}")
            return
        self.stdout.write(
            f"Run {result['run']} (formula v{result['formula']}): {result['households']} households "
            f"scored, {result['eligible']} eligible, {result['selected']} selected"
            + (" — adopted for community validation" if result["adopted"] else " — a simulation")
        )
        for row in result["communes"]:
            quota = "-" if row["quota"] is None else row["quota"]
            self.stdout.write(
                f"  {row['commune']}: {row['scored']} scored, {row['eligible']} eligible, "
                f"quota {quota}, {row['selected']} selected"
            )
