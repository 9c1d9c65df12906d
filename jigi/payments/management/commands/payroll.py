"""`jigi payroll generate CYCLE [--json]`: write a draft cycle's payroll (a job)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from jigi.core.management.base import JigiCommand, job_outcome
from jigi.payments import services
from jigi.payments.models import PaymentCycle


class Command(JigiCommand):
    help = "Payment cycles: generate a cycle's payroll from the active enrolments (a job)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="write the draft cycle's payroll (idempotent)")
        generate.add_argument(
            "cycle", type=int, help="the cycle's number as shown on its page (id)"
        )

    def run(self, **options: Any) -> dict[str, Any]:
        cycle = PaymentCycle.objects.filter(pk=options["cycle"]).first()
        if cycle is None:
            raise CommandError(f"No payment cycle {options['cycle']}.")
        job = services.start_generation(actor=None, cycle=cycle, enqueue=False)
        return job_outcome(self.execute_here(job))

    def render(self, result: dict[str, Any]) -> None:
        if not result.get("ok"):
            self.stdout.write(f"Payroll generation failed: {result.get('error', '')}")
            return
        self.stdout.write(
            f"Cycle {result['cycle']}: {result['lines']} households, {result['amount_xof']} XOF"
        )
