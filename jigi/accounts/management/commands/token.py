from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from jigi.accounts.models import User
from jigi.accounts.roles import Role
from jigi.accounts.services import create_api_token
from jigi.core.management.base import JigiCommand


class Command(JigiCommand):
    help = "Issue an API token to an API-client account (the secret is printed once)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", help="an account with the API client role")
        parser.add_argument(
            "--name", required=True, help="what the token is for, e.g. 'DHIS2 sync'"
        )

    def run(self, **options: Any) -> dict[str, Any]:
        owner = User.objects.filter(username=options["username"], is_active=True).first()
        if owner is None or owner.role != Role.API_CLIENT:
            raise CommandError(f"{options['username']!r} is not an active API-client account.")
        created = create_api_token(actor=owner, owner=owner, name=options["name"])
        return {"ok": True, "username": owner.username, "token": created.secret}
