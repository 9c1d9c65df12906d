from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command

from jigi.core.management.base import JigiCommand
from jigi.core.refdata import load_admin_areas


class Command(JigiCommand):
    help = (
        "Prepare the database: apply migrations and load Mali's administrative areas (idempotent)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-migrate", action="store_true", help="skip migrations")

    def run(self, **options: Any) -> dict[str, Any]:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        areas = load_admin_areas()
        return {"ok": True, "areas": areas.as_dict()}
