"""`jigi payroll generate CYCLE`, `jigi payroll compliance CYCLE FILE [--apply-valid]`,
`jigi payroll export CYCLE [--agency A] [--format csv|xlsx|json] --out PATH`,
`jigi payroll import-returns CYCLE FILE [--apply]`, all with `--json`."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from jigi.core.management.base import JigiCommand, job_outcome
from jigi.payments import services
from jigi.payments.models import PaymentAgency, PaymentCycle


class Command(JigiCommand):
    help = "Payment cycles: generate a cycle's payroll from the active enrolments (a job)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="write the draft cycle's payroll (idempotent)")
        generate.add_argument(
            "cycle", type=int, help="the cycle's number as shown on its page (id)"
        )
        export = sub.add_parser("export", help="write the approved payroll's file for one agency")
        export.add_argument("cycle", type=int)
        export.add_argument("--agency", default="", help="agency code (default: lines without one)")
        export.add_argument(
            "--format", dest="file_format", choices=["csv", "xlsx", "json"], default="csv"
        )
        export.add_argument("--out", required=True, help="where to write the file")
        compliance = sub.add_parser(
            "compliance", help="record who met the conditionalities (draft cycle)"
        )
        compliance.add_argument("cycle", type=int)
        compliance.add_argument("file", help="CSV or XLSX: household_code, compliant, reason")
        compliance.add_argument(
            "--apply-valid", action="store_true", help="write the valid lines despite errors"
        )
        returns = sub.add_parser("import-returns", help="check an agency's return file")
        returns.add_argument("cycle", type=int)
        returns.add_argument("file")
        returns.add_argument(
            "--apply", action="store_true", help="apply the valid lines (default: check only)"
        )

    def run(self, **options: Any) -> dict[str, Any]:
        cycle = PaymentCycle.objects.filter(pk=options["cycle"]).first()
        if cycle is None:
            raise CommandError(f"No payment cycle {options['cycle']}.")
        if options["action"] == "export":
            return self.export(cycle, options)
        if options["action"] == "import-returns":
            return self.import_returns(cycle, options)
        if options["action"] == "compliance":
            return self.compliance(cycle, options)
        job = services.start_generation(actor=None, cycle=cycle, enqueue=False)
        return job_outcome(self.execute_here(job))

    def export(self, cycle: PaymentCycle, options: dict[str, Any]) -> dict[str, Any]:
        agency = None
        if options["agency"]:
            agency = PaymentAgency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"No payment agency with the code {options['agency']!r}.")
        file = services.export_agency_file(
            actor=None, cycle=cycle, agency=agency, file_format=options["file_format"]
        )
        Path(options["out"]).write_bytes(file.content)
        return {"ok": True, "file": options["out"], "rows": file.record.rows,
                "total_xof": file.record.total_xof, "sha256": file.record.sha256}  # fmt: skip

    def import_returns(self, cycle: PaymentCycle, options: dict[str, Any]) -> dict[str, Any]:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        checked = services.check_returns(
            actor=None, cycle=cycle, file_name=path.name, content=path.read_bytes()
        )
        if options["apply"]:
            checked = services.apply_returns(actor=None, returns=checked)
        return {"ok": not checked.errors or options["apply"], "rows": checked.rows,
                "valid": checked.valid_rows, "applied": checked.applied_rows,
                "errors": checked.errors}  # fmt: skip

    def compliance(self, cycle: PaymentCycle, options: dict[str, Any]) -> dict[str, Any]:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        result = services.import_compliance(
            actor=None, cycle=cycle, file_name=path.name, content=path.read_bytes(),
            apply_valid=options["apply_valid"],
        )  # fmt: skip
        return {"ok": not result.errors or options["apply_valid"], "rows": result.rows,
                "valid": result.written, "applied": result.written,
                "non_compliant": result.non_compliant, "errors": result.errors}  # fmt: skip

    def render(self, result: dict[str, Any]) -> None:
        if "errors" in result:
            self.stdout.write(
                f"{result['rows']} lines, {result['valid']} valid, {result['applied']} applied"
                + (
                    f", {result['non_compliant']} not compliant"
                    if "non_compliant" in result
                    else ""
                )
            )
            for error in result["errors"][:50]:
                self.stdout.write(
                    f"  line {error['line']}, {error['column']} = {error['value']!r}: "
                    f"{error['reason']}"
                )
            return
        if "sha256" in result:
            self.stdout.write(
                f"{result['file']}: {result['rows']} lines, {result['total_xof']} XOF, "
                f"SHA-256 {result['sha256']}"
            )
            return
        if not result.get("ok"):
            self.stdout.write(f"Payroll generation failed: {result.get('error', '')}")
            return
        self.stdout.write(
            f"Cycle {result['cycle']}: {result['lines']} households, {result['amount_xof']} XOF"
        )
