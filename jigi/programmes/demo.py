"""Demo programmes on the demo register, built through the services as officers would:

- Jigisémèjiri cash transfers (15 000 FCFA every 3 months for 36 months, IDA FA2) in the
  communes of the Kayes and Mopti regions: a PMT formula, a targeting run adopted, the Kayes
  region's lists validated by the community (two rejections, one addition) except the demo
  enumerator's commune, left for them to validate, the validated households enrolled, and a
  Component 4 top-up after floods;
- the CNR's multipurpose cash for IDP households in Mopti and Tombouctou: targeted and adopted,
  its list waiting for the CNR agents' validation.

Idempotent: a second `jigi demo` finds the programmes and leaves them as they are."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from jigi.core.models import FundingSource, Organisation
from jigi.programmes import services
from jigi.programmes.models import HouseholdScore, Programme
from jigi.registry.models import Household

CASH_TRANSFERS = "jigisemejiri-fa2"
IDP_CASH = "cnr-amum-pdi"
ENUMERATOR_COMMUNE = "ML010312"  # the demo enumerator's commune: its list waits for them

PMT_TERMS: list[dict[str, Any]] = [
    {"variable": "roof", "transform": "equals", "value": "straw", "weight": -0.30},
    {"variable": "floor", "transform": "equals", "value": "earth", "weight": -0.20},
    {"variable": "water_source", "transform": "equals", "value": "surface", "weight": -0.25},
    {"variable": "toilet", "transform": "equals", "value": "none", "weight": -0.20},
    {"variable": "lighting", "transform": "equals", "value": "grid", "weight": 0.30},
    {"variable": "cattle", "transform": "log1p", "weight": 0.35},
    {"variable": "goats", "transform": "log1p", "weight": 0.10},
    {"variable": "land_hectares", "transform": "value", "weight": 0.05},
    {"variable": "has_motorbike", "transform": "value", "weight": 0.40},
    {"variable": "household_size", "transform": "log1p", "weight": -0.45},
    {"variable": "dependency_ratio", "transform": "value", "weight": -0.15},
]


def _communes(regions: tuple[str, ...], count: int, *, displacement: str = "") -> list[str]:
    rows = Household.objects.filter(status=Household.Status.ACTIVE)
    if displacement:
        rows = rows.filter(displacement=displacement)
    busiest = (
        rows.filter(commune__parent__parent__pcode__in=regions)
        .values("commune_id")
        .annotate(n=Count("id"))
        .order_by("-n", "commune_id")
    )
    return [row["commune_id"] for row in busiest[:count]]


def _quota(commune: str, share: float) -> int:
    households = Household.objects.filter(commune_id=commune, status=Household.Status.ACTIVE)
    return max(1, round(households.count() * share))


def _cash_transfers(today: date) -> dict[str, Any]:
    communes = _communes(("ML01", "ML05"), 200)
    programme = services.create_programme(
        actor=None,
        values={
            "code": CASH_TRANSFERS,
            "name": "Jigisémèjiri – transferts monétaires (FA2)",
            "kind": Programme.Kind.CASH_TRANSFER,
            "organisation": Organisation.objects.get(acronym="UTGFS").pk,
            "description": "Transferts monétaires directs aux ménages pauvres (sous-composante 1A).",
            "transfer_value_xof": 15000,
            "frequency_months": 3,
            "duration_months": 36,
            "conditionalities": "Participation des récipiendaires aux mesures d'accompagnement.",
            "target_groups": ["children_under_5"],
        },
        coverage=[services.CoverageLine(code, _quota(code, 0.4)) for code in communes],
        funding=[services.FundingLine("ida-fa2", 2_500_000_000)],
    )
    programme = services.launch_programme(actor=None, programme=programme)
    services.create_formula(
        actor=None, programme=programme, name="PMT rural 2026", intercept=11.0, terms=PMT_TERMS
    )
    run = services.start_targeting(actor=None, programme=programme, enqueue=False)
    run = services.adopt_run(actor=None, run=services.compute_run(run, on=today))
    listed = list(
        run.scores.filter(
            commune__pcode__startswith="ML01", validation=HouseholdScore.Validation.PENDING
        )
        .exclude(commune_id=ENUMERATOR_COMMUNE)
        .select_related("household", "run")
        .order_by("commune_id", "rank")
    )
    reasons = ("Ménage parti du village depuis la saison sèche", "Ménage aisé selon l'assemblée")
    for index, entry in enumerate(listed):
        rejected = index < len(reasons)
        services.validate_household(
            actor=None,
            score=entry,
            validated=not rejected,
            reason=reasons[index] if rejected else "",
        )
    outside = (
        Household.objects.filter(
            commune__pcode__startswith="ML01",
            commune_id__in=communes,
            status=Household.Status.ACTIVE,
        )
        .exclude(commune_id=ENUMERATOR_COMMUNE)
        .exclude(pk__in=run.scores.exclude(validation="").values("household_id"))
        .order_by("code")
        .first()
    )
    if outside is not None:
        services.add_community_household(
            actor=None, run=run, household=outside, reason="Veuve sans soutien, proposée par le CLC"
        )
    start = today.replace(day=1)
    enrolled = services.enrol_validated(actor=None, programme=programme, start_on=start)
    top_up = services.emergency_top_up(
        actor=None,
        programme=programme,
        communes=[listed[-1].commune_id] if listed else communes[:1],
        shock="Inondations de la saison des pluies",
        amount_xof=10000,
        cycles=2,
        ends_on=start + timedelta(days=180),
    )
    return {
        "communes": len(communes),
        "selected": run.summary["selected"],
        "enrolled": enrolled["enrolled"],
        "top_ups": top_up.summary["households"],
    }


def _idp_cash(today: date) -> dict[str, Any]:
    communes = _communes(("ML05", "ML06"), 6, displacement=Household.Displacement.IDP)
    if not communes:
        return {"communes": 0}
    programme = services.create_programme(
        actor=None,
        values={
            "code": IDP_CASH,
            "name": "CNR – assistance monétaire à usages multiples aux ménages PDI",
            "kind": Programme.Kind.MULTIPURPOSE_CASH,
            "organisation": Organisation.objects.get(acronym="CNR").pk,
            "transfer_value_xof": 50000,
            "frequency_months": 1,
            "duration_months": 3,
            "target_groups": ["idp"],
        },
        coverage=[services.CoverageLine(code, None) for code in communes],
        funding=[services.FundingLine("fonds-multi-donateurs", 150_000_000)],
    )
    programme = services.launch_programme(actor=None, programme=programme)
    services.create_formula(
        actor=None,
        programme=programme,
        name="Vulnérabilité PDI",
        intercept=5.0,
        terms=[
            {"variable": "household_size", "transform": "log1p", "weight": -0.5},
            {"variable": "children_under_5", "transform": "value", "weight": -0.3},
            {"variable": "female_head", "transform": "value", "weight": -0.4},
            {"variable": "cattle", "transform": "log1p", "weight": 0.3},
        ],
    )
    run = services.start_targeting(
        actor=None, programme=programme, criteria={"all": ["idp"]}, enqueue=False
    )
    run = services.adopt_run(actor=None, run=services.compute_run(run, on=today))
    return {"communes": len(communes), "selected": run.summary["selected"]}


def seed() -> dict[str, Any]:
    if Programme.objects.filter(code__in=[CASH_TRANSFERS, IDP_CASH]).exists():
        return {"programmes": Programme.objects.count(), "created": 0}
    if not FundingSource.objects.filter(code="ida-fa2").exists():
        return {"programmes": 0, "skipped": "no demo reference data"}
    today = timezone.localdate()
    return {"cash_transfers": _cash_transfers(today), "idp_cash": _idp_cash(today)}
