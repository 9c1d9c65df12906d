"""The case work over the API as a partner's app does it: the same rules as the pages (the
services hold them), bad input named by field with nothing written and the refusal logged,
sealed text only for those who may open the case and never in the audit log."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jigi.accounts.tests.factories import UserFactory
from jigi.audit.models import AuditEntry
from jigi.protection import selectors, services
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
from jigi.protection.tests.test_access import client_for

pytestmark = pytest.mark.django_db

JSON = "application/json"
TODAY = timezone.localdate


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/protection/{path}", body or {}, content_type=JSON)


def get(client: Client, path: str) -> Any:
    return client.get(f"/api/v1/protection/{path}")


def entries_since(seq: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=seq))


def last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


def refusals(reason_part: str) -> int:
    return sum(
        reason_part in entry.changes.get("reason", "")
        for entry in AuditEntry.objects.filter(action="protection.refused")
    )


def test_consents_are_given_listed_and_withdrawn_and_the_withdrawal_says_what_it_revoked(
    areas: None,
) -> None:
    kase = case()
    me = client_for(kase.assigned_worker)
    today = TODAY().isoformat()
    given = post(me, f"cases/{kase.code}/consents",
                 {"purpose": "referral", "service_type": "psychosocial", "given_on": today,
                  "scope_note": "Pas d'appel au domicile."})  # fmt: skip
    assert given.status_code == 201
    assert given.json()["service_type"] == "psychosocial"
    referred = post(me, f"cases/{kase.code}/referrals",
                    {"to_provider_id": partner().pk, "service_type": "psychosocial"})  # fmt: skip
    assert referred.status_code == 201
    ledger = get(me, f"cases/{kase.code}/consents").json()["items"]
    line = next(row for row in ledger if row["service_type"] == "psychosocial")
    assert line["scope_note"] == "Pas d'appel au domicile."
    assert (line["recorded_by"], line["withdrawn_at"]) == ("vbg.gestionnaire", None)
    reading = AuditEntry.objects.filter(action="protection.read_case").latest("seq")
    assert "consents.scope_note" in reading.changes["fields"]

    withdrawn = post(me, f"cases/{kase.code}/consents/{line['id']}/withdrawal")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["revoked_referrals"] == 1
    assert withdrawn.json()["consent"]["withdrawn_at"] is not None
    assert Referral.objects.get().status == Referral.Status.REVOKED
    again = post(me, f"cases/{kase.code}/consents/{line['id']}/withdrawal")
    assert again.status_code == 422
    ledger = get(me, f"cases/{kase.code}/consents").json()["items"]
    line = next(row for row in ledger if row["service_type"] == "psychosocial")
    assert line["withdrawn_by"] == "vbg.gestionnaire"
    other = case(site_code="osc-kayes", area="ML010312", actor=worker("vbg.kayes", "osc-kayes",
                                                                        area="ML010312"))  # fmt: skip
    foreign = other.consents.first()
    assert foreign is not None
    # A consent of another case is not found through this one.
    assert post(me, f"cases/{kase.code}/consents/{foreign.pk}/withdrawal").status_code == 404
    assert foreign.withdrawn_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "marketing", "given_on": "today"}, "purpose"),
        ({"purpose": "referral", "service_type": "astrology", "given_on": "today"}, "service_type"),
        ({"purpose": "referral", "given_on": "today"}, "service_type"),
        ({"purpose": "referral", "service_type": "legal", "given_on": "tomorrow"}, "given_on"),
    ],
)
def test_a_bad_consent_is_refused_by_field_logged_and_not_written(
    areas: None, body: dict[str, str], field: str
) -> None:
    kase = case()
    before = Consent.objects.count()
    day = {"today": TODAY(), "tomorrow": TODAY() + timedelta(days=1)}[body["given_on"]]
    response = post(client_for(kase.assigned_worker), f"cases/{kase.code}/consents",
                    {**body, "given_on": day.isoformat()})  # fmt: skip
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Consent.objects.count() == before
    assert refusals(field) == 1


def test_missing_required_fields_are_named_by_the_schema(areas: None) -> None:
    kase = case()
    me = client_for(kase.assigned_worker)
    calls: dict[str, tuple[dict[str, Any], str]] = {
        "consents": ({"purpose": "statistics"}, "given_on"),
        "services": ({"kind": "medical", "outcome": "provided", "provider_id": 1}, "started_on"),
        "plans": ({"content": "x"}, "kind"),
        "follow-ups": ({"purpose": "Appeler."}, "due_on"),
        "assessments": ({}, "risk_level"),
    }
    for path, (body, field) in calls.items():
        response = post(me, f"cases/{kase.code}/{path}", body)
        assert response.status_code == 422, path
        assert field in {error["loc"][-1] for error in response.json()["detail"]}, path
    assert not Assessment.objects.exists()
    assert not ServiceDelivery.objects.exists()
    assert not Plan.objects.exists()
    assert not FollowUp.objects.exists()


def test_an_assessment_sets_the_risk_and_keeps_its_notes_out_of_the_audit_log(
    areas: None,
) -> None:
    kase = case()
    me = client_for(kase.assigned_worker)
    future = (TODAY() + timedelta(days=1)).isoformat()
    refused = post(me, f"cases/{kase.code}/assessments",
                   {"risk_level": "high", "assessed_on": future})  # fmt: skip
    assert refused.status_code == 422
    assert "assessed_on" in refused.json()["errors"]
    assert post(me, f"cases/{kase.code}/assessments", {"risk_level": "extreme"}).json()[
        "errors"
    ].keys() == {"risk_level"}
    assert not Assessment.objects.exists()
    seq = last_seq()
    done = post(me, f"cases/{kase.code}/assessments",
                {"risk_level": "high", "safety_needs": True,
                 "notes": "Le mari menace de revenir."})  # fmt: skip
    assert done.status_code == 201
    assert done.json()["safety_needs"] is True
    assert "notes" not in done.json()
    kase.refresh_from_db()
    assert kase.risk_level == "high"
    written = entries_since(seq)
    assert [entry.action for entry in written] == ["protection.assess"]
    assert "menace" not in json.dumps([entry.changes for entry in written])


def test_services_delivered_are_recorded_and_listed_and_bad_ones_are_refused(
    areas: None,
) -> None:
    kase = case()
    me = client_for(kase.assigned_worker)
    clinic = partner().pk
    today = TODAY()
    bad = [
        ({"kind": "massage", "started_on": today}, "kind"),
        ({"kind": "medical", "started_on": today + timedelta(days=2)}, "started_on"),
        ({"kind": "medical", "started_on": today, "ended_on": today - timedelta(days=1)},
         "ended_on"),
        ({"kind": "medical", "started_on": today, "outcome": "maybe"}, "outcome"),
        ({"kind": "medical", "started_on": today, "provider_id": 999_999}, "provider_id"),
    ]  # fmt: skip
    for body, field in bad:
        values = {"provider_id": clinic, "outcome": "provided", **body}
        values = {key: str(v) if hasattr(v, "isoformat") else v for key, v in values.items()}
        response = post(me, f"cases/{kase.code}/services", values)
        assert response.status_code == 422, field
        assert field in response.json()["errors"], field
    assert not ServiceDelivery.objects.exists()
    done = post(me, f"cases/{kase.code}/services",
                {"kind": "dignity_kit", "provider_id": clinic, "started_on": today.isoformat(),
                 "ended_on": today.isoformat(), "outcome": "provided"})  # fmt: skip
    assert done.status_code == 201
    listed = get(me, f"cases/{kase.code}/services").json()
    assert listed["count"] == 1
    assert listed["items"][0] | {"id": 0} == {
        "id": 0, "kind": "dignity_kit", "provider_id": clinic,
        "provider": "Centre de santé de référence Commune I", "started_on": today.isoformat(),
        "ended_on": today.isoformat(), "outcome": "provided",
    }  # fmt: skip


def test_a_plan_is_submitted_by_the_worker_and_decided_by_a_supervisor_of_the_site(
    areas: None,
) -> None:
    kase = case()
    text = "Dormir chez sa tante ; code convenu avec la voisine."
    me = client_for(kase.assigned_worker)
    assert post(me, f"cases/{kase.code}/plans", {"kind": "case", "content": "  "}).json()[
        "errors"
    ].keys() == {"content"}
    assert post(me, f"cases/{kase.code}/plans", {"kind": "budget", "content": text}).json()[
        "errors"
    ].keys() == {"kind"}
    assert not Plan.objects.exists()
    seq = last_seq()
    submitted = post(me, f"cases/{kase.code}/plans", {"kind": "safety", "content": text})
    assert submitted.status_code == 201
    assert submitted.json()["status"] == "submitted"
    assert "content" not in submitted.json()
    plan_id = submitted.json()["id"]

    assert post(me, f"cases/{kase.code}/plans/{plan_id}/decision",
                {"approve": True}).status_code == 403  # fmt: skip
    provider("osc-kayes", "ML010312")
    elsewhere = client_for(supervisor("vbg.sup.kayes", "osc-kayes"))
    for refused in (
        post(elsewhere, f"cases/{kase.code}/plans/{plan_id}/decision", {"approve": True}),
        get(elsewhere, f"cases/{kase.code}/plans"),
    ):
        assert refused.status_code == 404
        assert text not in refused.content.decode()
    assert Plan.objects.get().status == Plan.Status.SUBMITTED

    boss = client_for(supervisor())
    decided = post(boss, f"cases/{kase.code}/plans/{plan_id}/decision", {"approve": True})
    assert decided.status_code == 200
    assert decided.json()["status"] == "approved"
    assert post(boss, f"cases/{kase.code}/plans/{plan_id}/decision",
                {"approve": False}).status_code == 422  # fmt: skip
    [listed] = get(me, f"cases/{kase.code}/plans").json()["items"]
    assert (listed["content"], listed["decided_by"]) == (text, "vbg.superviseure")

    written = entries_since(seq)
    assert {entry.action for entry in written} >= {
        "protection.submit_plan", "protection.decide_plan", "protection.read_case",
    }  # fmt: skip
    for entry in written:
        assert "tante" not in json.dumps(entry.changes) + entry.target_label, entry.action


def test_follow_ups_are_scheduled_listed_with_the_overdue_flag_and_completed(
    areas: None,
) -> None:
    kase = case()
    me = client_for(kase.assigned_worker)
    today = TODAY()
    missing = post(me, f"cases/{kase.code}/follow-ups",
                   {"due_on": today.isoformat(), "purpose": " "})  # fmt: skip
    assert missing.status_code == 422
    assert "purpose" in missing.json()["errors"]
    late = post(me, f"cases/{kase.code}/follow-ups",
                {"due_on": (today - timedelta(days=3)).isoformat(),
                 "purpose": "Rappeler après l'audience."})  # fmt: skip
    soon = post(me, f"cases/{kase.code}/follow-ups",
                {"due_on": (today + timedelta(days=7)).isoformat(), "purpose": "Visite."})  # fmt: skip
    assert (late.status_code, soon.status_code) == (201, 201)
    rows = get(me, f"cases/{kase.code}/follow-ups").json()["items"]
    assert [(row["purpose"], row["is_overdue"]) for row in rows] == [
        ("Rappeler après l'audience.", True), ("Visite.", False),
    ]  # fmt: skip
    late_id = late.json()["id"]
    future = post(me, f"cases/{kase.code}/follow-ups/{late_id}/completion",
                  {"done_on": (today + timedelta(days=1)).isoformat()})  # fmt: skip
    assert future.status_code == 422
    assert "done_on" in future.json()["errors"]
    assert FollowUp.objects.get(pk=late_id).done_on is None
    done = post(me, f"cases/{kase.code}/follow-ups/{late_id}/completion")
    assert done.json()["done_on"] == today.isoformat()
    rows = get(me, f"cases/{kase.code}/follow-ups").json()["items"]
    assert [(row["done_by"], row["is_overdue"]) for row in rows] == [
        ("vbg.gestionnaire", False), (None, False),
    ]  # fmt: skip
    assert post(me, f"cases/{kase.code}/follow-ups/999999/completion").status_code == 404


def test_the_receiving_provider_answers_a_referral_and_only_the_case_side_revokes(
    areas: None,
) -> None:
    kase = case()
    kayes = provider("osc-kayes", "ML010312")
    receiver = client_for(worker("vbg.kayes", "osc-kayes", area="ML010312"))
    me = client_for(kase.assigned_worker)
    referral_consent(kase, "legal")
    sent = post(me, f"cases/{kase.code}/referrals",
                {"to_provider_id": kayes.pk, "service_type": "legal",
                 "message": "Audience le 12."})  # fmt: skip
    referral_id = sent.json()["id"]

    incoming = get(receiver, "referrals").json()["items"]
    assert [(row["id"], row["message"]) for row in incoming] == [(referral_id, "Audience le 12.")]
    assert "name" not in incoming[0]
    admin = UserFactory.create(username="admin.national", role="administrator", national_scope=True)
    assert get(client_for(admin), "referrals").status_code == 403
    # The case worker does not answer for a provider that has its own Jigi staff.
    assert post(me, f"referrals/{referral_id}/response", {"accept": True}).status_code == 404
    assert refusals("not_receiver") == 1
    assert post(receiver, "referrals/999999/response", {"accept": True}).status_code == 404
    assert refusals("missing") == 1
    assert Referral.objects.get().status == Referral.Status.PENDING

    accepted = post(receiver, f"referrals/{referral_id}/response",
                    {"accept": True, "note": "Reçue, rendez-vous lundi."})  # fmt: skip
    assert accepted.json()["status"] == "accepted"
    assert post(receiver, f"referrals/{referral_id}/response",
                {"accept": False}).status_code == 422  # fmt: skip
    # The receiver sees the referral, not the case: it cannot revoke it.
    assert (
        post(receiver, f"cases/{kase.code}/referrals/{referral_id}/revocation").status_code == 404
    )
    seq = last_seq()
    completed = post(receiver, f"referrals/{referral_id}/completion",
                     {"feedback": "Plainte déposée avec l'avocate."})  # fmt: skip
    assert completed.json()["status"] == "completed"
    assert "avocate" not in json.dumps([entry.changes for entry in entries_since(seq)])
    opened = selectors.case_file(kase.assigned_worker, kase.code)
    assert opened.referrals[0][1] == "Plainte déposée avec l'avocate."
    assert post(me, f"cases/{kase.code}/referrals/{referral_id}/revocation").status_code == 422

    again = post(me, f"cases/{kase.code}/referrals",
                 {"to_provider_id": kayes.pk, "service_type": "legal"}).json()["id"]  # fmt: skip
    revoked = post(me, f"cases/{kase.code}/referrals/{again}/revocation",
                   {"reason": "Elle a changé d'avis."})  # fmt: skip
    assert revoked.json()["status"] == "revoked"
    row = Referral.objects.get(pk=again)
    assert (row.revoked_reason, "avis" in row.revoked_note_sealed) == ("case_worker", False)


def test_a_partner_without_staff_has_its_answer_recorded_by_the_case_side(areas: None) -> None:
    kase = case()
    referral_consent(kase, "health")
    me = client_for(kase.assigned_worker)
    sent = post(me, f"cases/{kase.code}/referrals",
                {"to_provider_id": partner().pk, "service_type": "health"}).json()["id"]  # fmt: skip
    assert post(me, f"referrals/{sent}/response", {"accept": True}).json()["status"] == "accepted"
    assert post(me, f"referrals/{sent}/completion").json()["status"] == "completed"


def test_a_supervisor_decides_a_requested_closure_and_the_case_can_be_reopened(
    areas: None,
) -> None:
    kase = case()
    me = client_for(kase.assigned_worker)
    boss = client_for(supervisor())
    assert post(boss, f"cases/{kase.code}/closure/decision", {"approve": True}).status_code == 422
    assert post(me, f"cases/{kase.code}/reopening").status_code == 422
    post(me, f"cases/{kase.code}/closure",
         {"reason": "needs_met", "checklist": list(CLOSURE_CHECKLIST)})  # fmt: skip
    assert post(me, f"cases/{kase.code}/closure/decision", {"approve": True}).status_code == 403
    kase.refresh_from_db()
    assert kase.status == Case.Status.CLOSURE_REQUESTED
    returned = post(boss, f"cases/{kase.code}/closure/decision", {"approve": False})
    assert returned.json()["status"] == "open"
    kase.refresh_from_db()
    services.request_closure(actor=kase.assigned_worker, case=kase, reason="needs_met",
                             checklist=list(CLOSURE_CHECKLIST))  # fmt: skip
    closed = post(boss, f"cases/{kase.code}/closure/decision", {"approve": True})
    assert closed.json()["status"] == "closed"
    reopened = post(me, f"cases/{kase.code}/reopening")
    assert reopened.json()["status"] == "open"
    kase.refresh_from_db()
    assert kase.reopened_times == 1


def test_a_patch_changes_only_the_fields_sent(areas: None) -> None:
    kase = case(name="Aminata Coulibaly", contact="+22376000000")
    client = client_for(kase.assigned_worker)
    path = f"/api/v1/protection/cases/{kase.code}"
    response = client.patch(path, {"risk_level": "high"}, content_type=JSON)
    assert response.status_code == 200
    opened = selectors.case_file(kase.assigned_worker, kase.code)
    assert (opened.name, opened.contact, opened.case.risk_level) == (
        "Aminata Coulibaly", "+22376000000", "high",
    )  # fmt: skip
    client.patch(path, {"contact": ""}, content_type=JSON)  # an empty text clears
    opened = selectors.case_file(kase.assigned_worker, kase.code)
    assert (opened.name, opened.contact) == ("Aminata Coulibaly", "")
    assert client.patch(path, {}, content_type=JSON).status_code == 422
    edits = AuditEntry.objects.filter(action="protection.edit_case").order_by("seq")
    assert [entry.changes["fields"] for entry in edits] == [["risk_level"], ["contact"]]
