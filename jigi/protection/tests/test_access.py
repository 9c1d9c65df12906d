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
from jigi.protection import services
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
        list(Case.objects.order_by("pk").values_list("pk", "status", "risk_level")),
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
