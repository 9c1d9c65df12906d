"""`jigi enrol PROGRAMME --validated [--start-on YYYY-MM-DD] [--json]`."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from jigi.core.management.base import JigiCommand, job_outcome
from jigi.programmes import services
from jigi.programmes.management.commands.targeting import _programme


class Command(JigiCommand):
    help = "Enrol the validated households of a programme's adopted list (a job)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("programme", help="the programme's code")
        parser.add_argument(
            "--validated",
            action="store_true",
            required=True,
            help="enrol every validated household of the adopted list not yet enrolled",
        )
        parser.add_argument("--start-on", help="enrolment start date (default: today)")

    def run(self, **options: Any) -> dict[str, Any]:
        programme = _programme(options["programme"])
        try:
            start_on = (
                date.fromisoformat(options["start_on"])
                if options["start_on"]
                else timezone.localdate()
            )
        except ValueError:
            raise CommandError(
                f"--start-on {options['start_on']!r} is not a date (YYYY-MM-DD)."
            ) from None
        job = services.start_bulk_enrolment(
            actor=None, programme=programme, start_on=start_on, enqueue=False
        )
        return job_outcome(self.execute_here(job))

    def render(self, result: dict[str, Any]) -> None:
        if not result.get("ok"):
            self.stdout.write(f"Enrolment failed: {result.get('error', '')}")
            return
        self.stdout.write(
            f"{result['enrolled']} households enrolled, {result['refused_count']} refused"
        )
        for refusal in result.get("refused", [])[:20]:
            self.stdout.write(f"  {refusal['household']}: {refusal['reason']}")
