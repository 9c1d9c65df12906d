"""Providers, staff and cases of the One Stop Center of Bamako Commune I (and one in Kayes for
"another site"), made through the services as a case worker would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.core.models import Site
from jigi.core.tests.factories import SiteFactory
from jigi.protection import services
from jigi.protection.models import Case, Incident, Provider, ServiceType

BAMAKO_COMMUNE_I = "ML090101"
BAMAKO_REGION = "ML09"
KAYES_COMMUNE = "ML010312"

NO_ANSWERS: dict[str, bool] = {
    "penetration": False,
    "sexual_contact": False,
    "physical_violence": False,
    "forced_marriage": False,
    "denial": False,
    "psychological": False,
    "money_exchanged": False,
    "abducted": False,
    "harmful_practice": False,
}


def site(code: str = "osc-bamako-c1", area: str = BAMAKO_COMMUNE_I) -> Site:
    found = Site.objects.filter(code=code).first()
    return found or SiteFactory.create(
        code=code, name=f"One Stop Center {code}", kind=Site.Kind.ONE_STOP_CENTER, area_id=area
    )


def provider(code: str = "osc-bamako-c1", area: str = BAMAKO_COMMUNE_I, **values: Any) -> Provider:
    where = site(code, area)
    found = Provider.objects.filter(site=where).first()
    if found:
        return found
    return Provider.objects.create(
        name=values.pop("name", where.name),
        kind=values.pop("kind", Provider.Kind.ONE_STOP_CENTER),
        site=where,
        area_id=area,
        services=values.pop("services", list(ServiceType.values)),
        **values,
    )


def partner(name: str = "Centre de santé de référence Commune I") -> Provider:
    """A health centre without Jigi users of its own, that referrals go to."""
    return Provider.objects.get_or_create(
        name=name, defaults={"kind": Provider.Kind.HEALTH_CENTRE, "area_id": BAMAKO_COMMUNE_I,
                             "services": [ServiceType.HEALTH]},
    )[0]  # fmt: skip


def worker(username: str = "vbg.gestionnaire", code: str = "osc-bamako-c1", **values: Any) -> User:
    where = site(code, values.pop("area", BAMAKO_COMMUNE_I))
    return User.objects.filter(username=username).first() or UserFactory.create(
        username=username, role=values.pop("role", "gbv_case_worker"), scope_sites=[where], **values
    )


def supervisor(username: str = "vbg.superviseure", code: str = "osc-bamako-c1") -> User:
    return worker(username, code, role="gbv_supervisor")


def case(actor: User | None = None, *, statistics: bool = True, **values: Any) -> Case:
    actor = actor or worker()
    where = provider(values.pop("site_code", "osc-bamako-c1"), values.pop("area", BAMAKO_COMMUNE_I))
    data = services.NewCase(
        provider_id=where.pk,
        survivor_sex=values.pop("survivor_sex", "female"),
        risk_level=values.pop("risk_level", "medium"),
        services_consent_on=values.pop("services_consent_on", timezone.localdate()),
        statistics_consent=statistics,
        **values,
    )
    return services.open_case(actor=actor, data=data)


def incident(
    kase: Case, actor: User | None = None, *, region: str = BAMAKO_REGION, **values: Any
) -> Incident:
    answers = {**NO_ANSWERS, "penetration": True, **values.pop("answers", {})}
    today = timezone.localdate()
    data = services.NewIncident(
        reported_on=values.pop("reported_on", today),
        incident_on=values.pop("incident_on", today - timedelta(days=2)),
        region_code=region,
        survivor_age=values.pop("survivor_age", 24),
        perpetrator_relationship=values.pop("perpetrator_relationship", "stranger"),
        answers=answers,
        **values,
    )
    return services.record_incident(actor=actor or kase.assigned_worker, case=kase, data=data)


def referral_consent(kase: Case, service_type: str = ServiceType.HEALTH) -> None:
    services.give_consent(
        actor=kase.assigned_worker, case=kase, purpose="referral", service_type=service_type,
        given_on=timezone.localdate(),
    )  # fmt: skip


__all__ = [
    "case", "incident", "partner", "provider", "referral_consent", "site", "supervisor", "worker",
]  # fmt: skip
