"""`jigi import` as an operator runs it: a summary, an error report, nothing half-written."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from jigi.intake.tests.test_import import ROWS, csv_bytes
from jigi.registry.models import Household

pytestmark = pytest.mark.django_db(transaction=True)

BAD_ROW = ["Z9", "ML010312", "Kati", "head", "Awa", "Diallo", "F", "01/13/1980", "", ""]


def jigi_import(*args: str) -> dict[str, object]:
    out = io.StringIO()
    with contextlib.suppress(SystemExit):  # exit 1 when ok is false; the JSON says why
        call_command("import", *args, "--json", stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def test_import_reports_writes_errors_and_commits_the_valid_households(
    areas: None, tmp_path: Path
) -> None:
    (tmp_path / "m.csv").write_bytes(csv_bytes([*ROWS, BAD_ROW]))
    result = jigi_import(str(tmp_path / "m.csv"), "--errors", str(tmp_path / "errors.csv"))
    assert result["ok"] is True, result
    assert result["committed"] is True
    assert (result["new_households"], result["households_with_errors"]) == (2, 1)
    assert result["committed_households"] == 2
    assert Household.objects.count() == 2
    with (tmp_path / "errors.csv").open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert lines[1][:5] == ["m.csv", "", "6", "birth_date", "01/13/1980"]

    again = jigi_import(str(tmp_path / "m.csv"))
    assert again["ok"] is True
    assert again["committed"] is False
    assert again["unchanged_households"] == 2
    assert "Nothing new" in str(again["message"])
    assert Household.objects.count() == 2


def test_dry_run_and_all_or_nothing_write_nothing(areas: None, tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_bytes(csv_bytes([*ROWS, BAD_ROW]))
    dry = jigi_import(str(tmp_path / "m.csv"), "--dry-run")
    assert (dry["ok"], dry["committed"], dry["new_households"]) == (True, False, 2)
    strict = jigi_import(str(tmp_path / "m.csv"), "--all-or-nothing")
    assert strict["ok"] is False
    assert "nothing was written" in str(strict["error"])
    assert not Household.objects.exists()


def test_a_missing_column_or_file_is_named(areas: None, tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("household_id,village\nA,Kati\n", encoding="utf-8")
    result = jigi_import(str(tmp_path / "m.csv"))
    assert result["ok"] is False
    assert "commune (P-code) (commune)" in str(result["error"])
    missing = jigi_import(str(tmp_path / "absent.csv"))
    assert "absent.csv" in str(missing["error"])
