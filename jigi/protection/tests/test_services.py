"""Protection's rules through its services: sealed fields, the consent ledger and its gate,
withdrawal taking effect everywhere, plans and closure with a supervisor, key rotation, and bad
input refused, logged and leaving nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from jigi.accounts.tests.factories import UserFactory
from jigi.audit.models import AuditEntry
from jigi.core.errors import Forbidden, InvalidInput, NotFound
from jigi.programmes import services as programmes
from jigi.programmes.models import PriorityReferral
from jigi.programmes.tests.factories import make_programme
from jigi.protection import crypto, selectors, services, statistics
from jigi.protection.checks import protection_key
from jigi.protection.models import Case, Consent, Incident, Plan, Referral
from jigi.protection.tests.factories import (
    case,
    incident,
    partner,
    provider,
    referral_consent,
    supervisor,
    worker,
)
from jigi.protection.tests.test_access import client_for

pytestmark = pytest.mark.django_db


def raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 (test names only)
        return [row[0] for row in cursor.fetchall()]


def test_name_contact_and_narrative_are_stored_only_encrypted(areas: None) -> None:
    kase = case(name="Aminata Coulibaly", contact="+22376000000")
    incident(kase, narrative="Agressée au marché de Médina Coura.")
    stored = raw("protection_case", "name_sealed") + raw("protection_case", "contact_sealed")
    stored += raw("protection_incident", "narrative_sealed")
    assert all(value.startswith("v2.") for value in stored)
    assert not any("Aminata" in v or "76000000" in v or "Médina" in v for v in stored)
    opened = selectors.case_file(kase.assigned_worker, kase.code)
    assert opened.name == "Aminata Coulibaly"
    assert opened.incidents[0].narrative == "Agressée au marché de Médina Coura."
    # The reading is logged with the fields, never their values.
    entry = AuditEntry.objects.filter(action="protection.read_case").latest("seq")
    assert "name" in entry.changes["fields"]
    assert "Aminata" not in str(entry.changes)


def test_a_sealed_value_moved_to_another_field_does_not_open(areas: None) -> None:
    sealed = crypto.seal("secret", field="protection.case.name_sealed", case="VB-1")
    assert crypto.unseal(sealed, field="protection.case.name_sealed", case="VB-1") == "secret"
    with pytest.raises(crypto.SealError):
        crypto.unseal(sealed, field="protection.incident.narrative_sealed", case="VB-1")


def test_a_narrative_copied_into_another_survivors_case_does_not_open(areas: None) -> None:
    """Someone with write access to the database copies one survivor's sealed name and
    narrative into another case they can open: the page shows an error, never the text."""
    first = case(name="Aminata Coulibaly")
    incident(first, narrative="Agressée au marché de Médina Coura.")
    second = case(name="Fanta Diarra")
    incident(second, narrative="Autre récit.")
    Case.objects.filter(pk=second.pk).update(name_sealed=Case.objects.get(pk=first.pk).name_sealed)
    Incident.objects.filter(case=second).update(
        narrative_sealed=Incident.objects.get(case=first).narrative_sealed
    )
    with pytest.raises(crypto.SealError):
        selectors.case_file(second.assigned_worker, second.code)
    assert selectors.case_file(first.assigned_worker, first.code).name == "Aminata Coulibaly"


def test_values_of_the_first_format_open_and_are_resealed_bound_to_their_case(
    areas: None,
) -> None:
    kase = case()
    legacy = crypto.seal("Awa Keïta", field="protection.case.name_sealed")  # before 2026-12-01
    assert legacy.startswith("v1.")
    Case.objects.filter(pk=kase.pk).update(name_sealed=legacy)
    assert selectors.case_file(kase.assigned_worker, kase.code).name == "Awa Keïta"
    assert services.rotate_key()["protection.case.name_sealed"] == 1
    stored = raw("protection_case", "name_sealed")[0]
    assert stored.startswith("v2.")
    assert selectors.case_file(kase.assigned_worker, kase.code).name == "Awa Keïta"


def test_rotate_key_reseals_everything_under_the_new_key(areas: None, settings: object) -> None:
    kase = case(name="Fanta Diarra")
    old = crypto.configured_keys()[0]
    new_key = crypto.generate_key()
    settings.JIGI_PROTECTION_KEY = f"{new_key},{settings.JIGI_PROTECTION_KEY}"  # type: ignore[attr-defined]
    counts = services.rotate_key()
    assert counts["protection.case.name_sealed"] == 1
    stored = raw("protection_case", "name_sealed")[0]
    assert crypto.key_id_of(stored) != old.id
    settings.JIGI_PROTECTION_KEY = new_key  # type: ignore[attr-defined]  # the old key is gone
    assert selectors.case_file(kase.assigned_worker, kase.code).name == "Fanta Diarra"
    assert services.rotate_key()["protection.case.name_sealed"] == 0


def test_incident_in_the_future_is_refused_logged_and_nothing_is_written(areas: None) -> None:
    kase = case()
    before = AuditEntry.objects.filter(action="protection.refused").count()
    with pytest.raises(InvalidInput) as error:
        incident(kase, incident_on=timezone.localdate() + timedelta(days=1))
    assert "incident_on" in error.value.errors
    assert not Incident.objects.exists()
    assert AuditEntry.objects.filter(action="protection.refused").count() == before + 1


def test_the_classifier_decides_the_stored_type_and_step(areas: None) -> None:
    kase = case()
    stored = incident(kase, answers={"penetration": False, "sexual_contact": True},
                      survivor_age=13, perpetrator_relationship="family")  # fmt: skip
    assert (stored.gbv_type, stored.decided_by) == ("sexual_assault", "sexual_contact")
    assert stored.contexts == ["child_sexual_abuse"]


def test_referral_needs_consent_for_that_service_type(areas: None) -> None:
    kase = case()
    clinic = partner()
    with pytest.raises(InvalidInput) as error:
        services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=clinic.pk,
                       service_type="health")  # fmt: skip
    assert "consentement" in str(error.value.errors["service_type"][0])
    assert not Referral.objects.exists()
    referral_consent(kase, "legal")  # consent for another type does not count
    with pytest.raises(InvalidInput):
        services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=clinic.pk,
                       service_type="health")  # fmt: skip
    referral_consent(kase, "health")
    referral = services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=clinic.pk,
                              service_type="health", message="Prise en charge dans les 72 h.")  # fmt: skip
    assert referral.status == Referral.Status.PENDING
    assert referral.age_group == "unknown"
    assert AuditEntry.objects.filter(action="protection.refused").count() == 2


def test_override_without_consent_needs_the_supervisor_permission_and_is_logged(
    areas: None,
) -> None:
    kase = case()
    clinic = partner()
    with pytest.raises(InvalidInput) as error:
        services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=clinic.pk,
                       service_type="safety", override_reason="Danger de mort imminent")  # fmt: skip
    assert "override_reason" in error.value.errors
    boss = supervisor()
    referral = services.refer(actor=boss, case=kase, to_provider_id=clinic.pk,
                              service_type="safety", override_reason="Danger de mort imminent")  # fmt: skip
    assert referral.is_override
    logged = AuditEntry.objects.get(action="protection.consent_override")
    assert logged.actor == boss
    assert logged.changes["override"] is True  # the reason itself is sealed, never logged


def test_withdrawing_consent_revokes_open_referrals_and_removes_from_statistics(
    areas: None,
) -> None:
    kases = [case() for _ in range(7)]
    for kase in kases:
        incident(kase)
    clinic = partner()
    referral_consent(kases[0], "health")
    referral = services.refer(actor=kases[0].assigned_worker, case=kases[0],
                              to_provider_id=clinic.pk, service_type="health")  # fmt: skip
    month = timezone.localdate()
    assert statistics.monthly_table(month, "type").total == 5  # 7 rounded to 5
    assert sum(v or 0 for v in statistics.monthly_table(month, "sex").column_totals) == 5
    statistics_consent = kases[0].consents.get(purpose="statistics")
    services.withdraw_consent(actor=kases[0].assigned_worker, consent=statistics_consent)
    table = statistics.monthly_table(month, "type")
    bamako = [r[0] for r in table.rows].index("ML09")
    assert table.cells[bamako][0] == 6  # rape, Bamako: 6 consented incidents left
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING  # statistics consent covers no referral
    health = kases[0].consents.get(purpose="referral")
    result = services.withdraw_consent(actor=kases[0].assigned_worker, consent=health)
    referral.refresh_from_db()
    assert (result.revoked_referrals, referral.status) == (1, Referral.Status.REVOKED)
    with pytest.raises(InvalidInput):
        services.refer(actor=kases[0].assigned_worker, case=kases[0], to_provider_id=clinic.pk,
                       service_type="health")  # fmt: skip


def test_plans_and_closure_need_a_supervisor_of_the_site(areas: None) -> None:
    kase = case()
    plan = services.submit_plan(actor=kase.assigned_worker, case=kase, kind="safety",
                                content="Dormir chez sa tante ; numéro vert mémorisé.")  # fmt: skip
    with pytest.raises(Forbidden):
        services.decide_plan(actor=kase.assigned_worker, plan=plan, approve=True)
    boss = supervisor()
    assert services.decide_plan(actor=boss, plan=plan, approve=True).status == Plan.Status.APPROVED
    with pytest.raises(InvalidInput) as error:
        services.request_closure(actor=kase.assigned_worker, case=kase, reason="needs_met",
                                 checklist=["needs_reviewed"])  # fmt: skip
    assert "checklist" in error.value.errors
    kase.refresh_from_db()
    assert kase.status == Case.Status.OPEN
    services.request_closure(actor=kase.assigned_worker, case=kase, reason="needs_met",
                             checklist=list(services.CLOSURE_CHECKLIST))  # fmt: skip
    with pytest.raises(Forbidden):
        services.decide_closure(actor=kase.assigned_worker, case=kase, approve=True)
    services.decide_closure(actor=boss, case=kase, approve=True)
    assert kase.status == Case.Status.CLOSED
    services.reopen_case(actor=kase.assigned_worker, case=kase)
    assert (kase.status, kase.reopened_times) == (Case.Status.OPEN, 1)


def test_who_submits_a_plan_or_asks_for_closure_does_not_approve_it(areas: None) -> None:
    boss = supervisor()
    kase = case(boss)  # a supervisor doing case work: another supervisor must decide
    plan = services.submit_plan(actor=boss, case=kase, kind="case",
                                content="Accompagnement psychosocial hebdomadaire.")  # fmt: skip
    with pytest.raises(InvalidInput):
        services.decide_plan(actor=boss, plan=plan, approve=True)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED
    assert AuditEntry.objects.filter(action="protection.refused", actor=boss).exists()
    other = supervisor("vbg.superviseure2")
    assert services.decide_plan(actor=other, plan=plan, approve=True).status == Plan.Status.APPROVED
    services.request_closure(actor=boss, case=kase, reason="needs_met",
                             checklist=list(services.CLOSURE_CHECKLIST))  # fmt: skip
    with pytest.raises(InvalidInput):
        services.decide_closure(actor=boss, case=kase, approve=True)
    kase.refresh_from_db()
    assert kase.status == Case.Status.CLOSURE_REQUESTED
    services.decide_closure(actor=other, case=kase, approve=True)
    assert kase.status == Case.Status.CLOSED


def test_a_follow_up_is_done_once(areas: None) -> None:
    kase = case()
    me = kase.assigned_worker
    follow_up = services.schedule_follow_up(actor=me, case=kase, due_on=timezone.localdate(),
                                            purpose="Appel de suivi")  # fmt: skip
    yesterday = timezone.localdate() - timedelta(days=1)
    services.complete_follow_up(actor=me, follow_up=follow_up, done_on=yesterday)
    with pytest.raises(InvalidInput) as error:
        services.complete_follow_up(actor=me, follow_up=follow_up)
    assert "follow_up" in error.value.errors
    follow_up.refresh_from_db()
    assert follow_up.done_on == yesterday


def test_closure_is_refused_while_a_referral_is_open(areas: None) -> None:
    kase = case()
    referral_consent(kase)
    services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=partner().pk,
                   service_type="health")  # fmt: skip
    with pytest.raises(InvalidInput):
        services.request_closure(actor=kase.assigned_worker, case=kase, reason="needs_met",
                                 checklist=list(services.CLOSURE_CHECKLIST))  # fmt: skip


def test_another_sites_case_worker_cannot_open_or_change_a_case(areas: None) -> None:
    kase = case(name="Awa")
    kayes = worker("vbg.kayes", "osc-kayes", area="ML010312")
    provider("osc-kayes", "ML010312")
    with pytest.raises(NotFound):
        selectors.get_case_for(kayes, kase.code)
    with pytest.raises(NotFound):
        services.update_identity(actor=kayes, case=kase, name="X", contact="", risk_level="high")
    kase.refresh_from_db()
    assert kase.risk_level == "medium"
    refused = AuditEntry.objects.filter(action="protection.refused", actor=kayes)
    assert refused.count() == 2
    assert {e.changes["attempted"] for e in refused} == {"open", "edit"}


def test_the_receiver_sees_the_referral_fields_and_answers_it(areas: None) -> None:
    kase = case(name="Kadiatou")
    kayes_center = provider("osc-kayes", "ML010312")
    receiver = worker("vbg.kayes", "osc-kayes", area="ML010312")
    referral_consent(kase, "psychosocial")
    referral = services.refer(actor=kase.assigned_worker, case=kase,
                              to_provider_id=kayes_center.pk, service_type="psychosocial",
                              message="Suivi de groupe souhaité.")  # fmt: skip
    incoming = selectors.incoming_referrals_for(receiver)
    assert [(r.survivor_code, r.message) for r in incoming] == [
        (kase.code, "Suivi de groupe souhaité.")
    ]
    assert not hasattr(incoming[0], "name")
    read = AuditEntry.objects.get(action="protection.read_referral", actor=receiver)
    assert (read.target_id, read.changes) == (str(referral.pk), {"fields": ["referral.message"]})
    # The case's access history (for the site's supervisors) shows who read the referral.
    history = selectors.case_history(supervisor(), kase, page=1)
    assert [(row.username, row.case_code) for row in history if row.action ==
            "protection.read_referral"] == [("vbg.kayes", kase.code)]  # fmt: skip
    with pytest.raises(NotFound):
        selectors.get_case_for(receiver, kase.code)
    services.respond_to_referral(actor=receiver, referral=referral, accept=True)
    services.complete_referral(actor=receiver, referral=referral, feedback="3 séances faites.")
    assert referral.status == Referral.Status.COMPLETED
    opened = selectors.case_file(kase.assigned_worker, kase.code)
    assert opened.referrals[0][1] == "3 séances faites."
    with pytest.raises(NotFound):
        services.respond_to_referral(actor=kase.assigned_worker, referral=referral, accept=True)


def test_a_case_needs_consent_to_services(areas: None) -> None:
    with pytest.raises(InvalidInput) as error:
        case(services_consent_on=None)
    assert "services_consent_on" in error.value.errors
    assert not Case.objects.exists()
    assert not Consent.objects.exists()


def test_overdue_follow_ups_are_listed_for_the_case_worker(areas: None) -> None:
    kase = case()
    today = timezone.localdate()
    late = services.schedule_follow_up(actor=kase.assigned_worker, case=kase,
                                       due_on=today - timedelta(days=3), purpose="Appel")  # fmt: skip
    services.schedule_follow_up(actor=kase.assigned_worker, case=kase,
                                due_on=today + timedelta(days=3), purpose="Visite")  # fmt: skip
    assert list(selectors.overdue_follow_ups_for(kase.assigned_worker)) == [late]
    services.complete_follow_up(actor=kase.assigned_worker, follow_up=late)
    assert not selectors.overdue_follow_ups_for(kase.assigned_worker).exists()


def test_a_production_configuration_without_a_key_fails_the_deployment_check(settings: Any) -> None:
    settings.JIGI_MODE = "production"
    settings.JIGI_PROTECTION_KEY = ""
    settings.JIGI_PROTECTION_KEY_FILE = ""
    errors = protection_key(None)
    assert [error.id for error in errors] == ["protection.E001"]
    assert "JIGI_PROTECTION_KEY" in errors[0].msg
    settings.JIGI_PROTECTION_KEY = crypto.generate_key()
    assert protection_key(None) == []


def test_a_supervisor_reassigns_a_case_and_the_previous_worker_loses_it(areas: None) -> None:
    kase = case()
    first = kase.assigned_worker
    second = worker("vbg.awa")
    with pytest.raises(Forbidden):
        services.reassign_case(actor=first, case=kase, worker_id=second.pk)
    kayes = worker("vbg.kayes", "osc-kayes", area="ML010312")
    boss = supervisor()
    with pytest.raises(InvalidInput):
        services.reassign_case(actor=boss, case=kase, worker_id=kayes.pk)
    services.reassign_case(actor=boss, case=kase, worker_id=second.pk)
    assert selectors.get_case_for(second, kase.code) == kase
    with pytest.raises(NotFound):
        selectors.get_case_for(first, kase.code)


def test_cash_referral_needs_livelihoods_consent_and_the_case_sees_its_outcome(
    areas: None,
) -> None:
    programme = make_programme()
    kase = case()
    with pytest.raises(InvalidInput):
        services.refer_to_cash_programme(actor=kase.assigned_worker, case=kase,
                                         programme_code=programme.code,
                                         commune_code="ML010312", phone="76 00 00 02")  # fmt: skip
    referral_consent(kase, "livelihoods")
    cash = services.refer_to_cash_programme(actor=kase.assigned_worker, case=kase,
                                            programme_code=programme.code,
                                            commune_code="ML010312", phone="76 00 00 02")  # fmt: skip
    assert selectors.case_file(kase.assigned_worker, kase.code).cash_referrals[0][1] == "À traiter"
    officer = UserFactory.create(username="prog.kayes", role="programme_officer",
                                 scope_areas=["ML01"])  # fmt: skip
    priority = PriorityReferral.objects.get(pk=cash.priority_referral_id)
    programmes.settle_priority_referral(actor=officer, referral=priority, status="enrolled")
    assert selectors.case_file(kase.assigned_worker, kase.code).cash_referrals[0][1] == "Inscrit"


def test_too_long_texts_are_refused_not_cut_short(areas: None) -> None:
    kase = case()
    me = kase.assigned_worker
    with pytest.raises(InvalidInput) as error:
        services.schedule_follow_up(actor=me, case=kase, due_on=timezone.localdate(),
                                    purpose="x" * 121)  # fmt: skip
    assert "purpose" in error.value.errors
    with pytest.raises(InvalidInput) as error:
        services.give_consent(actor=me, case=kase, purpose="referral", service_type="legal",
                              given_on=timezone.localdate(), scope_note="y" * 201)  # fmt: skip
    assert "scope_note" in error.value.errors
    assert not kase.follow_ups.exists()
    assert not kase.consents.filter(service_type="legal").exists()


def test_a_closed_case_takes_no_new_work_until_reopened(areas: None) -> None:
    kase = case()
    me, boss = kase.assigned_worker, supervisor()
    services.request_closure(actor=me, case=kase, reason="needs_met",
                             checklist=list(services.CLOSURE_CHECKLIST))  # fmt: skip
    services.decide_closure(actor=boss, case=kase, approve=True)
    with pytest.raises(InvalidInput) as error:
        incident(kase)
    assert "case" in error.value.errors
    with pytest.raises(InvalidInput):
        services.record_service(actor=me, case=kase, kind="medical", provider_id=kase.provider_id,
                                started_on=timezone.localdate(), outcome="provided")  # fmt: skip
    with pytest.raises(InvalidInput):
        services.update_identity(actor=me, case=kase, risk_level="high")
    assert not kase.incidents.exists()
    assert not kase.services.exists()
    services.reopen_case(actor=me, case=kase)
    incident(kase)
    assert kase.incidents.count() == 1


def test_withdrawing_consent_to_services_stops_new_work_and_keeps_the_file(areas: None) -> None:
    kase = case()
    me = kase.assigned_worker
    incident(kase)
    consent = kase.consents.get(purpose="services")
    services.withdraw_consent(actor=me, consent=consent)
    with pytest.raises(InvalidInput) as error:
        services.submit_plan(actor=me, case=kase, kind="case", content="Suivi.")
    assert "consentement" in error.value.errors["case"][0]
    with pytest.raises(InvalidInput):
        services.schedule_follow_up(actor=me, case=kase, due_on=timezone.localdate(),
                                    purpose="Appel")  # fmt: skip
    assert kase.incidents.count() == 1  # what was done stays on file
    assert selectors.case_file(me, kase.code).incidents
    # The survivor may come back to the services: recorded again, the work goes on.
    services.give_consent(actor=me, case=kase, purpose="services", given_on=timezone.localdate())
    services.submit_plan(actor=me, case=kase, kind="case", content="Suivi.")


def test_probing_a_referral_id_on_the_web_is_logged(areas: None) -> None:
    kase = case()
    kayes_center = provider("osc-kayes", "ML010312")
    referral_consent(kase, "legal")
    referral = services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=kayes_center.pk,
                              service_type="legal", message="Plainte à déposer.")  # fmt: skip
    stranger = worker("vbg.segou", "osc-segou", area="ML040101")
    response = client_for(stranger).post(f"/protection/referrals/{referral.pk}/accept/")
    assert response.status_code == 404
    refused = AuditEntry.objects.get(action="protection.refused", actor=stranger)
    assert refused.target_label == f"referral:{referral.pk}"
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_a_revoked_referral_shows_its_receiver_only_code_and_status(areas: None) -> None:
    kase = case()
    kayes_center = provider("osc-kayes", "ML010312")
    receiver = worker("vbg.kayes", "osc-kayes", area="ML010312")
    referral_consent(kase, "legal")
    referral = services.refer(actor=kase.assigned_worker, case=kase, to_provider_id=kayes_center.pk,
                              service_type="legal", message="Plainte à déposer.")  # fmt: skip
    services.revoke_referral(
        actor=kase.assigned_worker, referral=referral, reason="Elle a changé d'avis"
    )
    (seen,) = selectors.incoming_referrals_for(receiver)
    assert (seen.survivor_code, seen.status) == (kase.code, "revoked")
    assert (seen.message, seen.survivor_sex, seen.age_group, seen.urgency) == ("", "", "", "")
