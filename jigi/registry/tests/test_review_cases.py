"""Edge cases found in review: each would have broken a rule or answered 500."""

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from conftest import signed_in
from jigi.accounts.models import User
from jigi.core.errors import Conflict, InvalidInput
from jigi.registry import services
from jigi.registry.models import ChangeRequest, Household, Individual
from jigi.registry.selectors import HouseholdFilters, households_for
from jigi.registry.tests.factories import HouseholdFactory, IndividualFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_a_child_cannot_become_head_by_exit_or_split(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    head = household.members.get()
    child = IndividualFactory.create(
        household=household, relationship="child", birth_date=date(2019, 1, 1)
    )
    with pytest.raises(InvalidInput, match="ans"):
        services.record_member_exit(
            actor=programme_officer_kayes,
            member=head,
            status="deceased",
            on=TODAY(),
            reason="décès",
            new_head=child,
        )
    assert Individual.objects.get(pk=head.pk).status == "alive"
    with pytest.raises(InvalidInput, match="ans"):
        services.split_household(
            actor=programme_officer_kayes,
            household=household,
            member_ids=[child.pk],
            new_head_id=child.pk,
            village="",
            reason="x",
        )


def test_approving_a_request_does_not_overwrite_a_newer_edit(
    enumerator_kayes: User, programme_officer_kayes: User
) -> None:
    household = HouseholdFactory.create()
    change = services.propose_change(
        actor=enumerator_kayes,
        household=household,
        kind="correct_household",
        payload={"goats": "3"},
        reason="x",
    )
    services.update_household(
        actor=programme_officer_kayes,
        household=household,
        expected_version=1,
        changes={"goats": "10"},
    )
    with pytest.raises(Conflict, match="changé depuis cette demande"):
        services.approve_change(
            actor=programme_officer_kayes, change=ChangeRequest.objects.get(pk=change.pk)
        )
    assert Household.objects.get(pk=household.pk).goats == 10


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        ("member_exit", {"status": "deceased", "on": "26/01/2026"}, "on"),
        ("member_exit", {"status": "deceased", "on": "2026-13-01"}, "on"),
        ("member_exit", {"status": "deceased", "on": "2026-01-01"}, "new_head"),  # the head leaves
        ("move_household", {"commune": "ML010513", "village": None}, "village"),
        ("correct_member", {"birth_date": 12345}, "birth_date"),
        ("correct_member", {"birth_date": ["1990-01-01"]}, "birth_date"),
    ],
)
def test_bad_proposals_are_refused_when_submitted_not_at_approval(
    enumerator_kayes: User, kind: str, payload: dict[str, Any], field: str
) -> None:
    household = HouseholdFactory.create()
    IndividualFactory.create(household=household)
    with pytest.raises(InvalidInput) as refused:
        services.propose_change(
            actor=enumerator_kayes,
            household=household,
            kind=kind,
            payload=payload,
            reason="x",
            member=household.members.get(relationship="head"),
        )
    assert field in refused.value.errors


