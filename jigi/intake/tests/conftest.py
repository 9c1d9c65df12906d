"""Imports keep their files in a per-test folder."""

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def import_dir(tmp_path: Path, settings: Any) -> Path:
    folder = tmp_path / "imports"
    settings.JIGI_IMPORT_DIR = folder
    return folder
