"""The duplicate pages as reviewers use them: queue, a pair side by side, decide, merge, undo."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import signed_in
from jigi.accounts.models import User
from jigi.dedup import services
from jigi.dedup.models import Decision, Merge
from jigi.registry.models import Household, Individual
from jigi.registry.tests.factories import HouseholdFactory, IndividualFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(register: tuple[Household, ...], administrator: User) -> None:
    services.run_dedup(actor=administrator)


def test_the_queue_lists_pairs_in_the_officers_scope_only(
    run: None, programme_officer_kayes: User, administrator: User
) -> None:
    gao = HouseholdFactory.create(commune_id="ML070101", head=False)
    for household in (gao, HouseholdFactory.create(commune_id="ML070101", head=False)):
        IndividualFactory.create(
            household=household, given_names="Ousmane", family_name="Maïga", phone="+22370000001"
        )
    services.run_dedup(actor=administrator)
    kayes = signed_in(programme_officer_kayes).get(reverse("dedup:queue")).content.decode()
    assert "Mahamadou Tarawele" in kayes
    assert "Ousmane Maïga" not in kayes
    national = (
        signed_in(administrator).get(reverse("dedup:queue") + "?region=ML07").content.decode()
    )
    assert "Ousmane Maïga" in national
    assert "Tarawele" not in national


def test_roles_without_review_cannot_open_the_queue(run: None, payment_officer: User) -> None:
    assert signed_in(payment_officer).get(reverse("dedup:queue")).status_code == 403


def test_a_pair_side_by_side_then_a_decision(run: None, programme_officer_kayes: User) -> None:
    client = signed_in(programme_officer_kayes)
    pair = Individual.objects.get(given_names="Mamadou")
    from jigi.dedup.models import CandidatePair

    candidate = CandidatePair.objects.get(left=pair)
    page = client.get(reverse("dedup:pair", args=[candidate.pk])).content.decode()
    assert "Mahamadou" in page
    assert 'class="differs"' in page  # the family names differ: highlighted
    assert "Mêmes noms, variantes d&#x27;orthographe" in page  # the names comparison's level
    response = client.post(
        reverse("dedup:pair_decide", args=[candidate.pk]),
        {"verdict": "different", "note": "frères"},
    )
    assert response.status_code == 302
    decision = Decision.objects.get(left=candidate.left, right=candidate.right)
    assert (decision.verdict, decision.note, decision.decided_by) == (
        "different",
        "frères",
        programme_officer_kayes,
    )
    queue = client.get(reverse("dedup:queue")).content.decode()
    assert reverse("dedup:pair", args=[candidate.pk]) not in queue


def test_merge_from_the_pair_page_then_undo_it(run: None, programme_officer_kayes: User) -> None:
    from jigi.dedup.models import CandidatePair

    client = signed_in(programme_officer_kayes)
    candidate = CandidatePair.objects.get(left__given_names="Fatoumata", left__family_name="Traoré")
    client.post(reverse("dedup:pair_merge", args=[candidate.pk]), {"survivor": "right"})
    candidate.left.refresh_from_db()
    assert candidate.left.status == Individual.Status.MERGED
    merge = Merge.objects.get()
    assert merge.survivor_id == candidate.right_id
    listing = client.get(reverse("dedup:merges")).content.decode()
    assert "Annuler la fusion" in listing
    client.post(reverse("dedup:merge_undo", args=[merge.pk]))
    candidate.left.refresh_from_db()
    assert candidate.left.status == Individual.Status.ALIVE


def test_the_model_page_shows_parameters_and_lets_administrators_set_thresholds(
    run: None, administrator: User, programme_officer_kayes: User
) -> None:
    page = signed_in(programme_officer_kayes).get(reverse("dedup:model")).content.decode()
    assert "Prénom et nom inversés" in page
    assert "Lancer un dédoublonnage" not in page  # officers review; administrators run
    assert (
        signed_in(programme_officer_kayes)
        .post(reverse("dedup:model"), {"review": "0.4", "almost_certain": "0.9"})
        .status_code
        == 403
    )
    admin = signed_in(administrator)
    refused = admin.post(reverse("dedup:model"), {"review": "0.9", "almost_certain": "0.4"})
    assert refused.status_code == 200
    assert "Entre 0 et le seuil « quasi certain »" in refused.content.decode()
    admin.post(reverse("dedup:model"), {"review": "0.4", "almost_certain": "0.9"})
    assert services.thresholds().review == 0.4
    started = admin.post(reverse("dedup:run"))
    assert started.status_code == 302
    assert "/jobs/" in started["Location"]


def test_merge_whole_households_from_the_pair_page_then_undo(
    run: None, programme_officer_kayes: User
) -> None:
    from jigi.dedup.models import CandidatePair, HouseholdMerge

    client = signed_in(programme_officer_kayes)
    candidate = CandidatePair.objects.get(left__given_names="Mamadou")
    page = client.get(reverse("dedup:pair", args=[candidate.pk])).content.decode()
    assert "Fusionner les deux ménages" in page
    client.post(reverse("dedup:pair_merge_households", args=[candidate.pk]), {"survivor": "left"})
    merged = candidate.right.household
    merged.refresh_from_db()
    assert merged.status == Household.Status.MERGED
    done = HouseholdMerge.objects.get()
    listing = client.get(reverse("dedup:merges")).content.decode()
    assert "Annuler la fusion des ménages" in listing
    client.post(reverse("dedup:household_merge_undo", args=[done.pk]))
    merged.refresh_from_db()
    assert merged.status == Household.Status.ACTIVE
    assert Individual.objects.filter(status=Individual.Status.MERGED).count() == 0
