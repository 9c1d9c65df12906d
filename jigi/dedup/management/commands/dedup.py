"""`jigi dedup run|train|model [--json]`: batch deduplication of the register."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from jigi.core.management.base import JigiCommand, job_outcome
from jigi.dedup import selectors, services


class Command(JigiCommand):
    help = "Deduplicate the register (Splink): train the model, run it, show its parameters."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("run", help="score the register and write candidate pairs (a job)")
        sub.add_parser("train", help="train a new version of the model on the register")
        sub.add_parser("model", help="show the current model's parameters")

    def run(self, **options: Any) -> dict[str, Any]:
        action = options["action"]
        if action == "train":
            model = services.train_model(actor=None)
            return {"ok": True, "version": model.version, "trained_on": model.trained_on,
                    "labelled_records": model.labelled_pairs}  # fmt: skip
        if action == "model":
            current = selectors.active_model()
            if current is None:
                raise CommandError("No model yet: run `jigi dedup train` or `jigi dedup run`.")
            return {
                "version": current.version,
                "trained_at": current.trained_at.isoformat(),
                "comparisons": {
                    view.name: {
                        level.label: round(level.weight, 2) if level.weight is not None else None
                        for level in view.levels
                    }
                    for view in selectors.model_parameters(current)
                },
            }
        job = self.execute_here(services.start_run(actor=None, enqueue=False))
        outcome = job_outcome(job)
        run = selectors.current_run()
        if outcome["ok"] and run is not None:
            outcome.update({"not_checkable": run.not_checkable, "seconds": run.seconds})
        return outcome
