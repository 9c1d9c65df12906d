"""The demo seeds the ten One Stop Centers and a few cases once; `jigi protection` prints a
new key and rotates the key file, after which every sealed value opens with the new key only."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from jigi.accounts import demo as accounts_demo
from jigi.core.refdata import load_demo_reference
from jigi.protection import crypto, demo, selectors
from jigi.protection.models import Case, Plan, Provider, Referral
from jigi.protection.tests.factories import case

pytestmark = pytest.mark.django_db


def test_demo_seeds_the_ten_one_stop_centers_and_cases_once(areas: None) -> None:
    load_demo_reference()
    accounts_demo.seed()
    first = demo.seed()
    assert first["created_cases"] == 3
    assert demo.seed()["created_cases"] == 0
    centers = Provider.objects.filter(kind=Provider.Kind.ONE_STOP_CENTER)
    assert centers.count() == 10
    assert {c.budget_amount for c in centers} == {250_000}
    assert centers.filter(funding_source__code="spotlight").count() == 10
    worker = Case.objects.first().assigned_worker  # type: ignore[union-attr]
    assert worker.username == "vbg.gestionnaire"
    assert selectors.cases_for(worker).count() == 3
    assert Referral.objects.filter(status="pending").count() == 1
    assert Plan.objects.filter(status="submitted").count() == 1


def run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("protection", *args, "--json", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_rotate_key_with_a_key_file_reseals_and_drops_the_old_key(
    areas: None, settings: Any, tmp_path: Path
) -> None:
    path = tmp_path / "protection.key"
    crypto.write_key_file(path, [settings.JIGI_PROTECTION_KEY])
    settings.JIGI_PROTECTION_KEY = ""
    settings.JIGI_PROTECTION_KEY_FILE = str(path)
    kase = case(name="Sali Doumbia", contact="+22365000000")
    old_id = crypto.configured_keys()[0].id
    result = run("rotate-key", "--generate")
    assert result["resealed"]["protection.case.name_sealed"] == 1
    assert result["key_id"] != old_id
    assert len(path.read_text().split()) == 1
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert selectors.case_file(kase.assigned_worker, kase.code).name == "Sali Doumbia"
    assert len(run("new-key")["key"]) == 44
