from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from jigi.core.management.base import JigiCommand
from jigi.intake.xlsform import build_xlsform


class Command(JigiCommand):
    help = (
        "Write the household registration XLSForm (Kobo/ODK) generated from the register's fields."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def run(self, **options: Any) -> dict[str, Any]:
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError("--out must name an .xlsx file.")
        if not out.parent.exists():
            raise CommandError(f"The folder {out.parent} does not exist.")
        return {"ok": True, "path": str(build_xlsform(out))}