def test_decimal_proposals_from_the_web_form_are_stored(enumerator_kayes: User) -> None:
    household = HouseholdFactory.create()
    client = signed_in(enumerator_kayes)
    form = client.get(f"/registry/{household.code}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"land_hectares": "2.50", "reason": "cadastre"})
    assert client.post(f"/registry/{household.code}/edit/", data).status_code == 302
    assert ChangeRequest.objects.get().payload == {"land_hectares": "2.50"}


def test_an_invalid_filter_is_dropped_and_shown_not_all_filters(
    programme_officer_kayes: User,
) -> None:
    keita = HouseholdFactory.create(head={"family_name": "Keïta"})
    HouseholdFactory.create(head={"family_name": "Diarra"})
    page = signed_in(programme_officer_kayes).get("/registry/?q=keita&region=ML01&commune=ML010312")
    body = page.content.decode()
    assert "filtre ignoré" in body
    assert keita.code in body
    assert "1 ménage" in body
    refused = signed_in(programme_officer_kayes).get(
        "/registry/export/?q=keita&commune=ML010312&format=csv"
    )
    assert refused.status_code == 302


def test_the_same_document_twice_in_one_request_names_the_field(
    programme_officer_kayes: User,
) -> None:
    nina = {"kind": "nina", "number": "12345678901234A"}
    head = services.NewMember(
        values={
            "given_names": "Moussa",
            "family_name": "Keïta",
            "sex": "M",
            "birth_date": "1970-01-01",
            "relationship": "head",
        },
        documents=(nina,),
    )
    wife = services.NewMember(
        values={
            "given_names": "Awa",
            "family_name": "Keïta",
            "sex": "F",
            "birth_date": "1980-01-01",
            "relationship": "spouse",
        },
        documents=(nina,),
    )
    with pytest.raises(InvalidInput) as refused:
        services.register_household(
            actor=programme_officer_kayes,
            commune="ML010312",
            household={"village": "x", "registered_on": "2026-01-01", "source": "survey"},
            members=[head, wife],
        )
    assert "members.1.documents.0.number" in refused.value.errors


def test_members_who_left_and_dissolved_households_are_not_edited(
    programme_officer_kayes: User,
) -> None:
    household = HouseholdFactory.create()
    head = household.members.get()
    services.record_member_exit(
        actor=programme_officer_kayes, member=head, status="deceased", on=TODAY(), reason="décès"
    )
    head.refresh_from_db()
    with pytest.raises(InvalidInput):
        services.update_member(
            actor=programme_officer_kayes,
            member=head,
            expected_version=None,
            changes={"given_names": "X"},
        )
    household.refresh_from_db()
    with pytest.raises(InvalidInput, match="plus actif"):
        services.add_member(
            actor=programme_officer_kayes,
            household=household,
            values={
                "given_names": "A",
                "family_name": "B",
                "sex": "F",
                "birth_date": "2000-01-01",
                "relationship": "head",
            },
        )


def test_a_man_cannot_be_marked_pregnant_by_a_partial_update(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create(head={"sex": "M", "given_names": "Oumar"})
    with pytest.raises(InvalidInput, match="femme"):
        services.update_member(
            actor=programme_officer_kayes,
            member=household.members.get(),
            expected_version=None,
            changes={"pregnancy": "pregnant"},
        )


def test_a_short_first_word_still_finds_longer_names(payment_officer: User) -> None:
    mam = HouseholdFactory.create(head={"given_names": "Mam", "family_name": "Traoré"})
    mamadou = HouseholdFactory.create(head={"given_names": "Mamadou", "family_name": "Traoré"})
    found = set(
        households_for(payment_officer, HouseholdFilters(q="mam traore")).values_list(
            "code", flat=True
        )
    )
    assert found == {mam.code, mamadou.code}
    whole = set(
        households_for(payment_officer, HouseholdFilters(q="mamadou traore")).values_list(
            "code", flat=True
        )
    )
    assert whole == {mamadou.code}


def test_unknown_fields_in_api_changes_are_refused(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    response = signed_in(programme_officer_kayes).patch(
        f"/api/v1/households/{household.code}",
        {"version": 1, "changes": {"gaots": 3}},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_export_cells_cannot_run_as_formulas(programme_officer_kayes: User) -> None:
    import csv
    import io

    HouseholdFactory.create(village='=HYPERLINK("http://x")')
    response = signed_in(programme_officer_kayes).get("/registry/export/?format=csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[1][5].startswith("'=")


def test_a_person_aged_exactly_120_is_accepted(programme_officer_kayes: User) -> None:
    today = TODAY()
    born = (
        today.replace(year=today.year - 120).isoformat()
        if not (today.month == 2 and today.day == 29)
        else "1906-03-01"
    )
    household = HouseholdFactory.create()
    member = services.add_member(
        actor=programme_officer_kayes,
        household=household,
        values={
            "given_names": "Aïcha",
            "family_name": "Maïga",
            "sex": "F",
            "birth_date": born,
            "relationship": "parent",
        },
    )
    assert member.pk


def test_headship_is_handed_over_in_one_step(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create(head={"given_names": "Moussa", "sex": "M"})
    wife = IndividualFactory.create(household=household, given_names="Awa")
    services.change_head(
        actor=programme_officer_kayes,
        household=household,
        new_head=wife,
        former_head_relationship="spouse",
    )
    relationships = dict(household.members.values_list("given_names", "relationship"))
    assert relationships == {"Moussa": "spouse", "Awa": "head"}
    kid = IndividualFactory.create(
        household=household, given_names="Ali", birth_date=date(2020, 1, 1), relationship="child"
    )
    with pytest.raises(InvalidInput, match="ans"):
        services.change_head(
            actor=programme_officer_kayes,
            household=household,
            new_head=kid,
            former_head_relationship="parent",
        )


def test_documents_are_added_and_removed_after_registration_with_history(
    programme_officer_kayes: User,
) -> None:
    household = HouseholdFactory.create()
    member = household.members.get()
    client = signed_in(programme_officer_kayes)
    created = client.post(
        f"/api/v1/members/{member.pk}/documents",
        {"kind": "nina", "number": "98765432101234K"},
        content_type="application/json",
    )
    assert created.status_code == 201
    document_id = created.json()["documents"][0]["id"]
    bad = client.post(
        f"/api/v1/members/{member.pk}/documents",
        {"kind": "nina", "number": "123"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "NINA mal formé" in bad.json()["errors"]["documents.0.number"][0]
    client.post(f"/registry/documents/{document_id}/remove/", {"reason": "saisie erronée"})
    assert not member.documents.exists()
    page = client.get(f"/registry/{household.code}/").content.decode()
    assert "Pièce d&#x27;identité retirée" in page or "Pièce d'identité retirée" in page
    assert "98765432101234K" in page  # the history keeps what was removed
