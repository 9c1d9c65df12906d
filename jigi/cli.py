"""The `jigi` command: Jigi's management commands, with help that lists only Jigi's own.

`jigi audit verify --json` is `manage.py audit verify --json`; `jigi --help` lists commands.
"""

from __future__ import annotations

import os
import sys

# Commands from Django and libraries that administrators also need through `jigi`.
_EXTRA_COMMANDS = {
    "migrate": "apply database migrations",
}


def _print_help() -> None:
    from django.apps import apps
    from django.core.management import get_commands, load_command_class

    print("Usage: jigi COMMAND [options]   (jigi COMMAND --help for a command's options)\n")  # noqa: T201
    print("Commands:")  # noqa: T201
    jigi_apps = {
        config.name for config in apps.get_app_configs() if config.name.startswith("jigi.")
    }
    for name, app in sorted(get_commands().items()):
        if app in jigi_apps:
            summary = (load_command_class(app, name).help or "").strip().split("\n")[0]
            print(f"  {name:<14} {summary}")  # noqa: T201
    for name, summary in _EXTRA_COMMANDS.items():
        print(f"  {name:<14} {summary}")  # noqa: T201


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigi.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        print(f"jigi: configuration error: {exc}", file=sys.stderr)  # noqa: T201
        sys.exit(2)
    if not args or args[0] in {"-h", "--help", "help"}:
        _print_help()
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jigi", *args])


if __name__ == "__main__":
    main()
