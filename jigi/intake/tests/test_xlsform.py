"""The generated XLSForm converts with pyxform (the same converter Kobo and ODK use)."""

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from jigi.intake.xlsform import build_xlsform

pytestmark = pytest.mark.django_db


def test_xlsform_converts_to_a_valid_xform_with_cascading_places(
    areas: None, tmp_path: Path
) -> None:
    path = build_xlsform(tmp_path / "form.xlsx")
    result = convert(xlsform=str(path))
    xform = result.xform
    assert "jigi_household" in xform
    assert "ML010312" in xform  # communes are choices, named by P-code
    assert "cercle=" in xform.replace(" ", "") or "cercle = " in xform  # cascading filter kept
    assert "regex(., '^[0-9]{14}[A-Z]$')" in xform.replace("&apos;", "'")


def test_xlsform_choices_come_from_the_register(areas: None, tmp_path: Path) -> None:
    workbook = load_workbook(build_xlsform(tmp_path / "form.xlsx"), read_only=True)
    choices = list(workbook["choices"].iter_rows(values_only=True))
    lists: dict[str, set[str]] = {}
    for list_name, name, *_rest in choices[1:]:
        lists.setdefault(str(list_name), set()).add(str(name))
    assert len(lists["region"]) == 10
    assert len(lists["cercle"]) == 53
    assert len(lists["commune"]) == 701
    assert lists["displacement"] == {"resident", "idp", "returnee", "refugee", "host"}
    assert {"head", "spouse", "child"} <= lists["relationship"]
    labels = {row[1]: (row[2], row[3]) for row in choices[1:] if row[0] == "displacement"}
    assert labels["idp"] == ("Personne déplacée interne (PDI)", "Internally displaced person (IDP)")
