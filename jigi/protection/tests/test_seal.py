"""The seal holds for names, not only modules: import-linter lets any module import
``jigi.protection.statistics``, so what that module holds is what other apps can reach. It
holds the published tables alone (``__all__``): no model, no private helper (the true counts
live in ``disclosure``, which no other app may import), and no module outside protection uses
any other name of it."""

from __future__ import annotations

import ast
import inspect
import types
from pathlib import Path

from django.db import models

from jigi.protection import statistics

ROOT = Path(__file__).resolve().parents[3]
FACADE = "jigi.protection.statistics"
SKIPPED = {".venv", ".git", "node_modules", "__pycache__", "var", "build", "dist"}


def facade_names_used(source: str) -> list[tuple[int, str]]:
    """Every name of the facade ``source`` uses, with its line: ``from … import X``,
    ``statistics.X`` (however the module was bound: ``from jigi.protection import statistics``,
    ``import jigi.protection.statistics as s``, ``from jigi import protection`` then
    ``protection.statistics.X``…) and ``getattr(statistics, "X")``. ``*`` counts as a name. A
    local name bound to several things anywhere in the file is taken for each of them."""
    tree = ast.parse(source)
    bound: dict[str, set[str]] = {}  # local name → the dotted modules or objects it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                bound.setdefault(local, set()).add(alias.name if alias.asname else local)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                local = alias.asname or alias.name
                bound.setdefault(local, set()).add(f"{node.module}.{alias.name}")

    def dotted(node: ast.expr) -> set[str]:
        if isinstance(node, ast.Name):
            return bound.get(node.id, set())
        if isinstance(node, ast.Attribute):
            return {f"{base}.{node.attr}" for base in dotted(node.value)}
        return set()

    used: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == FACADE and not node.level:
            used += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.Attribute) and FACADE in dotted(node.value):
            used.append((node.lineno, node.attr))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr"}
            and len(node.args) >= 2
            and FACADE in dotted(node.args[0])
        ):
            name = node.args[1]
            text = name.value if isinstance(name, ast.Constant) else "<computed>"
            used.append((node.lineno, str(text)))
    return used


def outside_protection() -> list[Path]:
    protection = ROOT / "jigi" / "protection"
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not SKIPPED & set(path.relative_to(ROOT).parts) and protection not in path.parents
    ]


def test_the_checker_finds_every_way_of_reaching_a_name() -> None:
    source = """
from jigi.protection.statistics import Incident, monthly_table
from jigi.protection import statistics
import jigi.protection.statistics as published
import jigi.protection.statistics
from jigi import protection
from jigi.protection import statistics as stats
statistics._incident_counts
published.Consent
jigi.protection.statistics.ServiceDelivery
protection.statistics._pooled
stats.DIMENSIONS
getattr(stats, "_regions")
statistics.monthly_table
"""
    assert sorted(name for _line, name in facade_names_used(source)) == sorted([
        "Incident", "monthly_table", "_incident_counts", "Consent", "ServiceDelivery",
        "_pooled", "DIMENSIONS", "_regions", "monthly_table",
    ])  # fmt: skip
    unrelated = "import statistics\nstatistics.mean([1])\nfrom jigi.grievances import statistics"
    assert facade_names_used(unrelated + "\nstatistics.anything") == []


def test_no_module_outside_protection_uses_a_name_the_facade_does_not_publish() -> None:
    files = outside_protection()
    assert ROOT / "jigi" / "api" / "api.py" in files  # the walk does reach the other apps
    published = set(statistics.__all__)
    leaks = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in files
        for line, name in facade_names_used(path.read_text(encoding="utf-8"))
        if name not in published
    ]
    assert leaks == []


def test_the_facade_holds_its_published_names_and_nothing_else() -> None:
    names = {
        name for name in vars(statistics) if not (name.startswith("__") and name.endswith("__"))
    }
    assert names == set(statistics.__all__)  # no stray import, model, module or helper
    for name in statistics.__all__:
        value = getattr(statistics, name)
        assert not name.startswith("_"), name
        assert not isinstance(value, types.ModuleType), name
        assert not (inspect.isclass(value) and issubclass(value, models.Model)), name
        assert not isinstance(value, models.Manager | models.QuerySet), name
