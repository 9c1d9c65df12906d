"""Batch runs, decisions, merge and un-merge on a small register built in the database."""

from __future__ import annotations

from datetime import date

import pytest

from jigi.accounts.models import User
from jigi.audit.models import AuditEntry
from jigi.core.errors import Forbidden, InvalidInput, NotFound
from jigi.dedup import selectors, services
from jigi.dedup.models import CandidatePair, Decision, Run
from jigi.dedup.tests.conftest import GAO_COMMUNE
from jigi.registry.models import Household, Individual
from jigi.registry.tests.factories import (
    HouseholdFactory,
    IdentityDocumentFactory,
    IndividualFactory,
)

pytestmark = pytest.mark.django_db


def _pairs(run: Run) -> set[tuple[str, str]]:
    return {
        (str(pair.left), str(pair.right)) for pair in run.candidates.select_related("left", "right")
    }


def test_a_run_finds_the_household_registered_twice(
    register: tuple[Household, ...], administrator: User
) -> None:
    first, again, other = register
    run = services.run_dedup(actor=administrator)
    assert run.status == Run.Status.DONE
    found = _pairs(run)
    assert ("Mamadou Traoré", "Mahamadou Tarawele") in found
    assert ("Fatoumata Traoré", "Fatoumata Tarawele") in found
    # Siblings of the two copies are not paired with each other, nor is the other family.
    assert ("Oumar Traoré", "Aminata Tarawele") not in found
    assert not any("Coulibaly" in left or "Coulibaly" in right for left, right in found)
    pair = run.candidates.get(left__given_names="Mamadou")
    assert pair.comparisons["names"][0] == "Mêmes noms, variantes d'orthographe"
    # Each person registered twice is one cluster of its own.
    spouse = run.candidates.get(left__given_names="Fatoumata", left__family_name="Traoré")
    assert pair.cluster is not None
    assert spouse.cluster is not None
    assert pair.cluster != spouse.cluster
    assert AuditEntry.objects.filter(action="dedup.run").exists()


