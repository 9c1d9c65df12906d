from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from jigi.accounts.models import User
from jigi.accounts.services import reset_password
from jigi.core.management.base import JigiCommand


class Command(JigiCommand):
    help = "Give a user a temporary password (printed once; they must change it at next sign-in)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")

    def run(self, **options: Any) -> dict[str, Any]:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        return {
            "ok": True,
            "username": user.username,
            "temporary_password": reset_password(actor=None, user=user),
        }
