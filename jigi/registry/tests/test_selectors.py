import pytest

from jigi.accounts.models import User
from jigi.core.codes import make_code
from jigi.registry.models import Household
from jigi.registry.selectors import HouseholdFilters, households_for, register_stats
from jigi.registry.tests.factories import (
    HouseholdFactory,
    IdentityDocumentFactory,
    IndividualFactory,
)

pytestmark = pytest.mark.django_db


def codes(user: User, **filters: str) -> set[str]:
    return set(households_for(user, HouseholdFilters(**filters)).values_list("code", flat=True))


@pytest.fixture
def kayes_and_mopti() -> tuple[str, str]:
    kayes = HouseholdFactory.create(
        head={"given_names": "Aïssata", "family_name": "Traoré", "phone": "+22376000001"}
    )
    mopti = HouseholdFactory.create(
        commune_id="ML050609", head={"given_names": "Oumar", "family_name": "Traoré"}
    )
    return kayes.code, mopti.code


def test_an_enumerator_in_kayes_does_not_see_a_mopti_household(
    enumerator_kayes: User, outsider: User, kayes_and_mopti: tuple[str, str]
) -> None:
    kayes, mopti = kayes_and_mopti
    assert codes(enumerator_kayes, q="traore") == {kayes}
    assert codes(outsider, q="traore") == {mopti}


def test_name_search_ignores_accents_case_and_word_order(
    payment_officer: User, kayes_and_mopti: tuple[str, str]
) -> None:
    kayes, mopti = kayes_and_mopti
    assert codes(payment_officer, q="traore") == {kayes, mopti}
    assert codes(payment_officer, q="TRAORÉ aissata") == {kayes}
    assert codes(payment_officer, q="aiss") == {kayes}  # the start of a name is enough
    assert codes(payment_officer, q="raore") == set()  # but not the middle of one


def test_search_by_phone_document_code_and_place(
    payment_officer: User, kayes_and_mopti: tuple[str, str]
) -> None:
    kayes, mopti = kayes_and_mopti
    assert codes(payment_officer, phone="76 00 00 01") == {kayes}
    IdentityDocumentFactory.create(
        individual=IndividualFactory.create(household=Household.objects.get(code=mopti)),
        number="12345678901234Z",
        number_normalised="12345678901234Z",
    )
    assert codes(payment_officer, document="1234 5678 9012 34 z") == {mopti}
    assert codes(payment_officer, code=kayes.lower().replace("-", " ")) == {kayes}
    assert codes(payment_officer, area="ML05") == {mopti}
    assert codes(payment_officer, area="ML010312") == {kayes}
    assert codes(payment_officer, village="liberte") == {kayes, mopti}


def test_filters_combine(payment_officer: User, kayes_and_mopti: tuple[str, str]) -> None:
    kayes, _mopti = kayes_and_mopti
    assert codes(payment_officer, q="traore", area="ML01") == {kayes}
    assert codes(payment_officer, q="traore", status="dissolved") == set()


def test_roles_without_register_access_see_nothing(
    gbv_worker: User, kayes_and_mopti: tuple[str, str]
) -> None:
    assert codes(gbv_worker) == set()


def test_stats_count_households_and_people_by_region(kayes_and_mopti: tuple[str, str]) -> None:
    rows = {row["region_pcode"]: row for row in register_stats()}
    assert rows["ML01"]["households"] == 1
    assert rows["ML01"]["individuals"] == 1
    assert rows["ML05"]["region"] == "Mopti"


def test_codes_from_another_sequence_are_not_confused(payment_officer: User) -> None:
    HouseholdFactory.create(code=make_code("KY", 5))
    assert codes(payment_officer, code=make_code("KY", 6)) == set()


def test_register_stats_command_prints_json(kayes_and_mopti: tuple[str, str]) -> None:
    import io
    import json

    from django.core.management import call_command

    output = io.StringIO()
    call_command("register", "stats", "--json", stdout=output)
    result = json.loads(output.getvalue())
    assert result["ok"] is True
    assert (result["households"], result["individuals"]) == (2, 2)
    assert {row["region"] for row in result["by_region"]} == {"Kayes", "Mopti"}
