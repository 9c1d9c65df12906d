"""`jigi protection new-key | rotate-key [--generate] [--json]`: encryption keys of the
survivors' sealed fields (decision 0008)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from jigi.core.management.base import JigiCommand
from jigi.protection import crypto, services


class Command(JigiCommand):
    help = "Protection: print a new encryption key, or re-encrypt every sealed field (rotate-key)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("new-key", help="print a new random key (base64url, 32 bytes)")
        rotate = sub.add_parser(
            "rotate-key", help="re-encrypt every sealed value under the first configured key"
        )
        rotate.add_argument(
            "--generate",
            action="store_true",
            help="with JIGI_PROTECTION_KEY_FILE: write a new key first, drop the old ones after",
        )

    def run(self, **options: Any) -> dict[str, Any]:
        if options["action"] == "new-key":
            return {"ok": True, "key": crypto.generate_key()}
        path = crypto.key_file()
        if options.get("generate"):
            if path is None or crypto.configured_keys_from_env():
                raise CommandError(
                    "--generate needs keys in JIGI_PROTECTION_KEY_FILE (not in the environment)."
                )
            old = [line for line in path.read_text().splitlines() if line.strip()]
            crypto.write_key_file(path, [crypto.generate_key(), *old])
        counts = services.rotate_key()
        if options.get("generate") and path is not None:
            crypto.write_key_file(path, [path.read_text().splitlines()[0]])
        return {"ok": True, "key_id": crypto.configured_keys()[0].id, "resealed": counts}

    def render(self, result: dict[str, Any]) -> None:
        if "key" in result:
            self.stdout.write(result["key"])
            return
        total = sum(result["resealed"].values())
        self.stdout.write(f"{total} value(s) re-encrypted under key {result['key_id']}")
