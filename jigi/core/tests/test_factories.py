import pytest

from jigi.accounts.tests.factories import UserFactory
from jigi.core.tests.factories import (
    FundingSourceFactory,
    JobFactory,
    OrganisationFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


def test_every_factory_builds_a_saved_row(areas: None) -> None:
    site = SiteFactory.create()
    assert site.pk
    assert site.area.name == "Kayes"
    assert OrganisationFactory.create().pk
    assert FundingSourceFactory.create().donor is not None
    assert JobFactory.create().status == "queued"
    assert UserFactory.create(scope_areas=["ML01"]).scope_area_codes() == ["ML01"]
