"""The web registration form: members are checked against the register before anything is
written, and a household is registered beside possible duplicates only when the officer says
they are other people (audited)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from django.urls import reverse

from conftest import signed_in
from jigi.accounts.models import User
from jigi.audit.models import AuditEntry
from jigi.dedup import services
from jigi.dedup.models import Decision
from jigi.registry.models import Household

pytestmark = pytest.mark.django_db

FIELDS = ("given_names", "family_name", "sex", "birth_date", "birth_precision", "relationship")


def _form(members: Sequence[tuple[str, ...]], **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "commune": "ML010312", "village": "Médine", "displacement": "resident",
        "members-TOTAL_FORMS": str(len(members)), "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1", "members-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for index, values in enumerate(members):
        for name, value in zip(FIELDS, values, strict=True):
            data[f"members-{index}-{name}"] = value
    return data | extra


TRAORE = [
    ("Mohamed", "Traore", "M", "1971-01-01", "estimated", "head"),
    ("Fatoumata", "Traoré", "F", "1980-03-12", "exact", "spouse"),
]


@pytest.fixture
def trained(register: tuple[Household, ...], administrator: User) -> None:
    services.run_dedup(actor=administrator)


def test_possible_duplicates_stop_the_registration_until_the_officer_confirms(
    trained: None, administrator: User
) -> None:
    client = signed_in(administrator)
    url = reverse("dedup:register")
    before = Household.objects.count()
    shown = client.post(url, _form(TRAORE))
    page = shown.content.decode()
    assert shown.status_code == 200
    assert "peut-être déjà au registre" in page
    assert "Mamadou" in page  # the registered head Mohamed may be
    assert Household.objects.count() == before  # nothing written yet
    done = client.post(url, _form(TRAORE, despite_duplicates="on"))
    created = Household.objects.latest("pk")
    assert done["Location"] == reverse("registry:household_detail", args=[created.code])
    assert created.members.count() == 2
    assert created.source == "web_form"
    entry = AuditEntry.objects.get(action="dedup.registered_despite_duplicates")
    assert entry.target_id == str(created.pk)
    assert entry.changes["shown"][1]
    labels = Decision.objects.filter(verdict="different")
    assert labels.exists()
    assert all(created.pk in {d.left.household_id, d.right.household_id} for d in labels)


def test_a_new_household_is_registered_at_once_and_bad_input_is_named(
    trained: None, administrator: User
) -> None:
    client = signed_in(administrator)
    url = reverse("dedup:register")
    before = Household.objects.count()
    missing = [("Kadiatou", "Sissoko", "F", "", "exact", "head")]
    refused = client.post(url, _form(missing))
    assert refused.status_code == 400
    assert "obligatoire" in refused.content.decode()
    assert Household.objects.count() == before
    new = [("Kadiatou", "Sissoko", "F", "1990-06-15", "exact", "head")]
    done = client.post(url, _form(new))
    created = Household.objects.latest("pk")
    assert done["Location"] == reverse("registry:household_detail", args=[created.code])
    assert Household.objects.count() == before + 1


def test_enumerators_cannot_register_here(enumerator_kayes: User) -> None:
    assert signed_in(enumerator_kayes).get(reverse("dedup:register")).status_code == 403
