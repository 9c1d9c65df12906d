"""Who may do what, cell by cell: role × action, through the pages and the API. Everyone but
the assigned case worker and the site's supervisors gets "not found" for a case — the
administrator included — the attempt is logged, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from jigi.accounts.models import User
from jigi.accounts.roles import SECOND_FACTOR_ROLES
from jigi.accounts.services import create_api_token
from jigi.accounts.tests.factories import UserFactory
from jigi.audit.models import AuditEntry
from jigi.protection import crypto, services
from jigi.protection.models import (
    Assessment,
    Case,
    Consent,
    FollowUp,
    Plan,
    Referral,
    ServiceDelivery,
)
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
OK, CREATED, REDIRECT, FORBIDDEN, NOT_FOUND, LOGIN = 200, 201, 302, 403, 404, "login"
# role → expected answer per action through the pages, in ACTIONS order, everyone signed in
# to a browser. "audit" is the site audit page and "history" a case's access history: a
# supervisor of the site's alone, 404 for everyone else.
MATRIX: dict[str, tuple[Any, ...]] = {
    "case_worker": (OK, OK, REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    "supervisor": (OK, OK, REDIRECT, REDIRECT, REDIRECT, OK, OK, OK, OK),
    "other_site_worker": (OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    "administrator": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, OK, NOT_FOUND, NOT_FOUND),
    "programme_officer": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    "me_viewer": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, NOT_FOUND),
    "api_client": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
}  # fmt: skip
# The same through the API, in ACTIONS order: GBV staff with their session (and its CSRF
# token), the machine client with its token. The API has no workbook, site audit or access
# history: those stay pages, asked with the same credentials (a token opens no page).
API_MATRIX_CASES: dict[str, tuple[Any, ...]] = {
    "case_worker": (OK, OK, OK, OK, CREATED, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    "supervisor": (OK, OK, OK, OK, CREATED, OK, OK, OK, OK),
    "other_site_worker": (OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    "administrator": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, OK, NOT_FOUND, NOT_FOUND),
    "programme_officer": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    "me_viewer": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, NOT_FOUND),
    "api_client": (FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN, FORBIDDEN, LOGIN, LOGIN),
}  # fmt: skip
CHANNELS = {"web": MATRIX, "api": API_MATRIX_CASES}
ALLOWED = {"case_worker", "supervisor"}
NAME, CONTACT = "Mariam Traoré", "76 00 00 00"
CSRF = "c" * 32  # a CSRF secret the browser holds in its cookie and sends back in a header


def ui_call(client: Client, action: str, code: str, clinic: int) -> Any:
    base = f"/protection/cases/{code}/"
    return {
        "list": lambda: client.get("/protection/"),
        "open": lambda: client.get(base),
        "edit": lambda: client.post(  # the form comes filled in with the name and contact
            f"{base}identity/", {"name": NAME, "contact": CONTACT, "risk_level": "high"}
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


def api_client_for(user: User) -> Client:
    """The API as its callers reach it: the machine client with a bearer token; GBV staff
    (who hold no tokens) with their browser session, which must send the CSRF token."""
    if user.role == "api_client":
        secret = create_api_token(actor=user, name="passerelle").secret
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client = client_for(user)
    session = Client(enforce_csrf_checks=True, HTTP_X_CSRFTOKEN=CSRF)
    session.cookies = client.cookies
    session.cookies["csrftoken"] = CSRF
    return session


def sealed_identity(kase: Case) -> tuple[str, str]:
    kase.refresh_from_db()
    return (
        crypto.unseal(kase.name_sealed, field="protection.case.name_sealed", case=kase.code),
        crypto.unseal(kase.contact_sealed, field="protection.case.contact_sealed", case=kase.code),
    )


@pytest.mark.parametrize("channel", list(CHANNELS))
@pytest.mark.parametrize("role", list(MATRIX))
def test_role_by_action_matrix(areas: None, role: str, channel: str) -> None:
    kase = case(name=NAME, contact=CONTACT)
    referral_consent(kase, "health")
    clinic = partner().pk
    user = person(role)
    client, call = (
        (client_for(user), ui_call) if channel == "web" else (api_client_for(user), api_call)
    )
    for action, expected in zip(ACTIONS, CHANNELS[channel][role], strict=True):
        before = protection_state()
        response = call(client, action, kase.code, clinic)
        if expected == LOGIN:
            assert response.status_code == 302, action
            assert response["Location"].startswith("/accounts/login/"), action
        else:
            assert response.status_code == expected, (role, channel, action, response.content)
        if action in {"list", "open", "audit", "history"} and expected == OK:
            assert (kase.code in response.content.decode()) is (role != "other_site_worker")
        if expected in {NOT_FOUND, FORBIDDEN, LOGIN} or action in {"audit", "history"}:
            assert "Mariam" not in response.content.decode(), action
        if expected in {NOT_FOUND, FORBIDDEN, LOGIN}:
            assert protection_state() == before, (role, channel, action)
        if channel == "api" and expected == NOT_FOUND and action not in {"audit", "history"}:
            assert response.json() == {"detail": "Not found."}, action
    kase.refresh_from_db()
    allowed = role in ALLOWED
    assert (kase.risk_level == "high") is allowed
    assert (kase.status == Case.Status.CLOSURE_REQUESTED) is allowed
    assert Referral.objects.filter(case=kase).exists() is allowed
    assert sealed_identity(kase) == (NAME, CONTACT)  # an edit of the risk level keeps them
    refused = AuditEntry.objects.filter(action="protection.refused", actor=user).count()
    # Each "not found" is logged: the case's four actions, the audit page and the history.
    assert refused == CHANNELS[channel][role].count(NOT_FOUND)


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_a_session_write_to_the_api_without_the_csrf_token_changes_nothing(
    areas: None, role: str
) -> None:
    kase = case(name=NAME, contact=CONTACT)
    client = api_client_for(person(role))
    del client.defaults["HTTP_X_CSRFTOKEN"]
    before = protection_state()
    response = api_call(client, "edit", kase.code, partner().pk)
    assert response.status_code == FORBIDDEN
    assert response.json() == {"detail": "CSRF check Failed"}
    assert protection_state() == before


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_an_api_edit_of_the_risk_level_alone_keeps_the_sealed_name_and_contact(
    areas: None, role: str
) -> None:
    kase = case(name=NAME, contact=CONTACT)
    response = api_call(api_client_for(person(role)), "edit", kase.code, partner().pk)
    assert response.status_code == OK
    kase.refresh_from_db()
    assert kase.risk_level == "high"
    assert sealed_identity(kase) == (NAME, CONTACT)


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


# The rest of the case work over the API (issue 9), for every role through the API itself:
# GBV staff with their session (they hold no tokens), the machine client with its token.
API_ACTIONS = (
    "consents", "give_consent", "withdraw_consent", "assess", "services", "record_service",
    "plans", "submit_plan", "decide_plan", "follow_ups", "schedule_follow_up",
    "complete_follow_up", "respond_referral", "complete_referral", "revoke_referral",
    "decide_closure", "reopen",
)  # fmt: skip
CREATED = 201
NOWHERE = (NOT_FOUND,) * len(API_ACTIONS)
# role → expected answer per action, in API_ACTIONS order. Plans and closures are decided by
# a supervisor of the site; the case worker is refused (403) on a case they may open.
API_MATRIX: dict[str, tuple[int, ...]] = {
    "case_worker": (OK, CREATED, OK, CREATED, OK, CREATED, OK, CREATED, FORBIDDEN, OK, CREATED,
                    OK, OK, OK, OK, FORBIDDEN, OK),
    "supervisor": (OK, CREATED, OK, CREATED, OK, CREATED, OK, CREATED, OK, OK, CREATED,
                   OK, OK, OK, OK, OK, OK),
    "other_site_worker": NOWHERE,
    "administrator": NOWHERE,
    "programme_officer": NOWHERE,
    "me_viewer": NOWHERE,
    "api_client": NOWHERE,
}  # fmt: skip
PLAN_TEXT = "Dormir chez sa tante ; numéro vert mémorisé."


@dataclass(frozen=True)
class CaseWork:
    """A case with something waiting for each action, plus a case awaiting closure and a
    closed one."""

    kase: Case
    closing: Case
    closed: Case
    clinic: int
    statistics_consent: int
    plan: int
    follow_up: int
    pending: int
    accepted: int
    to_revoke: int


def case_work() -> CaseWork:
    kase = case(name="Mariam Traoré")
    me = kase.assigned_worker
    referral_consent(kase, "health")
    clinic = partner().pk
    pending, accepted, to_revoke = (
        services.refer(actor=me, case=kase, to_provider_id=clinic, service_type="health")
        for _ in range(3)
    )
    services.respond_to_referral(actor=me, referral=accepted, accept=True)
    plan = services.submit_plan(actor=me, case=kase, kind="safety", content=PLAN_TEXT)
    follow_up = services.schedule_follow_up(
        actor=me, case=kase, due_on=timezone.localdate(), purpose="Appeler au numéro sûr."
    )
    closing, closed = case(), case()
    for other in (closing, closed):
        services.request_closure(
            actor=me, case=other, reason="needs_met", checklist=list(CLOSURE_CHECKLIST)
        )
    services.decide_closure(actor=supervisor(), case=closed, approve=True)
    return CaseWork(
        kase=kase, closing=closing, closed=closed, clinic=clinic,
        statistics_consent=Consent.objects.get(case=kase, purpose="statistics").pk,
        plan=plan.pk, follow_up=follow_up.pk, pending=pending.pk, accepted=accepted.pk,
        to_revoke=to_revoke.pk,
    )  # fmt: skip


def api_work(client: Client, action: str, work: CaseWork) -> Any:
    base = f"/api/v1/protection/cases/{work.kase.code}"
    today = timezone.localdate().isoformat()

    def post(path: str, body: dict[str, Any] | None = None) -> Any:
        return client.post(path, body or {}, content_type="application/json")

    calls: dict[str, Callable[[], Any]] = {
        "consents": lambda: client.get(f"{base}/consents"),
        "give_consent": lambda: post(
            f"{base}/consents", {"purpose": "referral", "service_type": "legal", "given_on": today}
        ),
        "withdraw_consent": lambda: post(f"{base}/consents/{work.statistics_consent}/withdrawal"),
        "assess": lambda: post(f"{base}/assessments", {"risk_level": "high"}),
        "services": lambda: client.get(f"{base}/services"),
        "record_service": lambda: post(
            f"{base}/services",
            {
                "kind": "medical",
                "provider_id": work.clinic,
                "started_on": today,
                "outcome": "provided",
            },
        ),  # fmt: skip
        "plans": lambda: client.get(f"{base}/plans"),
        "submit_plan": lambda: post(
            f"{base}/plans", {"kind": "case", "content": "Suivi juridique."}
        ),
        "decide_plan": lambda: post(f"{base}/plans/{work.plan}/decision", {"approve": True}),
        "follow_ups": lambda: client.get(f"{base}/follow-ups"),
        "schedule_follow_up": lambda: post(
            f"{base}/follow-ups", {"due_on": today, "purpose": "Visite à domicile."}
        ),
        "complete_follow_up": lambda: post(f"{base}/follow-ups/{work.follow_up}/completion"),
        "respond_referral": lambda: post(
            f"/api/v1/protection/referrals/{work.pending}/response", {"accept": True}
        ),
        "complete_referral": lambda: post(
            f"/api/v1/protection/referrals/{work.accepted}/completion", {"feedback": "Soins faits."}
        ),
        "revoke_referral": lambda: post(f"{base}/referrals/{work.to_revoke}/revocation"),
        "decide_closure": lambda: post(
            f"/api/v1/protection/cases/{work.closing.code}/closure/decision", {"approve": True}
        ),
        "reopen": lambda: post(f"/api/v1/protection/cases/{work.closed.code}/reopening"),
    }
    return calls[action]()


def protection_state() -> list[Any]:
    """Every row the actions could change, to show that a refused call changed nothing."""
    return [
        list(
            Case.objects.order_by("pk").values_list(
                "pk", "status", "risk_level", "name_sealed", "contact_sealed"
            )
        ),
        list(Consent.objects.order_by("pk").values_list("pk", "withdrawn_at")),
        list(Assessment.objects.values_list("pk")),
        list(ServiceDelivery.objects.values_list("pk")),
        list(Plan.objects.order_by("pk").values_list("pk", "status")),
        list(FollowUp.objects.order_by("pk").values_list("pk", "done_on")),
        list(Referral.objects.order_by("pk").values_list("pk", "status", "feedback_sealed")),
    ]


@pytest.mark.parametrize("role", list(API_MATRIX))
def test_role_by_api_action_matrix(areas: None, role: str) -> None:
    work = case_work()
    user = person(role)
    if role == "api_client":
        secret = create_api_token(actor=user, name="passerelle").secret
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    else:
        client = client_for(user)
    allowed = role in {"case_worker", "supervisor"}
    for action, expected in zip(API_ACTIONS, API_MATRIX[role], strict=True):
        before = protection_state()
        response = api_work(client, action, work)
        assert response.status_code == expected, (role, action, response.content)
        if not allowed:
            assert response.json() == {"detail": "Not found."}, action
            assert protection_state() == before, action
    if allowed:
        assert (
            client.get(f"/api/v1/protection/cases/{work.kase.code}/plans").json()["items"][-1][
                "content"
            ]
            == PLAN_TEXT
        )
    refused = AuditEntry.objects.filter(action="protection.refused", actor=user)
    assert refused.count() == (0 if allowed else len(API_ACTIONS))
