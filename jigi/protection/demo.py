"""Demo providers and cases: the ten One Stop Centers of the Spotlight Initiative (Kayes,
Koulikoro, Sikasso, Ségou, Bamako; 250,000 USD each; listening, orientation, individual and
group therapy, medical, legal, psychosocial and socio-economic reinsertion), partner providers
(health centres, legal aid, safe house, police focal point, livelihoods, Ménaka), and a few
cases of `vbg.gestionnaire` at Bamako Commune I. Idempotent. The demo GBV users set up their
second factor at first sign-in."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from jigi.accounts.models import User
from jigi.core.models import FundingSource, Organisation, Site
from jigi.protection import services
from jigi.protection.models import Case, Provider, ServiceType

OSC_SERVICES = [
    ServiceType.HEALTH, ServiceType.PSYCHOSOCIAL, ServiceType.LEGAL, ServiceType.SAFETY,
    ServiceType.LIVELIHOODS,
]  # fmt: skip
OSC_HOURS = "Écoute et orientation tous les jours, 8 h – 17 h ; stratégies avancées en communauté"
BAMAKO_HANDOVER = date(2021, 7, 13)  # Communes I and IV received theirs on 13 July 2021

PARTNERS = (
    ("Centre de santé de référence de la Commune I", Provider.Kind.HEALTH_CENTRE, "ML090101",
     [ServiceType.HEALTH]),
    ("Clinique juridique de Bamako", Provider.Kind.LEGAL_AID, "ML090102", [ServiceType.LEGAL]),
    ("Maison sûre de Bamako", Provider.Kind.SAFE_HOUSE, "ML090103",
     [ServiceType.SHELTER, ServiceType.SAFETY]),
    ("Point focal VBG – Commissariat du 1er arrondissement", Provider.Kind.POLICE, "ML090101",
     [ServiceType.SAFETY]),
    ("Partenaire AGR de Kayes", Provider.Kind.LIVELIHOODS, "ML010312", [ServiceType.LIVELIHOODS]),
    ("Centre de santé de référence de Ménaka", Provider.Kind.HEALTH_CENTRE, "ML100101",
     [ServiceType.HEALTH, ServiceType.PSYCHOSOCIAL]),
)  # fmt: skip

NO = {
    "penetration": False, "sexual_contact": False, "physical_violence": False,
    "forced_marriage": False, "denial": False, "psychological": False,
    "money_exchanged": False, "abducted": False, "harmful_practice": False,
}  # fmt: skip


def _providers() -> int:
    spotlight = FundingSource.objects.filter(code="spotlight").first()
    created = 0
    for site in Site.objects.filter(kind=Site.Kind.ONE_STOP_CENTER):
        _provider, made = Provider.objects.get_or_create(
            site=site,
            defaults={
                "name": site.name, "kind": Provider.Kind.ONE_STOP_CENTER, "area": site.area,
                "organisation": site.organisation, "services": OSC_SERVICES,
                "opening_details": OSC_HOURS, "budget_amount": 250_000, "budget_currency": "USD",
                "funding_source": spotlight,
                "opened_on": BAMAKO_HANDOVER if site.area_id.startswith("ML09") else None,
            },
        )  # fmt: skip
        created += made
    ngo = Organisation.objects.filter(kind=Organisation.Kind.NGO).first()
    for name, kind, area, offered in PARTNERS:
        _provider, made = Provider.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "area_id": area, "services": offered, "organisation": ngo},
        )
        created += made
    return created


def _cases(worker: User, boss: User | None) -> int:
    center = Provider.objects.get(site__code="osc-bamako-c1")
    today = timezone.localdate()
    health = Provider.objects.get(name=PARTNERS[0][0])
    first = services.open_case(actor=worker, data=services.NewCase(
        provider_id=center.pk, survivor_sex="female", risk_level="high",
        services_consent_on=today - timedelta(days=20), survivor_birth_year=2001,
        name="(démo) Survivante A", statistics_consent=True,
    ))  # fmt: skip
    services.record_incident(actor=worker, case=first, data=services.NewIncident(
        reported_on=today - timedelta(days=20), incident_on=today - timedelta(days=22),
        region_code="ML09", survivor_age=24, perpetrator_relationship="stranger",
        answers={**NO, "penetration": True, "physical_violence": True},
        narrative="Récit de démonstration (fictif).",
    ))  # fmt: skip
    services.record_assessment(actor=worker, case=first, data=services.NewAssessment(
        risk_level="high", health_needs=True, psychosocial_needs=True, safety_needs=True,
    ))  # fmt: skip
    services.record_service(actor=worker, case=first, kind="medical", provider_id=center.pk,
                            started_on=today - timedelta(days=20), outcome="provided")  # fmt: skip
    services.record_service(actor=worker, case=first, kind="dignity_kit", provider_id=center.pk,
                            started_on=today - timedelta(days=20), outcome="provided")  # fmt: skip
    services.give_consent(actor=worker, case=first, purpose="referral", service_type="health",
                          given_on=today - timedelta(days=19))  # fmt: skip
    services.refer(actor=worker, case=first, to_provider_id=health.pk, service_type="health",
                   urgency="urgent", message="Suivi médical (PEP) à 72 h.")  # fmt: skip
    services.submit_plan(actor=worker, case=first, kind="safety",
                         content="Hébergement chez une tante ; numéro de la ligne verte.")  # fmt: skip
    services.schedule_follow_up(actor=worker, case=first, due_on=today - timedelta(days=2),
                                purpose="Appel de suivi psychosocial")  # fmt: skip
    second = services.open_case(actor=worker, data=services.NewCase(
        provider_id=center.pk, survivor_sex="female", risk_level="medium",
        services_consent_on=today - timedelta(days=5), survivor_birth_year=2009,
        statistics_consent=True,
    ))  # fmt: skip
    services.record_incident(actor=worker, case=second, data=services.NewIncident(
        reported_on=today - timedelta(days=5), incident_on=today - timedelta(days=30),
        region_code="ML09", survivor_age=15, perpetrator_relationship="family",
        answers={**NO, "forced_marriage": True, "harmful_practice": True},
    ))  # fmt: skip
    services.record_service(actor=worker, case=second, kind="psychosocial_group",
                            provider_id=center.pk, started_on=today - timedelta(days=4),
                            outcome="ongoing")  # fmt: skip
    services.schedule_follow_up(actor=worker, case=second, due_on=today + timedelta(days=7),
                                purpose="Séance de thérapie de groupe")  # fmt: skip
    third = services.open_case(actor=worker, data=services.NewCase(
        provider_id=center.pk, survivor_sex="male", risk_level="low",
        services_consent_on=today - timedelta(days=40),
    ))  # fmt: skip
    services.record_incident(actor=worker, case=third, data=services.NewIncident(
        reported_on=today - timedelta(days=40), incident_on=today - timedelta(days=41),
        region_code="ML09", survivor_age=34, perpetrator_relationship="armed_actor",
        answers={**NO, "psychological": True},
    ))  # fmt: skip
    if boss is not None:
        services.request_closure(actor=worker, case=third, reason="needs_met",
                                 checklist=list(services.CLOSURE_CHECKLIST))  # fmt: skip
    return 3


def seed() -> dict[str, Any]:
    providers = _providers()
    worker = User.objects.filter(username="vbg.gestionnaire").first()
    boss = User.objects.filter(username="vbg.superviseure").first()
    cases = 0
    center = Provider.objects.filter(site__code="osc-bamako-c1").exists()
    if worker is not None and center and not Case.objects.exists():
        cases = _cases(worker, boss)
    return {"providers": Provider.objects.count(), "created_providers": providers,
            "cases": Case.objects.count(), "created_cases": cases}  # fmt: skip
