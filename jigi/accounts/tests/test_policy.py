import pytest

from jigi.accounts import policy
from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.core.models import Site
from jigi.core.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(areas: None) -> dict[str, Site]:
    return {
        "kayes": SiteFactory.create(code="kayes", area_id="ML010312"),
        "kita": SiteFactory.create(code="kita", area_id="ML010513"),
        "mopti": SiteFactory.create(code="mopti", area_id="ML050609"),
        "osc": SiteFactory.create(code="osc", area_id="ML090101"),
    }


def visible_codes(user: User) -> set[str]:
    return set(policy.visible(user, Site.objects.all()).values_list("code", flat=True))


def test_a_region_includes_its_cercles_and_communes(
    sites: dict[str, Site], programme_officer_kayes: User
) -> None:
    assert visible_codes(programme_officer_kayes) == {"kayes", "kita"}


def test_a_commune_scope_excludes_other_communes(
    sites: dict[str, Site], enumerator_kayes: User
) -> None:
    assert visible_codes(enumerator_kayes) == {"kayes"}


def test_a_site_scope_sees_only_that_site(sites: dict[str, Site]) -> None:
    user = UserFactory.create(role="gbv_case_worker", scope_sites=[sites["osc"]])
    assert visible_codes(user) == {"osc"}


def test_national_scope_sees_everything(sites: dict[str, Site], payment_officer: User) -> None:
    assert visible_codes(payment_officer) == set(sites)


def test_an_empty_scope_sees_nothing(sites: dict[str, Site]) -> None:
    assert visible_codes(UserFactory.create(role="enumerator")) == set()


def test_inactive_users_see_nothing_and_may_do_nothing(
    sites: dict[str, Site], payment_officer: User
) -> None:
    payment_officer.is_active = False
    assert visible_codes(payment_officer) == set()
    assert not policy.can(payment_officer, "reference.view")


def test_can_checks_role_and_scope_together(
    sites: dict[str, Site], programme_officer_kayes: User
) -> None:
    assert policy.can(programme_officer_kayes, "reference.view", sites["kita"])
    assert not policy.can(programme_officer_kayes, "reference.view", sites["mopti"])
    assert not policy.can(programme_officer_kayes, "accounts.manage_users")
    assert programme_officer_kayes.has_perm("reference.view")
    assert not programme_officer_kayes.has_perm("accounts.manage_users")
