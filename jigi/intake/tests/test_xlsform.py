"""The generated XLSForm converts with pyxform (the same converter Kobo and ODK use)."""

import json
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


def _form_paths(path: Path) -> set[str]:
    """The answer keys Kobo gives the form's questions: the group path, then the name."""
    survey = list(load_workbook(path, read_only=True)["survey"].iter_rows(values_only=True))
    paths: set[str] = set()
    groups: list[str] = []
    for kind, name, *_rest in survey[1:]:
        kind = str(kind or "")
        if kind in {"begin group", "begin repeat"}:
            groups.append(str(name))
        elif kind in {"end group", "end repeat"}:
            groups.pop()
        elif name:
            paths.add("/".join([*groups, str(name)]))
    return paths


def test_a_kobo_submission_of_the_form_imports_into_the_register(
    areas: None, tmp_path: Path
) -> None:
    from jigi.intake.tests.test_import import committed, errors_of, kobo_submission, staged
    from jigi.registry.models import Household

    paths = _form_paths(build_xlsform(tmp_path / "form.xlsx"))
    submission = kobo_submission("x1")
    answered = {key for key in submission if not key.startswith(("_", "meta/", "formhub/"))}
    answered |= {key for member in submission["members"] for key in member}
    answered.discard("members")
    assert answered <= paths  # the submission only answers the form's own questions
    batch = staged(json.dumps({"results": [submission]}).encode(), name="kobo.json")
    assert batch.households_new == 1, errors_of(batch)
    committed(batch)
    household = Household.objects.get()
    assert household.members.count() == 2
