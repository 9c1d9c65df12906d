"""Administrators manage accounts in the product UI; everyone else is refused."""

import pytest
from django.test import Client

from conftest import PASSWORD, signed_in
from jigi.accounts.models import User
from jigi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_USER = {
    "username": "awa.diarra",
    "first_name": "Awa",
    "last_name": "Diarra",
    "email": "awa@example.org",
    "password": "un-mot-de-passe-solide",
    "role": "programme_officer",
    "regions": ["ML01"],
}


def test_administrator_creates_a_user_with_a_role_and_scope(administrator: User) -> None:
    response = signed_in(administrator).post("/accounts/users/new/", NEW_USER)
    user = User.objects.get(username="awa.diarra")
    assert response["Location"] == f"/accounts/users/{user.pk}/"
    assert user.role == "programme_officer"
    assert user.scope_area_codes() == ["ML01"]
    assert user.must_change_password
    assert user.check_password("un-mot-de-passe-solide")
    entry = AuditEntry.objects.get(action="accounts.user_created")
    assert entry.actor == administrator
    assert entry.changes["scope"]["areas"] == ["ML01"]
    assert entry.source.startswith("web ")


def test_form_errors_are_shown_next_to_each_field_in_french(administrator: User) -> None:
    bad = NEW_USER | {"username": "bad name!", "password": "court", "regions": []}
    body = signed_in(administrator).post("/accounts/users/new/", bad).content.decode()
    assert "Le formulaire contient des erreurs" in body
    assert 'id="id_username_error"' in body
    assert not User.objects.filter(username="bad name!").exists()


def test_weak_password_and_missing_scope_are_refused_by_the_service(administrator: User) -> None:
    client = signed_in(administrator)
    weak = client.post(
        "/accounts/users/new/", NEW_USER | {"password": "password1234"}
    ).content.decode()
    assert "trop courant" in weak
    no_scope = client.post("/accounts/users/new/", NEW_USER | {"regions": []}).content.decode()
    assert "Choisissez au moins une zone" in no_scope
    assert not User.objects.filter(username="awa.diarra").exists()


def test_other_roles_cannot_manage_users(
    programme_officer_kayes: User, enumerator_kayes: User
) -> None:
    client = signed_in(programme_officer_kayes)
    assert client.get("/accounts/users/").status_code == 403
    assert client.post("/accounts/users/new/", NEW_USER).status_code == 403
    assert (
        client.post(f"/accounts/users/{enumerator_kayes.pk}/active/", {"active": "0"}).status_code
        == 403
    )
    enumerator_kayes.refresh_from_db()
    assert enumerator_kayes.is_active


def test_changing_a_scope_is_audited_with_old_and_new_values(
    administrator: User, enumerator_kayes: User
) -> None:
    form = {
        "role": "enumerator",
        "communes": ["ML010513"],
        "first_name": "Awa",
        "last_name": "Traoré",
    }
    signed_in(administrator).post(f"/accounts/users/{enumerator_kayes.pk}/", form)
    enumerator_kayes.refresh_from_db()
    assert list(enumerator_kayes.scope_areas.values_list("pcode", flat=True)) == ["ML010513"]
    entry = AuditEntry.objects.get(action="accounts.user_updated")
    assert entry.changes["scope"][0]["areas"] == ["ML010312"]
    assert entry.changes["scope"][1]["areas"] == ["ML010513"]


def test_a_deactivated_user_can_no_longer_sign_in(
    administrator: User, enumerator_kayes: User
) -> None:
    signed_in(administrator).post(f"/accounts/users/{enumerator_kayes.pk}/active/", {"active": "0"})
    client = Client()
    client.post("/accounts/login/", {"username": "enqueteur.kayes", "password": PASSWORD})
    assert client.get("/").status_code == 302
    assert AuditEntry.objects.filter(action="accounts.user_deactivated").count() == 1


def test_administrators_cannot_deactivate_themselves(administrator: User) -> None:
    signed_in(administrator).post(f"/accounts/users/{administrator.pk}/active/", {"active": "0"})
    administrator.refresh_from_db()
    assert administrator.is_active


def test_password_reset_gives_a_temporary_password_to_change_at_login(
    administrator: User, enumerator_kayes: User
) -> None:
    page = (
        signed_in(administrator)
        .post(f"/accounts/users/{enumerator_kayes.pk}/reset-password/")
        .content.decode()
    )
    temporary = page.split('data-testid="temporary-password">')[1].split("<")[0]
    client = Client()
    client.post("/accounts/login/", {"username": "enqueteur.kayes", "password": temporary})
    assert client.get("/")["Location"] == "/accounts/password/"


def test_user_list_filters_and_paginates(
    administrator: User, enumerator_kayes: User, programme_officer_kayes: User
) -> None:
    body = signed_in(administrator).get("/accounts/users/?role=enumerator").content.decode()
    assert "enqueteur.kayes" in body
    assert "programme.kayes" not in body
    assert "1 compte" in body
