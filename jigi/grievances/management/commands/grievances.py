"""`jigi grievances escalate [--json]`: move overdue complaints up a level (the worker also runs it
every hour by itself)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from jigi.core.management.base import JigiCommand, job_outcome
from jigi.grievances import services


class Command(JigiCommand):
    help = "Complaints: escalate the overdue ones to the next level (a job; run it hourly)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "escalate", help="move overdue complaints to the regional, then national level"
        )

    def run(self, **options: Any) -> dict[str, Any]:
        return job_outcome(self.execute_here(services.start_escalation(actor=None, enqueue=False)))

    def render(self, result: dict[str, Any]) -> None:
        if not result.get("ok"):
            self.stdout.write(f"Escalation failed: {result.get('error', '')}")
            return
        self.stdout.write(
            f"{result['escalated']} complaint(s) escalated of {result['checked']} overdue"
        )
