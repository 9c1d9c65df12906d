import pytest

from jigi.accounts.tests.factories import UserFactory
from jigi.core.tests.factories import FundingSourceFactory, JobFactory, OrganisationFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_every_factory_builds_a_saved_row(areas: None) -> None:
    site = SiteFactory()
    assert site.pk and site.area.name == "Kayes"
    assert OrganisationFactory().pk
    assert FundingSourceFactory().donor is not None
    assert JobFactory().status == "queued"
    assert UserFactory(scope_areas=["ML01"]).scope_area_codes() == ["ML01"]
