"""Test personas shared by every app's tests, and the reference areas they live in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.core.models import AdminArea, Site
from jigi.core.refdata import load_admin_areas
from jigi.core.tests.factories import SiteFactory

PASSWORD = "correct-horse-battery-staple"

KAYES_REGION = "ML01"
KAYES_COMMUNE = "ML010312"
KITA_COMMUNE = "ML010513"
MOPTI_REGION = "ML05"
MOPTI_COMMUNE = "ML050609"
BAMAKO_COMMUNE_I = "ML090101"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Load the 764 areas once per test database; tests run in transactions on top."""
    with django_db_blocker.unblock():
        load_admin_areas()


@pytest.fixture
def areas(db: None) -> None:
    """The reference areas, reloaded if a transactional test flushed them."""
    if not AdminArea.objects.exists():
        load_admin_areas()


@pytest.fixture
def kayes_antenna(areas: None) -> Site:
    return SiteFactory.create(
        code="antenne-kayes",
        name="Antenne régionale de Kayes",
        kind=Site.Kind.REGIONAL_ANTENNA,
        area_id=KAYES_COMMUNE,
    )


@pytest.fixture
def mopti_antenna(areas: None) -> Site:
    return SiteFactory.create(
        code="antenne-mopti",
        name="Antenne régionale de Mopti",
        kind=Site.Kind.REGIONAL_ANTENNA,
        area_id=MOPTI_COMMUNE,
    )


@pytest.fixture
def one_stop_center(areas: None) -> Site:
    return SiteFactory.create(
        code="osc-bamako-c1",
        name="One Stop Center – Bamako Commune I",
        kind=Site.Kind.ONE_STOP_CENTER,
        area_id=BAMAKO_COMMUNE_I,
    )


@pytest.fixture
def administrator(areas: None) -> User:
    return UserFactory.create(username="admin.national", role="administrator", national_scope=True)


@pytest.fixture
def programme_officer_kayes(areas: None) -> User:
    return UserFactory.create(
        username="programme.kayes", role="programme_officer", scope_areas=[KAYES_REGION]
    )


@pytest.fixture
def enumerator_kayes(areas: None) -> User:
    return UserFactory.create(
        username="enqueteur.kayes", role="enumerator", scope_areas=[KAYES_COMMUNE]
    )


@pytest.fixture
def payment_officer(areas: None) -> User:
    return UserFactory.create(username="paiements", role="payment_officer", national_scope=True)


@pytest.fixture
def gbv_worker(one_stop_center: Site) -> User:
    return UserFactory.create(
        username="vbg.gestionnaire", role="gbv_case_worker", scope_sites=[one_stop_center]
    )


@pytest.fixture
def gbv_supervisor(one_stop_center: Site) -> User:
    return UserFactory.create(
        username="vbg.superviseure", role="gbv_supervisor", scope_sites=[one_stop_center]
    )


@pytest.fixture
def outsider(areas: None) -> User:
    """A programme officer of another region (Mopti): must not see Kayes records."""
    return UserFactory.create(
        username="programme.mopti", role="programme_officer", scope_areas=[MOPTI_REGION]
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
