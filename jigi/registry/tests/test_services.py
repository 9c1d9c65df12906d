"""The register's rules, through its services, with each refusal beside its success."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from jigi.accounts.models import User
from jigi.audit.models import AuditEntry
from jigi.core.codes import is_valid_code
from jigi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from jigi.registry import services
from jigi.registry.models import ChangeRequest, Household, Individual
from jigi.registry.services import NewMember
from jigi.registry.tests.factories import HouseholdFactory, IndividualFactory

pytestmark = pytest.mark.django_db

HOUSEHOLD = {
    "village": "Plateau",
    "registered_on": "2026-02-01",
    "source": "survey",
    "roof": "corrugated_iron",
}


def head(**overrides: Any) -> NewMember:
    values = {
        "given_names": "Moussa",
        "family_name": "Keïta",
        "sex": "M",
        "birth_date": "1970-01-01",
        "birth_precision": "estimated",
        "relationship": "head",
        "phone": "76 12 34 56",
    }
    return NewMember(values={**values, **overrides})


def child(**overrides: Any) -> NewMember:
    values = {
        "given_names": "Fatoumata",
        "family_name": "Keïta",
        "sex": "F",
        "birth_date": "2015-03-02",
        "relationship": "child",
    }
    return NewMember(values={**values, **overrides})


def register(actor: User | None, **kwargs: Any) -> Household:
    return services.register_household(
        actor=actor,
        commune=kwargs.pop("commune", "ML010312"),
        household={**HOUSEHOLD, **kwargs.pop("household", {})},
        members=kwargs.pop("members", [head(), child()]),
    )


def test_registering_a_household_gives_it_a_checked_code_and_history(
    programme_officer_kayes: User,
) -> None:
    household = register(programme_officer_kayes)
    assert household.code.startswith("KY-")
    assert is_valid_code(household.code)
    members = list(household.members.order_by("id"))
    assert [m.given_names for m in members] == ["Moussa", "Fatoumata"]
    assert members[0].phone == "+22376123456"
    assert members[0].is_estimated
    assert members[0].names_folded == "moussa keita"
    entry = AuditEntry.objects.get(action="registry.household_registered")
    assert entry.actor == programme_officer_kayes
    assert entry.changes["members"] == 2


def test_a_household_needs_exactly_one_living_head(programme_officer_kayes: User) -> None:
    with pytest.raises(InvalidInput) as no_head:
        register(programme_officer_kayes, members=[child()])
    assert "exactement un chef" in no_head.value.errors["members"][0]
    with pytest.raises(InvalidInput):
        register(programme_officer_kayes, members=[head(), head(given_names="Oumar")])
    assert not Household.objects.exists()


def test_a_child_head_needs_the_child_headed_flag(programme_officer_kayes: User) -> None:
    young = head(birth_date="2012-05-05", birth_precision="exact")
    with pytest.raises(InvalidInput, match="enfant"):
        register(programme_officer_kayes, members=[young])
    household = register(
        programme_officer_kayes, members=[young], household={"is_child_headed": True}
    )
    assert household.is_child_headed


def test_bad_input_names_each_field_and_saves_nothing(programme_officer_kayes: User) -> None:
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    with pytest.raises(InvalidInput) as refused:
        register(
            programme_officer_kayes,
            commune="ML999999",
            members=[head(phone="12", birth_date="1890-01-01"), child(birth_date=future, sex="X")],
        )
    errors = refused.value.errors
    assert "P-code inconnu" in errors["commune"][0]
    assert "members.0.phone" in errors
    assert "120 ans" in errors["members.0.birth_date"][0]
    assert "futur" in errors["members.1.birth_date"][0]
    assert "members.1.sex" in errors
    assert not Household.objects.exists()
    assert not Individual.objects.exists()


def test_a_commune_outside_the_scope_is_refused(
    enumerator_kayes: User, programme_officer_kayes: User
) -> None:
    with pytest.raises(InvalidInput, match="hors de votre zone"):
        register(programme_officer_kayes, commune="ML050609")  # Mopti
    with pytest.raises(Forbidden):
        register(enumerator_kayes)  # enumerators propose; they do not write directly


def test_gps_must_fall_in_mali(programme_officer_kayes: User) -> None:
    with pytest.raises(InvalidInput, match="hors du Mali"):
        register(
            programme_officer_kayes, household={"latitude": "14.69", "longitude": "-17.44"}
        )  # Dakar
    household = register(
        programme_officer_kayes, household={"latitude": "14.447", "longitude": "-11.445"}
    )
    assert household.latitude is not None


def test_nina_format_and_uniqueness(programme_officer_kayes: User) -> None:
    bad = NewMember(values=head().values, documents=({"kind": "nina", "number": "12345"},))
    with pytest.raises(InvalidInput, match="NINA mal formé"):
        register(programme_officer_kayes, members=[bad])
    good = NewMember(
        values=head().values, documents=({"kind": "nina", "number": "1 2345 6789 01234 b"},)
    )
    register(programme_officer_kayes, members=[good])
    with pytest.raises(InvalidInput, match="déjà enregistré"):
        register(programme_officer_kayes, members=[good])


def test_year_only_births_are_stored_as_first_january(programme_officer_kayes: User) -> None:
    household = register(
        programme_officer_kayes, members=[head(birth_date="1980-07-14", birth_precision="year")]
    )
    assert household.members.get().birth_date == date(1980, 1, 1)


def test_updates_record_old_and_new_values(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    services.update_household(
        actor=programme_officer_kayes,
        household=household,
        expected_version=1,
        changes={"roof": "concrete", "goats": "4"},
    )
    household.refresh_from_db()
    assert (household.roof, household.goats, household.version) == ("concrete", 4, 2)
    entry = AuditEntry.objects.get(action="registry.household_updated")
    assert entry.changes == {"roof": ["", "concrete"], "goats": [0, 4]}


def test_a_stale_form_is_refused_not_silently_saved(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    services.update_household(
        actor=programme_officer_kayes,
        household=household,
        expected_version=1,
        changes={"goats": "2"},
    )
    stale = Household.objects.get(pk=household.pk)
    with pytest.raises(Conflict):
        services.update_household(
            actor=programme_officer_kayes,
            household=stale,
            expected_version=1,
            changes={"goats": "9"},
        )
    assert Household.objects.get(pk=household.pk).goats == 2


def test_households_outside_the_scope_are_not_found(outsider: User) -> None:
    household = HouseholdFactory.create()
    with pytest.raises(NotFound):
        services.update_household(
            actor=outsider, household=household, expected_version=None, changes={"goats": "1"}
        )


def test_renaming_a_member_updates_search_tokens(programme_officer_kayes: User) -> None:
    member = IndividualFactory.create(given_names="Aissata", family_name="Coulibaly")
    services.update_member(
        actor=programme_officer_kayes,
        member=member,
        expected_version=1,
        changes={"given_names": "Aïssata"},
    )
    member.refresh_from_db()
    assert member.given_names == "Aïssata"
    assert sorted(member.name_tokens.values_list("token", flat=True)) == ["aissata", "coulibaly"]


def test_a_departing_head_must_be_replaced(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create(head={"given_names": "Bakary", "sex": "M"})
    chief = household.members.get()
    spouse = IndividualFactory.create(household=household)
    today = timezone.localdate()
    with pytest.raises(InvalidInput, match="nouveau chef"):
        services.record_member_exit(
            actor=programme_officer_kayes, member=chief, status="deceased", on=today, reason="décès"
        )
    services.record_member_exit(
        actor=programme_officer_kayes,
        member=chief,
        status="deceased",
        on=today,
        reason="décès",
        new_head=spouse,
    )
    spouse.refresh_from_db()
    assert spouse.relationship == "head"
    assert Individual.objects.get(pk=chief.pk).status == "deceased"


def test_the_last_member_leaving_dissolves_the_household(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    services.record_member_exit(
        actor=programme_officer_kayes,
        member=household.members.get(),
        status="moved_out",
        on=timezone.localdate(),
        reason="exode",
    )
    household.refresh_from_db()
    assert household.status == Household.Status.DISSOLVED


def test_moving_checks_the_new_commune_against_the_scope(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    with pytest.raises(InvalidInput, match="hors de votre zone"):
        services.move_household(
            actor=programme_officer_kayes,
            household=household,
            expected_version=1,
            commune="ML050609",
            village="x",
            reason="y",
        )
    services.move_household(
        actor=programme_officer_kayes,
        household=household,
        expected_version=1,
        commune="ML010513",
        village="Kita Nord",
        reason="travail",
    )
    household.refresh_from_db()
    assert (household.commune_id, household.village) == ("ML010513", "Kita Nord")


def test_splitting_moves_members_to_a_new_household(programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    son = IndividualFactory.create(
        household=household,
        given_names="Oumar",
        sex="M",
        relationship="child",
        birth_date=date(2000, 1, 1),
    )
    daughter_in_law = IndividualFactory.create(household=household, relationship="other_relative")
    created = services.split_household(
        actor=programme_officer_kayes,
        household=household,
        member_ids=[son.pk, daughter_in_law.pk],
        new_head_id=son.pk,
        village="",
        reason="mariage",
    )
    assert created.commune_id == household.commune_id
    assert set(created.members.values_list("pk", flat=True)) == {son.pk, daughter_in_law.pk}
    assert created.members.get(relationship="head") == son
    assert household.members.count() == 1


def test_change_requests_are_applied_only_by_another_officer(
    enumerator_kayes: User, programme_officer_kayes: User, outsider: User
) -> None:
    household = HouseholdFactory.create()
    member = household.members.get()
    change = services.propose_change(
        actor=enumerator_kayes,
        household=household,
        kind="correct_member",
        member=member,
        payload={"family_name": "Traore"},
        reason="orthographe de l'acte de naissance",
    )
    member.refresh_from_db()
    assert member.family_name == "Traoré"  # nothing changes before approval
    with pytest.raises(NotFound):
        services.approve_change(actor=outsider, change=change)
    with pytest.raises(Forbidden):
        services.approve_change(actor=enumerator_kayes, change=change)
    services.approve_change(actor=programme_officer_kayes, change=change, comment="vu l'acte")
    member.refresh_from_db()
    assert member.family_name == "Traore"
    assert change.status == ChangeRequest.Status.APPROVED
    with pytest.raises(Conflict):
        services.approve_change(actor=programme_officer_kayes, change=change)


def test_a_bad_proposal_is_refused_when_submitted(enumerator_kayes: User) -> None:
    household = HouseholdFactory.create()
    with pytest.raises(InvalidInput) as refused:
        services.propose_change(
            actor=enumerator_kayes,
            household=household,
            kind="add_member",
            payload={"given_names": "Ali", "birth_date": "2090-01-01"},
            reason="naissance",
        )
    assert "family_name" in refused.value.errors
    assert not ChangeRequest.objects.exists()


def test_rejection_needs_a_reason(enumerator_kayes: User, programme_officer_kayes: User) -> None:
    household = HouseholdFactory.create()
    change = services.propose_change(
        actor=enumerator_kayes,
        household=household,
        kind="correct_household",
        payload={"goats": "3"},
        reason="recensement",
    )
    with pytest.raises(InvalidInput):
        services.reject_change(actor=programme_officer_kayes, change=change, comment=" ")
    services.reject_change(actor=programme_officer_kayes, change=change, comment="chèvres vendues")
    assert Household.objects.get(pk=household.pk).goats == 0
