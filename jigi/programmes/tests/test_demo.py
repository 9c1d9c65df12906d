"""The demo programmes are built through the services on whatever register the demo loaded."""

from __future__ import annotations

import pytest

from jigi.core.refdata import load_demo_reference
from jigi.programmes import demo
from jigi.programmes.models import Enrolment, HouseholdScore, Programme, TargetingRun
from jigi.programmes.tests.factories import KAYES_COMMUNE, KITA_COMMUNE, household

pytestmark = pytest.mark.django_db


def test_demo_targets_validates_and_enrols_then_leaves_things_as_they_are(areas: None) -> None:
    load_demo_reference()
    for children in (0, 1, 2, 3, 0, 1, 2, 4, 1, 0):
        household(commune=KITA_COMMUNE, children=children)
    for children in (1, 2, 0):
        household(commune=KAYES_COMMUNE, children=children)
    for _index in range(3):
        household(commune="ML050609", displacement="idp", children=1)
    first = demo.seed()
    cash = Programme.objects.get(code=demo.CASH_TRANSFERS)
    run = cash.runs.get(status=TargetingRun.Status.ADOPTED)
    kita = run.scores.filter(commune_id=KITA_COMMUNE).exclude(validation="")
    assert set(kita.values_list("validation", flat=True)) == {"validated", "rejected"}
    assert kita.filter(is_community_addition=True).count() == 1
    # The demo enumerator's commune waits for them.
    waiting = run.scores.filter(commune_id=KAYES_COMMUNE).exclude(validation="")
    assert set(waiting.values_list("validation", flat=True)) == {HouseholdScore.Validation.PENDING}
    enrolled = Enrolment.objects.filter(programme=cash)
    assert (
        enrolled.count()
        == first["cash_transfers"]["enrolled"]
        == kita.filter(validation="validated").count()
    )
    assert first["cash_transfers"]["top_ups"] > 0
    idp = Programme.objects.get(code=demo.IDP_CASH)
    assert idp.runs.get(status=TargetingRun.Status.ADOPTED).summary["selected"] == 3
    assert demo.seed()["created"] == 0
    assert Programme.objects.count() == 2
