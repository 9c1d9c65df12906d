# ruff: noqa: N999  (the command is `jigi import`)
"""`jigi import FILE`: check a CSV, XLSX or Kobo file and load it into the register."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from jigi.core.management.base import JigiCommand, job_outcome
from jigi.core.models import Job
from jigi.intake import reports, services
from jigi.intake.models import ImportBatch, MappingTemplate, PcodeVersion


class Command(JigiCommand):
    help = (
        "Import households from a CSV, XLSX or KoboToolbox file (JSON or XLSX export): every "
        "row is checked first; then the valid households are written (or nothing, with "
        "--all-or-nothing). Importing the same file again changes nothing."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV, XLSX or Kobo JSON/XLSX file")
        parser.add_argument("--mapping", help="name of a saved column mapping template")
        parser.add_argument(
            "--pcodes",
            choices=PcodeVersion.values,
            help="P-code version of the file's communes (default: the template's, else 2021)",
        )
        parser.add_argument(
            "--source", default="", help="namespace of the file's household keys (default: kobo, "
            "the template's name, or 'fichier')"
        )  # fmt: skip
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="write nothing unless every household is valid",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report only; write nothing"
        )
        parser.add_argument("--errors", help="write the error report to this .csv or .xlsx file")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="hand the import to the background worker instead of running it here",
        )

    def run(self, **options: Any) -> dict[str, Any]:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        errors_path = Path(options["errors"]) if options["errors"] else None
        if errors_path and errors_path.suffix.lower() not in {".csv", ".xlsx"}:
            raise CommandError("--errors must name a .csv or .xlsx file.")
        template = None
        if options["mapping"]:
            template = MappingTemplate.objects.filter(name=options["mapping"]).first()
            if template is None:
                known = ", ".join(MappingTemplate.objects.values_list("name", flat=True)) or "-"
                raise CommandError(f"No mapping template {options['mapping']!r} (known: {known}).")
        policy = (
            ImportBatch.Policy.ALL_OR_NOTHING
            if options["all_or_nothing"]
            else ImportBatch.Policy.VALID_ONLY
        )
        with path.open("rb") as content:
            batch = services.create_batch(
                actor=None,
                content=content,
                original_name=path.name,
                mapping_template=template,
                pcode_version=options["pcodes"],
                source=options["source"],
            )
        if options["queue"]:
            then = "" if options["dry_run"] else policy
            job = services.start_validation(actor=None, batch=batch, then_commit=then)
            return {"ok": True, "import": batch.pk, "job": str(job.pk), "queued": True}
        job = self.execute_here(services.start_validation(actor=None, batch=batch, enqueue=False))
        batch.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            return {**job_outcome(job), "import": batch.pk}
        result: dict[str, Any] = {"ok": True, **services.summary(batch)}
        if errors_path:
            if errors_path.suffix.lower() == ".xlsx":
                reports.write_xlsx(batch, errors_path)
            else:
                with errors_path.open("w", encoding="utf-8", newline="") as handle:
                    reports.write_csv(batch, handle)
            result["error_report"] = str(errors_path)
        if options["dry_run"]:
            return {**result, "committed": False}
        if policy == ImportBatch.Policy.ALL_OR_NOTHING and batch.households_error:
            return {
                **result,
                "ok": False,
                "committed": False,
                "error": f"{batch.households_error} household(s) have errors: nothing was written "
                "(--all-or-nothing).",
            }
        if not (batch.households_new or batch.households_updated):
            return {
                **result,
                "committed": False,
                "message": "Nothing new: the register already holds every valid household of this file.",
            }
        job = self.execute_here(
            services.start_commit(actor=None, batch=batch, policy=policy, enqueue=False)
        )
        batch.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            return {**job_outcome(job), "import": batch.pk}
        return {
            "ok": True,
            **services.summary(batch),
            "committed": True,
            **({"error_report": str(errors_path)} if errors_path else {}),
        }
