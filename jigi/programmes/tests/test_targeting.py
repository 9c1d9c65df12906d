"""Targeting: formulas, scores, criteria, cut-off, quotas and ranking, simulation and adoption."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest

from jigi.accounts.models import User
from jigi.core.errors import Forbidden, InvalidInput
from jigi.programmes import services
from jigi.programmes.models import HouseholdScore, Programme, TargetingRun
from jigi.programmes.tests.factories import (
    KAYES_COMMUNE,
    KITA_COMMUNE,
    household,
    make_formula,
    make_programme,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)


def run_now(programme: Programme, **options: Any) -> TargetingRun:
    run = services.start_targeting(actor=None, programme=programme, enqueue=False, **options)
    return services.compute_run(run, on=TODAY)


def scores(run: TargetingRun) -> dict[str, HouseholdScore]:
    return {row.household.code: row for row in run.scores.select_related("household")}


def test_score_follows_the_formula_for_each_household(areas: None) -> None:
    programme = make_programme()
    make_formula(programme)
    poor = household(roof="straw", cattle=0, children=2)
    better_off = household(roof="concrete", cattle=3, children=0)
    run = run_now(programme)
    found = scores(run)
    assert found[poor.code].score == pytest.approx(10.0 - 1.0 - 0.25 * 2)
    assert found[better_off.code].score == pytest.approx(10.0 + 0.5 * math.log(4))
    assert found[poor.code].size == 4
    assert run.summary["households"] == 2


def test_quota_takes_the_lowest_scores_of_each_commune_and_breaks_ties_by_size(areas: None) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 2, KITA_COMMUNE: None})
    make_formula(programme)
    poorest = household(children=3)
    tied_small = household(children=0)
    tied_large = household(children=0)
    from jigi.registry.tests.factories import IndividualFactory

    IndividualFactory.create(
        household=tied_large,
        given_names="Oumar",
        sex="M",
        birth_date=date(2000, 1, 1),
        relationship="child",
    )
    richest = household(roof="concrete", cattle=10)
    in_kita = household(commune=KITA_COMMUNE, roof="concrete", cattle=10)
    found = scores(run_now(programme))
    assert (found[poorest.code].rank, found[poorest.code].is_selected) == (1, True)
    assert (found[tied_large.code].rank, found[tied_large.code].is_selected) == (2, True)
    assert (found[tied_small.code].rank, found[tied_small.code].is_selected) == (3, False)
    assert not found[richest.code].is_selected
    assert found[in_kita.code].is_selected  # no quota in Kita: every eligible household


def test_criteria_and_cutoff_decide_eligibility(areas: None) -> None:
    programme = make_programme()
    make_formula(programme)
    with_children = household(children=1)
    without_children = household(children=0)
    above_cutoff = household(roof="concrete", cattle=5, children=1)
    run = run_now(programme, criteria={"all": ["children_under_5"]}, cutoff=9.5)
    found = scores(run)
    assert found[with_children.code].is_eligible
    assert not found[without_children.code].is_eligible
    assert not found[above_cutoff.code].is_eligible
    assert found[without_children.code].rank is None
    assert run.summary["eligible"] == 1


def test_any_of_several_groups_qualifies(areas: None) -> None:
    programme = make_programme()
    make_formula(programme)
    idp = household(displacement="idp")
    young = household(children=1)
    neither = household()
    found = scores(run_now(programme, criteria={"any": ["idp", "children_under_5"]}))
    assert found[idp.code].is_eligible
    assert found[young.code].is_eligible
    assert not found[neither.code].is_eligible


def test_households_outside_the_coverage_or_inactive_are_not_scored(areas: None) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: None})
    make_formula(programme)
    inside = household()
    outside = household(commune=KITA_COMMUNE)
    dissolved = household(status="dissolved")
    found = scores(run_now(programme))
    assert inside.code in found
    assert outside.code not in found
    assert dissolved.code not in found


def test_geographic_criterion_limits_the_run_to_chosen_communes(areas: None) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: None, KITA_COMMUNE: None})
    make_formula(programme)
    kayes, kita = household(), household(commune=KITA_COMMUNE)
    found = scores(run_now(programme, communes=[KITA_COMMUNE]))
    assert kita.code in found
    assert kayes.code not in found


def test_a_rerun_of_an_interrupted_run_scores_each_household_once(areas: None) -> None:
    programme = make_programme()
    make_formula(programme)
    household()
    household()
    run = services.start_targeting(actor=None, programme=programme, enqueue=False)
    services.compute_run(run, on=TODAY)
    services.compute_run(run, on=TODAY)
    assert run.scores.count() == 2


def test_formula_with_an_unknown_variable_is_refused_naming_it(areas: None) -> None:
    programme = make_programme()
    with pytest.raises(InvalidInput) as refused:
        make_formula(programme, terms=[{"variable": "income", "transform": "value", "weight": 1}])
    assert "income" in str(refused.value.errors["terms.0"])
    with pytest.raises(InvalidInput) as refused:
        make_formula(
            programme,
            terms=[{"variable": "roof", "transform": "equals", "value": "gold", "weight": 1}],
        )
    assert "gold" in str(refused.value.errors["terms.0"])
    assert not programme.formulas.exists()


def test_formulas_are_versioned_not_edited(areas: None) -> None:
    programme = make_programme()
    first = make_formula(programme)
    second = make_formula(programme, intercept=11)
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert first.intercept == 10.0


def test_negative_quota_is_refused_naming_the_commune(areas: None) -> None:
    with pytest.raises(InvalidInput) as refused:
        make_programme(quotas={KAYES_COMMUNE: -5})
    assert "-5" in refused.value.errors["coverage.0"][0]


def test_runs_compare_side_by_side(areas: None, administrator) -> None:  # type: ignore[no-untyped-def]
    from jigi.programmes.selectors import compare_runs

    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    make_formula(programme)
    household(children=2)
    household(children=0)
    strict = run_now(programme, criteria={"all": ["children_under_5"]})
    loose = run_now(programme)
    [row] = compare_runs(administrator, strict, loose)
    assert (row.left_eligible, row.right_eligible) == (1, 2)
    assert (row.left_selected, row.right_selected, row.both) == (1, 1, 1)


def test_adopting_a_run_puts_its_selection_up_for_validation_and_supersedes_the_last(
    areas: None,
) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    make_formula(programme)
    chosen = household(children=2)
    household()
    first = services.adopt_run(actor=None, run=run_now(programme))
    second = services.adopt_run(actor=None, run=run_now(programme))
    first.refresh_from_db()
    assert first.status == TargetingRun.Status.SUPERSEDED
    assert second.status == TargetingRun.Status.ADOPTED
    pending = second.scores.filter(validation=HouseholdScore.Validation.PENDING)
    assert [row.household_id for row in pending] == [chosen.pk]


def test_community_validation_rejects_with_reason_and_adds_marked_households(
    areas: None,
) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    make_formula(programme)
    listed = household(children=2)
    proposed = household(roof="concrete")
    run = services.adopt_run(actor=None, run=run_now(programme))
    entry = run.scores.get(household=listed)
    with pytest.raises(InvalidInput):
        services.validate_household(actor=None, score=entry, validated=False)
    seen: list[HouseholdScore] = []
    services.EXCLUSION_LISTENERS.append(seen.append)
    try:
        services.validate_household(
            actor=None, score=entry, validated=False, reason="A déménagé à Bamako"
        )
    finally:
        services.EXCLUSION_LISTENERS.remove(seen.append)
    assert [row.pk for row in seen] == [entry.pk]
    added = services.add_community_household(
        actor=None, run=run, household=proposed, reason="Veuve sans soutien"
    )
    assert added.is_community_addition
    assert added.validation == HouseholdScore.Validation.VALIDATED
    with pytest.raises(InvalidInput):
        services.add_community_household(actor=None, run=run, household=proposed, reason="encore")


def test_regional_officer_cannot_manage_a_programme_reaching_beyond_their_region(
    areas: None,
    programme_officer_kayes: User,
    outsider: User,
) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: None, "ML050609": None})
    with pytest.raises(Forbidden):
        services.create_formula(
            actor=programme_officer_kayes,
            programme=programme,
            name="x",
            intercept=0,
            terms=[{"variable": "cattle", "weight": 1}],
        )
    kayes_only = make_programme(code="kayes-only", quotas={KAYES_COMMUNE: None})
    formula = services.create_formula(
        actor=programme_officer_kayes,
        programme=kayes_only,
        name="x",
        intercept=0,
        terms=[{"variable": "cattle", "weight": 1}],
    )
    assert formula.number == 1
    with pytest.raises(Forbidden):
        services.start_targeting(actor=outsider, programme=kayes_only, enqueue=False)


def test_a_run_whose_job_fails_says_so_instead_of_computing_forever(areas: None) -> None:
    from jigi.core.jobs import execute_job
    from jigi.programmes.models import Formula

    programme = make_programme()
    formula = make_formula(programme)
    household()
    # A formula stored before a variable was retired from the register.
    Formula.objects.filter(pk=formula.pk).update(
        terms=[{"variable": "radio_hours", "transform": "value", "weight": 1}]
    )
    run = services.start_targeting(actor=None, programme=programme, enqueue=False)
    assert run.job is not None
    job = execute_job(str(run.job.pk))
    run.refresh_from_db()
    assert job.status == "failed"
    assert run.status == TargetingRun.Status.FAILED
    assert "radio_hours" in run.error


def test_score_histogram_counts_every_household_once(areas: None) -> None:
    programme = make_programme()
    make_formula(programme)
    for children in (0, 0, 1, 2, 4):
        household(children=children)
    histogram = run_now(programme).summary["histogram"]
    assert sum(histogram["bins"]) == 5
    assert histogram["bins"][0] == 1  # the household with four young children scores lowest
    assert histogram["bins"][-1] == 2  # the two without children share the top score
    assert histogram["low"] == pytest.approx(10.0 - 1.0 - 0.25 * 4)
