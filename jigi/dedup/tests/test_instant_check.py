"""The instant check: a household about to be registered, checked against the register."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conftest import signed_in
from jigi.accounts.models import User
from jigi.dedup import services
from jigi.dedup.models import Decision
from jigi.dedup.tests.conftest import GAO_COMMUNE
from jigi.registry.models import Household, Individual
from jigi.registry.tests.factories import HouseholdFactory, IndividualFactory

pytestmark = pytest.mark.django_db


def _household(commune: str, **head: Any) -> dict[str, Any]:
    return {
        "commune": commune,
        "household": {"village": "Médine", "registered_on": "2026-11-20", "source": "web_form"},
        "members": [
            {"given_names": "Mohamed", "family_name": "Traore", "sex": "M",
             "birth_date": "1971-01-01", "birth_precision": "estimated", "relationship": "head",
             **head},
            {"given_names": "Fatoumata", "family_name": "Traoré", "sex": "F",
             "birth_date": "1980-03-12", "relationship": "spouse"},
            {"given_names": "Oumar", "family_name": "Traoré", "sex": "M",
             "birth_date": "2005-07-02", "relationship": "child"},
        ],
    }  # fmt: skip


@pytest.fixture
def trained(register: tuple[Household, ...], administrator: User) -> None:
    services.run_dedup(actor=administrator)


def test_a_household_already_registered_is_found_before_it_is_registered_again(
    trained: None, enumerator_kayes: User
) -> None:
    client = signed_in(enumerator_kayes)
    body = client.post(
        "/api/v1/duplicates/check", _household("ML010312"), content_type="application/json"
    ).json()
    matched = {
        (m["member"], m["given_names"], m["family_name"]) for m in body["possible_duplicates"]
    }
    assert (0, "Mamadou", "Traoré") in matched  # Mohamed ~ Mamadou, birth year a year apart
    assert (1, "Fatoumata", "Traoré") in matched
    assert (2, "Oumar", "Traoré") in matched
    assert not any(m["family_name"] == "Coulibaly" for m in body["possible_duplicates"])
    assert body["outside_scope"] == 0
    assert Household.objects.count() == 33  # nothing was written
    head = next(m for m in body["possible_duplicates"] if m["member"] == 0)
    assert head["comparisons"]["names"][0] == "Mêmes noms, variantes d'orthographe"

    # The enumerator confirms the spouse is someone else: recorded for the reviewers.
    other = Individual.objects.get(given_names="Aminata", family_name="Traoré")
    response = client.post(
        "/api/v1/duplicates/decisions",
        {"first": head["individual"], "second": other.pk, "verdict": "different"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Decision.objects.get().decided_by == enumerator_kayes


def test_matches_outside_the_users_scope_are_counted_not_shown(
    trained: None, enumerator_kayes: User, administrator: User
) -> None:
    # Registered in Gao (displaced since): found by phone, wherever it is.
    in_gao = HouseholdFactory.create(commune_id=GAO_COMMUNE, head=False)
    IndividualFactory.create(
        household=in_gao, given_names="Zoumana", family_name="Dembélé", sex="M",
        birth_date=date(1999, 9, 9), phone="+22366554433",
    )  # fmt: skip
    body = _household("ML010312", given_names="Zoumana", family_name="Dembele",
                      birth_date="1999-09-09", birth_precision="exact", phone="66554433")  # fmt: skip
    seen = (
        signed_in(enumerator_kayes)
        .post("/api/v1/duplicates/check", body, content_type="application/json")
        .json()
    )
    assert not [m for m in seen["possible_duplicates"] if m["member"] == 0]
    assert seen["outside_scope"] == 1
    national = (
        signed_in(administrator)
        .post("/api/v1/duplicates/check", body, content_type="application/json")
        .json()
    )
    head = [m for m in national["possible_duplicates"] if m["member"] == 0]
    assert [m["commune"] for m in head] == [GAO_COMMUNE]


def test_someone_new_has_no_possible_duplicate(trained: None, enumerator_kayes: User) -> None:
    body = signed_in(enumerator_kayes).post(
        "/api/v1/duplicates/check",
        _household("ML010312", given_names="Zoumana", family_name="Dembélé", birth_date="1999-09-09",
                   birth_precision="exact"),
        content_type="application/json",
    ).json()  # fmt: skip
    assert not [m for m in body["possible_duplicates"] if m["member"] == 0]


def test_a_bad_phone_is_refused_naming_the_member(trained: None, enumerator_kayes: User) -> None:
    response = signed_in(enumerator_kayes).post(
        "/api/v1/duplicates/check",
        _household("ML010312", phone="12"),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "members.0.phone" in response.json()["errors"]


def test_households_merged_and_unmerged_over_the_api(
    trained: None, register: tuple[Household, ...], programme_officer_kayes: User
) -> None:
    first, again, _other = register
    client = signed_in(programme_officer_kayes)
    created = client.post(
        "/api/v1/duplicates/household-merges",
        {"survivor": first.code, "duplicate": again.code},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["merged"] == again.code
    again.refresh_from_db()
    assert again.status == Household.Status.MERGED
    undone = client.post(f"/api/v1/duplicates/household-merges/{created.json()['id']}/undo")
    assert undone.status_code == 200
    again.refresh_from_db()
    assert again.status == Household.Status.ACTIVE
