"""`jigi targeting run` and `jigi enrol --validated` as an administrator scripts them."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from jigi.programmes import services
from jigi.programmes.models import HouseholdScore, TargetingRun
from jigi.programmes.tests.factories import KAYES_COMMUNE, household, make_formula, make_programme

# The job runs in a thread beside the command, as in production: it needs committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def jigi(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.suppress(SystemExit):  # exit 1 when ok is false; the JSON says why
        call_command(*args, "--json", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_targeting_run_scores_ranks_and_adopts(areas: None) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    make_formula(programme)
    chosen = household(children=2)
    household(children=1)
    household()
    result = jigi("targeting", "run", programme.code, "--all", "children_under_5", "--adopt")
    assert result["ok"] is True, result
    assert (result["households"], result["eligible"], result["selected"]) == (3, 2, 1)
    assert result["adopted"] is True
    run = TargetingRun.objects.get(pk=result["run"])
    assert run.scores.get(is_selected=True).household_id == chosen.pk


def test_targeting_refuses_an_unknown_criterion_or_programme(areas: None) -> None:
    programme = make_programme()
    make_formula(programme)
    refused = jigi("targeting", "run", programme.code, "--all", "rich")
    assert refused["ok"] is False
    assert "rich" in refused["error"]
    unknown = jigi("targeting", "run", "nope")
    assert unknown["ok"] is False
    assert "nope" in unknown["error"]
    assert not TargetingRun.objects.exists()


def test_enrol_validated_enrols_the_validated_households_once(areas: None) -> None:
    programme = make_programme()
    make_formula(programme)
    validated, rejected = household(children=2), household()
    run = services.start_targeting(actor=None, programme=programme, enqueue=False)
    run = services.adopt_run(actor=None, run=services.compute_run(run))
    entries = {row.household_id: row for row in run.scores.all()}
    services.validate_household(actor=None, score=entries[validated.pk], validated=True)
    services.validate_household(
        actor=None, score=entries[rejected.pk], validated=False, reason="Hors critères"
    )
    result = jigi("enrol", programme.code, "--validated", "--start-on", "2027-01-01")
    assert result["ok"] is True, result
    assert result["enrolled"] == 1
    assert list(programme.enrolments.values_list("household_id", flat=True)) == [validated.pk]
    again = jigi("enrol", programme.code, "--validated", "--start-on", "2027-01-01")
    assert again["enrolled"] == 0
    assert HouseholdScore.objects.filter(validation="validated").count() == 1