def test_an_interrupted_run_keeps_the_previous_results(
    register: tuple[Household, ...], administrator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = services.run_dedup(actor=administrator)
    pairs = done.candidates.count()

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(CandidatePair.objects, "bulk_create", crash)
    with pytest.raises(RuntimeError):
        services.run_dedup(actor=administrator)
    assert Run.objects.filter(status=Run.Status.FAILED).count() == 1
    assert selectors.current_run() == done
    assert done.candidates.count() == pairs
    monkeypatch.undo()
    again = services.run_dedup(actor=administrator)
    assert selectors.current_run() == again
    assert again.candidates.count() == pairs
    assert not CandidatePair.objects.filter(run=done).exists()


def test_records_with_too_little_to_compare_are_reported_not_matched(areas: None) -> None:
    HouseholdFactory.create(head={"given_names": "Awa", "family_name": "Keïta"})
    nameless = IndividualFactory.create(given_names="", family_name="")
    kept, refused = services.checkable(selectors.register_records())
    assert refused == 1
    assert nameless.pk not in {person.unique_id for person in kept}


def test_merge_keeps_a_golden_record_and_unmerge_restores_both(
    register: tuple[Household, ...], programme_officer_kayes: User
) -> None:
    first, again, _other = register
    survivor = first.members.get(relationship="head")
    duplicate = again.members.get(relationship="head")
    Individual.objects.filter(pk=duplicate.pk).update(
        birth_date=date(1970, 4, 9), birth_precision="exact"
    )
    document = IdentityDocumentFactory.create(individual=duplicate)
    duplicate.refresh_from_db()
    before = {
        p.pk: (p.birth_date, p.birth_precision, p.phone, p.status) for p in (survivor, duplicate)
    }

    merge = services.merge_individuals(
        actor=programme_officer_kayes, survivor=survivor, duplicate=duplicate
    )
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert survivor.birth_date == date(1970, 4, 9)  # an exact date beats an estimated one
    assert survivor.birth_precision == "exact"
    assert survivor.phone == "+22376123456"  # the survivor's own value wins
    assert duplicate.status == Individual.Status.MERGED
    document.refresh_from_db()
    assert document.individual_id == survivor.pk
    assert (
        Decision.objects.get(left=min(survivor.pk, duplicate.pk)).verdict == Decision.Verdict.SAME
    )

    services.unmerge(actor=programme_officer_kayes, merge=merge)
    for person in (survivor, duplicate):
        person.refresh_from_db()
        assert (person.birth_date, person.birth_precision, person.phone, person.status) == before[
            person.pk
        ]
    document.refresh_from_db()
    assert document.individual_id == duplicate.pk
    assert list(
        AuditEntry.objects.filter(action__startswith="dedup.")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["dedup.merge", "dedup.unmerge"]


def test_a_merge_across_scopes_needs_a_user_covering_both(
    register: tuple[Household, ...], programme_officer_kayes: User, payment_officer: User
) -> None:
    first, _again, _other = register
    in_kayes = first.members.get(relationship="head")
    in_gao = IndividualFactory.create(
        household=HouseholdFactory.create(commune_id=GAO_COMMUNE, head=False),
        given_names="Mamadou",
        family_name="Traoré",
    )
    with pytest.raises(NotFound):
        services.merge_individuals(
            actor=programme_officer_kayes, survivor=in_kayes, duplicate=in_gao
        )
    with pytest.raises(Forbidden):
        services.decide(
            actor=payment_officer,
            first=in_kayes,
            second=first.members.exclude(pk=in_kayes.pk)[0],
            verdict="same",
        )
    assert in_gao.status == Individual.Status.ALIVE


def test_decisions_are_kept_as_labels_and_measure_the_model(
    register: tuple[Household, ...], administrator: User
) -> None:
    run = services.run_dedup(actor=administrator)
    pair = run.candidates.get(left__given_names="Mamadou")
    services.decide(actor=administrator, first=pair.left, second=pair.right, verdict="same")
    stranger_a, stranger_b = Individual.objects.filter(family_name="Diallo")[:2]
    services.decide(actor=administrator, first=stranger_a, second=stranger_b, verdict="different")
    measured = selectors.accuracy(run)
    assert (measured.labelled, measured.true_positive, measured.false_positive) == (2, 1, 0)
    assert measured.precision == 1.0
    assert measured.recall == 1.0
    # The decided pair leaves the queue.
    _run, queue = selectors.candidate_pairs(administrator, selectors.PairFilters())
    assert pair not in queue
    assert queue.exists()
    with pytest.raises(InvalidInput):
        services.decide(actor=administrator, first=pair.left, second=pair.right, verdict="maybe")


def test_thresholds_are_set_by_administrators_only(
    administrator: User, programme_officer_kayes: User
) -> None:
    services.set_thresholds(actor=administrator, review=0.6, almost_certain=0.9)
    assert (services.thresholds().review, services.thresholds().almost_certain) == (0.6, 0.9)
    with pytest.raises(InvalidInput):
        services.set_thresholds(actor=administrator, review=0.9, almost_certain=0.6)
    with pytest.raises(Forbidden):
        services.set_thresholds(actor=programme_officer_kayes, review=0.5, almost_certain=0.95)


def test_merging_households_merges_paired_members_moves_the_others_and_undoes_exactly(
    register: tuple[Household, ...], administrator: User, programme_officer_kayes: User
) -> None:
    first, again, _other = register
    services.run_dedup(actor=administrator)
    extra = IndividualFactory.create(
        household=again, given_names="Kadiatou", family_name="Tarawele", sex="F",
        birth_date=date(2019, 6, 1), relationship="child",
    )  # fmt: skip
    Household.objects.filter(pk=again.pk).update(roof="straw")
    again.refresh_from_db()
    before = {
        person.pk: (person.household_id, person.relationship, person.status)
        for person in Individual.objects.filter(household__in=[first, again])
    }

    pairs = services.member_pairs(first, again)
    assert {(kept.given_names, other.given_names) for kept, other in pairs} >= {
        ("Mamadou", "Mahamadou"),
        ("Fatoumata", "Fatoumata"),
    }
    done = services.merge_households(actor=programme_officer_kayes, survivor=first, duplicate=again)
    first.refresh_from_db()
    again.refresh_from_db()
    assert again.status == Household.Status.MERGED
    assert first.roof == "straw"  # a blank filled from the duplicate
    extra.refresh_from_db()
    assert extra.household_id == first.pk  # not found in the first household: moved into it
    living = first.members.filter(status=Individual.Status.ALIVE)
    assert living.filter(relationship="head").count() == 1
    assert done.member_merges.count() == len(pairs)
    # The search finds the moved member under the household they joined.
    assert extra.name_tokens.filter(household=first).exists()

    services.unmerge_households(actor=programme_officer_kayes, merge=done)
    after = {
        person.pk: (person.household_id, person.relationship, person.status)
        for person in Individual.objects.filter(pk__in=before)
    }
    assert after == before
    first.refresh_from_db()
    again.refresh_from_db()
    assert (first.roof, again.status) == ("", Household.Status.ACTIVE)
    assert extra.name_tokens.filter(household=again).exists()
