"""Signing in: French by default, English on request, throttling, forced password change, TOTP."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, signed_in
from jigi.accounts.models import User

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str = PASSWORD) -> object:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_is_french_by_default_even_for_an_english_browser(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    body = response.content.decode()
    assert 'lang="fr"' in body
    assert "Connexion à Jigi" in body
    assert "Content-Security-Policy" in response.headers


def test_correct_login_reaches_home_and_logout_ends_the_session(
    client: Client, enumerator_kayes: User
) -> None:
    response = login(client, "enqueteur.kayes")
    assert response["Location"] == "/"  # type: ignore[index]
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_gets_a_generic_message(client: Client, enumerator_kayes: User) -> None:
    wrong_password = login(client, "enqueteur.kayes", "not-the-password").content.decode()  # type: ignore[attr-defined]
    unknown_user = login(client, "nobody", "not-the-password").content.decode()  # type: ignore[attr-defined]
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in wrong_password
    assert wrong_password.count("valides") == unknown_user.count("valides")


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    client: Client, enumerator_kayes: User
) -> None:
    for _attempt in range(5):
        login(client, "enqueteur.kayes", "wrong-password")
    locked = login(client, "enqueteur.kayes")
    assert locked.status_code == 429  # type: ignore[attr-defined]
    assert "Trop de tentatives" in locked.content.decode()  # type: ignore[attr-defined]
    assert client.get("/").status_code == 302


def test_language_choice_is_saved_on_the_account(client: Client, enumerator_kayes: User) -> None:
    login(client, "enqueteur.kayes")
    client.post("/accounts/language/", {"language": "en", "next": "/"})
    assert "Hello" in client.get("/").content.decode()
    enumerator_kayes.refresh_from_db()
    assert enumerator_kayes.language == "en"
    fresh_browser = Client()
    login(fresh_browser, "enqueteur.kayes")
    assert 'lang="en"' in fresh_browser.get("/").content.decode()


def test_language_switch_refuses_to_redirect_off_site(client: Client) -> None:
    response = client.post(
        "/accounts/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_temporary_password_must_be_changed_first(client: Client, enumerator_kayes: User) -> None:
    User.objects.filter(pk=enumerator_kayes.pk).update(must_change_password=True)
    login(client, "enqueteur.kayes")
    assert client.get("/reference/sites/")["Location"] == "/accounts/password/"
    weak = client.post("/accounts/password/", {"new_password1": "12345", "new_password2": "12345"})
    assert "trop court" in weak.content.decode()
    client.post(
        "/accounts/password/",
        {"new_password1": "a-much-better-phrase", "new_password2": "a-much-better-phrase"},
    )
    assert client.get("/reference/sites/").status_code == 200


def test_gbv_roles_must_set_up_and_use_a_second_factor(client: Client, gbv_worker: User) -> None:
    login(client, "vbg.gestionnaire")
    assert client.get("/")["Location"] == "/accounts/2fa/"
    assert client.get("/accounts/2fa/")["Location"] == "/accounts/2fa/setup/"
    setup_page = client.get("/accounts/2fa/setup/").content.decode()
    assert "<svg" in setup_page
    device = TOTPDevice.objects.get(user=gbv_worker)
    wrong = client.post(
        "/accounts/2fa/setup/", {"token": "000000" if totp(device.bin_key) != 0 else "111111"}
    )
    assert "Code incorrect" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    code = f"{totp(device.bin_key):06d}"
    assert client.post("/accounts/2fa/setup/", {"token": code})["Location"] == "/"
    assert client.get("/").status_code == 200

    # Next sign-in asks for a code again.
    other = Client()
    login(other, "vbg.gestionnaire")
    assert other.get("/")["Location"] == "/accounts/2fa/"


def test_roles_without_gbv_data_are_not_forced_to_use_totp(enumerator_kayes: User) -> None:
    assert signed_in(enumerator_kayes).get("/").status_code == 200


def test_gbv_staff_sessions_expire_sooner_than_others(
    gbv_worker: User, enumerator_kayes: User
) -> None:
    gbv_client = signed_in(gbv_worker)
    gbv_client.get("/accounts/2fa/setup/")
    gbv_client.get("/")
    assert gbv_client.session.get_expiry_age() == 30 * 60
    other = signed_in(enumerator_kayes)
    other.get("/")
    assert other.session.get_expiry_age() == 8 * 60 * 60


def test_gbv_password_cannot_be_changed_before_the_second_factor(
    client: Client, gbv_worker: User
) -> None:
    TOTPDevice.objects.create(user=gbv_worker, name="phone", confirmed=True)
    login(client, "vbg.gestionnaire")
    response = client.post(
        "/accounts/password/",
        {"new_password1": "a-new-phrase-here", "new_password2": "a-new-phrase-here"},
    )
    assert response["Location"] == "/accounts/2fa/"
    gbv_worker.refresh_from_db()
    assert gbv_worker.check_password(PASSWORD)


def test_changing_a_known_password_asks_for_the_current_one(
    client: Client, enumerator_kayes: User
) -> None:
    login(client, "enqueteur.kayes")
    refused = client.post(
        "/accounts/password/",
        {
            "old_password": "wrong",
            "new_password1": "a-new-phrase-here",
            "new_password2": "a-new-phrase-here",
        },
    )
    assert refused.status_code == 200
    enumerator_kayes.refresh_from_db()
    assert enumerator_kayes.check_password(PASSWORD)
    client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-phrase-here",
            "new_password2": "a-new-phrase-here",
        },
    )
    enumerator_kayes.refresh_from_db()
    assert enumerator_kayes.check_password("a-new-phrase-here")


def test_the_gate_also_covers_the_api_and_django_admin(client: Client, gbv_worker: User) -> None:
    login(client, "vbg.gestionnaire")
    assert client.get("/api/v1/me")["Location"] == "/accounts/2fa/"
    assert client.get("/django-admin/")["Location"] == "/accounts/2fa/"


def test_lockout_counts_the_address_seen_by_the_trusted_proxy(
    client: Client, enumerator_kayes: User, settings: object
) -> None:
    settings.JIGI_TRUSTED_PROXIES = 1  # type: ignore[attr-defined]
    for _attempt in range(5):
        client.post(
            "/accounts/login/",
            {"username": "enqueteur.kayes", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="10.9.9.9",
        )
    other_address = client.post(
        "/accounts/login/",
        {"username": "enqueteur.kayes", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.1.1.1",
    )
    assert (
        other_address.status_code == 302
    )  # another client behind the same proxy is not locked out
