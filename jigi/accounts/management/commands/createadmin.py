import os
from argparse import ArgumentParser
from typing import Any

from jigi.accounts.roles import Role
from jigi.accounts.services import Scope, create_user
from jigi.core.management.base import JigiCommand, read_password


class Command(JigiCommand):
    help = "Create an administrator account (national scope). Password from JIGI_ADMIN_PASSWORD or a prompt."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def run(self, **options: Any) -> dict[str, Any]:
        password = read_password("Password: ", os.environ.get("JIGI_ADMIN_PASSWORD"))
        user = create_user(
            actor=None,
            username=options["username"],
            password=password,
            role=Role.ADMINISTRATOR,
            scope=Scope(national=True),
            email=options["email"],
            must_change_password=False,
        )
        return {"ok": True, "username": user.username, "role": user.role}
