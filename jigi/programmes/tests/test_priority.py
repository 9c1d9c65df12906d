"""The reasonless priority referral: a GBV case worker sends a household to a cash programme;
the programme officer sees "Orientation protection, prioritaire", the commune and the
household, and nothing that says why or who sent it."""

from __future__ import annotations

import pytest

from conftest import KAYES_COMMUNE, KITA_COMMUNE, MOPTI_REGION, signed_in
from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.core.errors import Forbidden, InvalidInput
from jigi.programmes import services
from jigi.programmes.models import PriorityReferral
from jigi.programmes.tests.factories import household, make_programme

pytestmark = pytest.mark.django_db


def test_programme_staff_see_a_priority_referral_without_reason_or_sender(
    areas: None, gbv_worker: User, programme_officer_kayes: User
) -> None:
    programme = make_programme()
    family = household()
    services.refer_priority_household(
        actor=gbv_worker, programme_code=programme.code, commune_code=KAYES_COMMUNE,
        household_code=family.code,
    )  # fmt: skip
    page = signed_in(programme_officer_kayes).get(f"/programmes/{programme.code}/")
    text = page.content.decode()
    assert "Orientation protection, prioritaire" in text
    assert family.code in text
    assert "vbg" not in text.lower()
    assert "VBG" not in text
    fields = {f.name for f in PriorityReferral._meta.get_fields()}
    assert not fields & {"reason", "referred_by", "created_by", "case", "note"}
    # Another region's officer does not see it.
    mopti = UserFactory.create(username="prog.mopti", role="programme_officer",
                               scope_areas=[MOPTI_REGION])  # fmt: skip
    assert (
        "Orientation protection"
        not in signed_in(mopti).get(f"/programmes/{programme.code}/").content.decode()
    )


def test_priority_referral_needs_the_permission_and_a_way_to_find_the_household(
    areas: None, gbv_worker: User, enumerator_kayes: User
) -> None:
    programme = make_programme()
    with pytest.raises(Forbidden):
        services.refer_priority_household(actor=enumerator_kayes, programme_code=programme.code,
                                          commune_code=KAYES_COMMUNE, phone="76 00 00 00")  # fmt: skip
    with pytest.raises(InvalidInput) as error:
        services.refer_priority_household(actor=gbv_worker, programme_code=programme.code,
                                          commune_code=KAYES_COMMUNE)  # fmt: skip
    assert "household_code" in error.value.errors
    referral = services.refer_priority_household(
        actor=gbv_worker, programme_code=programme.code, commune_code=KAYES_COMMUNE,
        phone="76 00 00 00",
    )  # fmt: skip
    assert referral.phone == "+22376000000"
    assert PriorityReferral.objects.count() == 1


def test_the_programme_officer_records_what_became_of_the_referral(
    areas: None, gbv_worker: User, programme_officer_kayes: User
) -> None:
    programme = make_programme()
    referral = services.refer_priority_household(
        actor=gbv_worker, programme_code=programme.code, commune_code=KAYES_COMMUNE,
        phone="76 00 00 01",
    )  # fmt: skip
    client = signed_in(programme_officer_kayes)
    url = f"/programmes/{programme.code}/priority-referrals/{referral.pk}/"
    client.post(url, {"status": "enrolled"})
    referral.refresh_from_db()
    assert referral.status == PriorityReferral.Status.ENROLLED
    with pytest.raises(InvalidInput):
        services.settle_priority_referral(
            actor=programme_officer_kayes, referral=referral, status="not_eligible"
        )
    mopti = UserFactory.create(username="prog.mopti2", role="programme_officer",
                               scope_areas=[MOPTI_REGION])  # fmt: skip
    assert signed_in(mopti).post(url, {"status": "enrolled"}).status_code == 404


def test_the_household_must_be_in_the_commune_named(areas: None, gbv_worker: User) -> None:
    programme = make_programme()
    family = household()  # in KAYES_COMMUNE
    assert family.commune_id == KAYES_COMMUNE
    elsewhere = KITA_COMMUNE
    with pytest.raises(InvalidInput) as error:
        services.refer_priority_household(
            actor=gbv_worker, programme_code=programme.code, commune_code=elsewhere,
            household_code=family.code,
        )  # fmt: skip
    assert error.value.errors["household_code"] == ["Aucun ménage de cette commune n'a ce code."]
    with pytest.raises(InvalidInput) as unknown:
        services.refer_priority_household(
            actor=gbv_worker, programme_code=programme.code, commune_code=elsewhere,
            household_code="ML-0000000",
        )  # fmt: skip
    assert unknown.value.errors == error.value.errors  # the same answer: nothing to probe
    assert PriorityReferral.objects.count() == 0
