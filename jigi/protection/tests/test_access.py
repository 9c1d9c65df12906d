"""Who may do what, cell by cell: role × action, through the pages and the API. Everyone but
the assigned case worker and the site's supervisors gets "not found" for a case — the
administrator included — the attempt is logged, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from jigi.accounts.models import User
from jigi.accounts.roles import SECOND_FACTOR_ROLES
from jigi.accounts.services import create_api_token
from jigi.accounts.tests.factories import UserFactory
from jigi.audit.models import AuditEntry
from jigi.protection.models import Case, Referral
from jigi.protection.services import CLOSURE_CHECKLIST
from jigi.protection.tests.factories import (
    case,
    partner,
    provider,
    referral_consent,
    supervisor,
    worker,
)

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    """A signed-in browser; GBV staff have confirmed their second factor."""
    client = Client()
    client.force_login(user)
    if user.role in SECOND_FACTOR_ROLES:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def person(role: str) -> User:
    if role == "case_worker":
        return worker()
    if role == "supervisor":
        return supervisor()
    if role == "other_site_worker":
        provider("osc-kayes", "ML010312")
        return worker("vbg.kayes", "osc-kayes", area="ML010312")
    usernames = {"administrator": "admin.national", "programme_officer": "programme.bamako",
                 "me_viewer": "suivi", "api_client": "client.api"}  # fmt: skip
    roles = {"programme_officer": "programme_officer", "me_viewer": "me_viewer",
             "administrator": "administrator", "api_client": "api_client"}  # fmt: skip
    return UserFactory.create(username=usernames[role], role=roles[role], national_scope=True)


ACTIONS = ("list", "open", "edit", "close", "refer", "export", "stats", "audit", "history")
OK, REDIRECT, FORBIDDEN, NOT_FOUND, LOGIN = 200, 302, 403, 404, "login"
# role → expected answer per action, in ACTIONS order. "audit" is the site audit page and
# "history" a case's access history: a supervisor of the site's alone, 404 for everyone else.
MATRIX: dict[str, tuple[Any, ...]] = {
    "case_worker": (OK, OK, REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    "supervisor": (OK, OK, REDIRECT, REDIRECT, REDIRECT, OK, OK, OK, OK),
    "other_site_worker": (OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    "administrator": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, OK, NOT_FOUND, NOT_FOUND),
    "programme_officer": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    "me_viewer": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, NOT_FOUND),
    # Machine clients go through the API with a token (export and the audit are pages: sign-in asked).
    "api_client": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN, FORBIDDEN, LOGIN, LOGIN),
}  # fmt: skip


def ui_call(client: Client, action: str, code: str, clinic: int) -> Any:
    base = f"/protection/cases/{code}/"
    return {
        "list": lambda: client.get("/protection/"),
        "open": lambda: client.get(base),
        "edit": lambda: client.post(
            f"{base}identity/", {"name": "", "contact": "", "risk_level": "high"}
        ),  # fmt: skip
        "close": lambda: client.post(
            f"{base}request_closure/", {"reason": "needs_met", "checklist": list(CLOSURE_CHECKLIST)}
        ),  # fmt: skip
        "refer": lambda: client.post(
            f"{base}refer/", {"to_provider": clinic, "service_type": "health", "urgency": "normal"}
        ),  # fmt: skip
        "export": lambda: client.get("/protection/statistics.xlsx"),
        "stats": lambda: client.get("/protection/statistics/"),
        "audit": lambda: client.get("/protection/audit/"),
        "history": lambda: client.get(f"{base}audit/"),
    }[action]()


def api_call(client: Client, action: str, code: str, clinic: int) -> Any:
    base = f"/api/v1/protection/cases/{code}"
    json = "application/json"
    return {
        "list": lambda: client.get("/api/v1/protection/cases"),
        "open": lambda: client.get(base),
        "edit": lambda: client.patch(base, {"risk_level": "high"}, content_type=json),
        "close": lambda: client.post(
            f"{base}/closure",
            {"reason": "needs_met", "checklist": list(CLOSURE_CHECKLIST)},
            content_type=json,
        ),  # fmt: skip
        "refer": lambda: client.post(
            f"{base}/referrals",
            {"to_provider_id": clinic, "service_type": "health"},
            content_type=json,
        ),  # fmt: skip
        "export": lambda: client.get("/protection/statistics.xlsx"),
        "stats": lambda: client.get("/api/v1/protection/statistics"),
        "audit": lambda: client.get("/protection/audit/"),
        "history": lambda: client.get(f"/protection/cases/{code}/audit/"),
    }[action]()


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_by_action_matrix(areas: None, role: str) -> None:
    kase = case(name="Mariam Traoré")
    referral_consent(kase, "health")
    clinic = partner().pk
    user = person(role)
    if role == "api_client":
        secret = create_api_token(actor=user, name="passerelle").secret
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        call = api_call
    else:
        client = client_for(user)
        call = ui_call
    for action, expected in zip(ACTIONS, MATRIX[role], strict=True):
        response = call(client, action, kase.code, clinic)
        if expected == LOGIN:
            assert response.status_code == 302, action
            assert response["Location"].startswith("/accounts/login/"), action
            continue
        assert response.status_code == expected, (role, action)
        if action in {"list", "open", "audit", "history"} and expected == OK:
            assert (kase.code in response.content.decode()) is (role != "other_site_worker")
        if expected == NOT_FOUND or action in {"audit", "history"}:
            assert "Mariam" not in response.content.decode()
    kase.refresh_from_db()
    allowed = role in {"case_worker", "supervisor"}
    assert (kase.risk_level == "high") is allowed
    assert (kase.status == Case.Status.CLOSURE_REQUESTED) is allowed
    assert Referral.objects.filter(case=kase).exists() is allowed
    refused = AuditEntry.objects.filter(action="protection.refused", actor=user).count()
    # Each "not found" is logged: the case's four actions, the audit page and the history.
    assert refused == MATRIX[role].count(NOT_FOUND)


def test_the_api_reads_a_case_for_its_worker_and_logs_the_fields(areas: None) -> None:
    kase = case(name="Oumou Sangaré")
    response = client_for(kase.assigned_worker).get(f"/api/v1/protection/cases/{kase.code}")
    assert response.status_code == 200
    assert response.json()["name"] == "Oumou Sangaré"
    entry = AuditEntry.objects.filter(action="protection.read_case").latest("seq")
    assert entry.actor == kase.assigned_worker
    assert "name" in entry.changes["fields"]


def test_gbv_staff_must_confirm_their_second_factor_before_any_case(areas: None) -> None:
    kase = case()
    client = Client()
    client.force_login(kase.assigned_worker)
    assert client.get(f"/protection/cases/{kase.code}/")["Location"] == "/accounts/2fa/"
    assert client.get("/api/v1/protection/cases")["Location"] == "/accounts/2fa/"


def test_case_pages_and_lists_never_show_the_name_outside_the_case(areas: None) -> None:
    kase = case(name="Bintou Keïta")
    client = client_for(kase.assigned_worker)
    listing = client.get("/protection/").content.decode()
    assert kase.code in listing
    assert "Bintou" not in listing
    page = client.get(f"/protection/cases/{kase.code}/").content.decode()
    assert "Bintou Keïta" in page
    title = page.split("<title>")[1].split("</title>")[0]
    assert "Bintou" not in title
    assert "Sortie rapide" in page


def test_quick_exit_signs_out_and_leaves(areas: None, settings: Any) -> None:
    kase = case()
    client = client_for(kase.assigned_worker)
    response = client.get("/protection/exit/")
    assert response["Location"] == settings.JIGI_PROTECTION_EXIT_URL
    assert client.get("/protection/")["Location"].startswith("/accounts/login/")
