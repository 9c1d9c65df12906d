import hashlib

import pytest
from django.test import Client

from conftest import signed_in
from jigi.accounts.models import ApiToken, User
from jigi.core.models import Site

pytestmark = pytest.mark.django_db


def create_token(user: User) -> str:
    page = signed_in(user).post("/accounts/tokens/", {"name": "DHIS2 sync"}).content.decode()
    return page.split('data-testid="new-token">')[1].split("<")[0]


def test_a_token_is_shown_once_and_stored_only_as_a_hash(programme_officer_kayes: User) -> None:
    secret = create_token(programme_officer_kayes)
    token = ApiToken.objects.get(user=programme_officer_kayes)
    assert secret.startswith("jigi_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret[len("jigi_") :].startswith(token.prefix)
    assert (
        secret not in signed_in(programme_officer_kayes).get("/accounts/tokens/").content.decode()
    )


def test_a_token_acts_with_its_users_scope(
    programme_officer_kayes: User, kayes_antenna: Site, mopti_antenna: Site
) -> None:
    secret = create_token(programme_officer_kayes)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    sites = api.get("/api/v1/sites").json()
    assert [site["code"] for site in sites["items"]] == ["antenne-kayes"]
    assert api.get(f"/api/v1/sites/{mopti_antenna.pk}").status_code == 404
    assert api.get("/api/v1/me").json()["scope"] == "Région de Kayes"


def test_a_revoked_token_no_longer_works(programme_officer_kayes: User) -> None:
    secret = create_token(programme_officer_kayes)
    token = ApiToken.objects.get(user=programme_officer_kayes)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me").status_code == 200
    signed_in(programme_officer_kayes).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me").status_code == 401


def test_a_forged_token_with_a_real_prefix_is_refused(programme_officer_kayes: User) -> None:
    secret = create_token(programme_officer_kayes)
    forged = secret[:-4] + "AAAA"
    assert Client(HTTP_AUTHORIZATION=f"Bearer {forged}").get("/api/v1/me").status_code == 401


def test_nobody_can_revoke_someone_elses_token(
    programme_officer_kayes: User, outsider: User
) -> None:
    create_token(programme_officer_kayes)
    token = ApiToken.objects.get(user=programme_officer_kayes)
    assert signed_in(outsider).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_administrators_issue_tokens_to_api_client_accounts_which_cannot_sign_in(
    administrator: User,
) -> None:
    from jigi.accounts.tests.factories import UserFactory

    client_account = UserFactory.create(username="dhis2", role="api_client", national_scope=True)
    page = signed_in(administrator).post(
        f"/accounts/users/{client_account.pk}/tokens/", {"name": "DHIS2"}
    )
    secret = page.content.decode().split('data-testid="new-token">')[1].split("<")[0]
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me").json()["username"]
        == "dhis2"
    )
    browser = Client()
    refused = browser.post(
        "/accounts/login/", {"username": "dhis2", "password": "correct-horse-battery-staple"}
    )
    assert "réservé à l&#x27;API" in refused.content.decode()
    assert browser.get("/").status_code == 302


def test_tokens_are_not_issued_to_other_peoples_ordinary_accounts(
    administrator: User, enumerator_kayes: User
) -> None:
    signed_in(administrator).post(f"/accounts/users/{enumerator_kayes.pk}/tokens/", {"name": "x"})
    assert not ApiToken.objects.filter(user=enumerator_kayes).exists()


def test_gbv_staff_cannot_hold_api_tokens(gbv_worker: User) -> None:
    from jigi.accounts.services import create_api_token
    from jigi.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        create_api_token(actor=gbv_worker, name="bypass")
