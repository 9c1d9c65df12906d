from argparse import ArgumentParser
from typing import Any

from jigi.core.management.base import JigiCommand
from jigi.registry.selectors import register_stats


class Command(JigiCommand):
    help = "Facts about the register: `jigi register stats` counts households and people by region and status."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("stats", help="households and individuals by region and status")

    def run(self, **options: Any) -> dict[str, Any]:
        rows = register_stats()
        return {
            "ok": True,
            "households": sum(row["households"] for row in rows),
            "individuals": sum(row["individuals"] for row in rows),
            "by_region": rows,
        }

    def render(self, result: dict[str, Any]) -> None:
        self.stdout.write(f"{'region':<14} {'status':<10} {'households':>10} {'individuals':>12}")
        for row in result["by_region"]:
            self.stdout.write(
                f"{row['region']:<14} {row['status']:<10} {row['households']:>10} {row['individuals']:>12}"
            )
        self.stdout.write(f"{'total':<25} {result['households']:>10} {result['individuals']:>12}")
