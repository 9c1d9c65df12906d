"""The demo programmes are built through the services on whatever register the demo loaded."""

from __future__ import annotations

import pytest

from jigi.core.refdata import load_demo_reference
from jigi.programmes import demo
from jigi.programmes.models import Enrolment, HouseholdScore, Programme, TargetingRun
from jigi.programmes.tests.factories import KAYES_COMMUNE, household

pytestmark = pytest.mark.django_db


def test_demo_targets_validates_and_enrols_then_leaves_things_as_they_are(areas: None) -> None:
    load_demo_reference()
    for children in (0, 1, 2, 3, 0, 1):
        household(children=children)
    for _index in range(3):
        household(commune="ML050609", displacement="idp", children=1)
    first = demo.seed()
    cash = Programme.objects.get(code=demo.CASH_TRANSFERS)
    run = cash.runs.get(status=TargetingRun.Status.ADOPTED)
    decisions = set(run.scores.exclude(validation="").values_list("validation", flat=True))
    assert HouseholdScore.Validation.REJECTED in decisions
    assert run.scores.filter(is_community_addition=True).exists()
    enrolled = Enrolment.objects.filter(programme=cash, household__commune_id=KAYES_COMMUNE)
    assert enrolled.count() == first["cash_transfers"]["enrolled"] > 0
    idp = Programme.objects.get(code=demo.IDP_CASH)
    assert idp.runs.get(status=TargetingRun.Status.ADOPTED).summary["selected"] == 3
    assert demo.seed()["created"] == 0
    assert Programme.objects.count() == 2
