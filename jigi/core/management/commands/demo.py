from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from jigi.core.management.base import JigiCommand
from jigi.core.refdata import load_admin_areas


class Command(JigiCommand):
    help = "Load the demo dataset and demo users (only when JIGI_MODE=demo). Idempotent."

    def run(self, **options: Any) -> dict[str, Any]:
        if not settings.DEMO_MODE:
            raise CommandError(
                "Demo data is only loaded when JIGI_MODE=demo (it creates users with known passwords)."
            )
        call_command("migrate", interactive=False, verbosity=0)
        result: dict[str, Any] = {"ok": True, "areas": load_admin_areas().as_dict()}
        # Each app may ship a `demo` module with `seed() -> dict`; they run lowest layer first.
        for config in apps.get_app_configs():
            if not config.name.startswith("jigi."):
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            result[config.label] = module.seed()
        return result

    def render(self, result: dict[str, Any]) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        logins = result.get("accounts", {}).get("logins", [])
        if logins:
            self.stdout.write("Demo logins (username / password / role):")
            for login in logins:
                self.stdout.write(
                    f"  {login['username']:<22} {login['password']:<22} {login['role']}"
                )
