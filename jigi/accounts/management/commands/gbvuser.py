"""`jigi gbvuser create|sites|reset-password`: the server operator's way to give, change or
take back GBV case access (web administrators cannot: decision 0008)."""

import secrets
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from jigi.accounts.models import User
from jigi.accounts.services import GBV_ROLES, Scope, create_user, reset_password, update_user
from jigi.core.management.base import JigiCommand
from jigi.core.models import Site


def _sites(codes: list[str]) -> tuple[int, ...]:
    found = dict(Site.objects.filter(code__in=codes).values_list("code", "id"))
    missing = sorted(set(codes) - set(found))
    if missing:
        raise CommandError(f"Unknown site code(s): {', '.join(missing)}.")
    return tuple(found[code] for code in codes)


class Command(JigiCommand):
    help = (
        "GBV case accounts (case workers, supervisors) for One Stop Center sites: create one, "
        "change its sites, or give it a temporary password. Web administrators cannot."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new GBV account, with a temporary password")
        create.add_argument("username")
        create.add_argument("--role", choices=sorted(GBV_ROLES), required=True)
        create.add_argument("--site", action="append", required=True, help="site code (repeat)")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        sites = sub.add_parser("sites", help="set the sites of a GBV account")
        sites.add_argument("username")
        sites.add_argument("--site", action="append", required=True)
        reset = sub.add_parser("reset-password", help="a temporary password for a GBV account")
        reset.add_argument("username")

    def run(self, **options: Any) -> dict[str, Any]:
        if options["action"] == "create":
            temporary = secrets.token_urlsafe(18)
            user = create_user(
                actor=None,
                username=options["username"],
                password=temporary,
                role=options["role"],
                scope=Scope(national=False, sites=_sites(options["site"])),
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
            return {"ok": True, "username": user.username, "role": user.role,
                    "temporary_password": temporary}  # fmt: skip
        found = User.objects.filter(username=options["username"]).first()
        if found is None or found.role not in GBV_ROLES:
            raise CommandError(f"No GBV account named {options['username']!r}.")
        user = found
        if options["action"] == "sites":
            update_user(
                actor=None, user=user, role=user.role,
                scope=Scope(national=False, sites=_sites(options["site"])),
                first_name=user.first_name, last_name=user.last_name, email=user.email,
            )  # fmt: skip
            return {"ok": True, "username": user.username, "sites": options["site"]}
        return {"ok": True, "username": user.username,
                "temporary_password": reset_password(actor=None, user=user)}  # fmt: skip
