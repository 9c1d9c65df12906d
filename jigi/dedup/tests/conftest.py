"""A small register with one household registered twice (Bambara spellings the second time)."""

from __future__ import annotations

from datetime import date

import pytest

from jigi.registry.models import Household
from jigi.registry.tests.factories import HouseholdFactory, IndividualFactory

GAO_COMMUNE = "ML070101"


def _family(
    code_commune: str, village: str, *, spelling: str, given: str, phone: str = "", shift: int = 0
) -> Household:
    """A household of five; the second registration spells names the Bambara way."""
    household = HouseholdFactory.create(commune_id=code_commune, village=village, head=False)
    people = [
        (given, "M", date(1970, 1, 1), "estimated", "head"),
        ("Fatoumata", "F", date(1980, 3, 12), "exact", "spouse"),
        ("Oumar", "M", date(2005, 7, 2), "exact", "child"),
        ("Aminata", "F", date(2010, 2, 20), "exact", "child"),
        ("Seydou", "M", date(2014, 11, 5), "exact", "child"),
    ]
    for name, sex, birth, precision, relationship in people:
        IndividualFactory.create(
            household=household,
            given_names=name,
            family_name=spelling,
            sex=sex,
            birth_date=birth.replace(year=birth.year - shift),
            birth_precision=precision,
            relationship=relationship,
            phone=phone if relationship == "head" else "",
        )
    return household


@pytest.fixture
def register(areas: None) -> tuple[Household, Household, Household]:
    first = _family("ML010312", "Liberté", spelling="Traoré", given="Mamadou", phone="+22376123456")
    again = _family("ML010312", "Médine", spelling="Tarawele", given="Mahamadou")
    other = _family("ML010312", "Plateau", spelling="Coulibaly", given="Moussa", shift=3)
    for index in range(30):  # enough strangers for the model to learn what chance looks like
        HouseholdFactory.create(
            head={"given_names": f"Adama{chr(97 + index % 26)}", "family_name": "Diallo",
                  "birth_date": date(1960 + index, 5, 1), "sex": "M"}
        )  # fmt: skip
    return first, again, other
