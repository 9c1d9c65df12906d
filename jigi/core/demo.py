"""Demo organisations, funding sources and sites (only loaded by `jigi demo`)."""

from typing import Any

from jigi.core.refdata import load_demo_reference


def seed() -> dict[str, Any]:
    return load_demo_reference()
