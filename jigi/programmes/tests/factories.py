"""Programmes built through the services, as an officer would (Kayes communes by default)."""

from __future__ import annotations

from datetime import date
from typing import Any

from jigi.core.models import FundingSource
from jigi.core.tests.factories import FundingSourceFactory, OrganisationFactory
from jigi.programmes import services
from jigi.programmes.models import Formula, Programme
from jigi.registry.models import Household, Individual
from jigi.registry.tests.factories import HouseholdFactory, IndividualFactory

KAYES_COMMUNE = "ML010312"
KITA_COMMUNE = "ML010513"


def programme_values(**overrides: Any) -> dict[str, Any]:
    organisation = OrganisationFactory.create(name="UTGFS", kind="ministry")
    values: dict[str, Any] = {
        "code": "jigisemejiri-fa2",
        "name": "Jigisémèjiri – transferts monétaires FA2",
        "kind": Programme.Kind.CASH_TRANSFER,
        "organisation": organisation.pk,
        "transfer_value_xof": 15000,
        "frequency_months": 3,
        "duration_months": 36,
        "conditionalities": "Participation aux mesures d'accompagnement",
    }
    values.update(overrides)
    return values


def make_programme(
    *,
    quotas: dict[str, int | None] | None = None,
    launch: bool = True,
    **overrides: Any,
) -> Programme:
    source = FundingSource.objects.filter(code="ida-fa2").first() or FundingSourceFactory.create(
        code="ida-fa2", name="IDA FA2"
    )
    programme = services.create_programme(
        actor=None,
        values=programme_values(**overrides),
        coverage=[
            services.CoverageLine(commune, quota)
            for commune, quota in (quotas or {KAYES_COMMUNE: None}).items()
        ],
        funding=[services.FundingLine(source.code, 1_000_000_000)],
    )
    if launch:
        programme = services.launch_programme(actor=None, programme=programme)
    return programme


def make_formula(programme: Programme, **overrides: Any) -> Formula:
    """Poorer households score lower: a straw roof, no cattle, many young children."""
    values: dict[str, Any] = {
        "name": "PMT rural",
        "intercept": 10.0,
        "terms": [
            {"variable": "roof", "transform": "equals", "value": "straw", "weight": -1.0},
            {"variable": "cattle", "transform": "log1p", "weight": 0.5},
            {"variable": "children_under_5", "transform": "value", "weight": -0.25},
        ],
    }
    values.update(overrides)
    return services.create_formula(actor=None, programme=programme, **values)


def household(
    *,
    commune: str = KAYES_COMMUNE,
    roof: str = "straw",
    cattle: int = 0,
    children: int = 0,
    village: str = "Liberté",
    head: dict[str, Any] | None = None,
    **values: Any,
) -> Household:
    """A household with an adult head (and a spouse), ``children`` under five."""
    created = HouseholdFactory.create(
        commune_id=commune,
        roof=roof,
        cattle=cattle,
        village=village,
        head={"given_names": "Moussa", "sex": "M", "birth_date": date(1975, 3, 1), **(head or {})},
        **values,
    )
    IndividualFactory.create(
        household=created,
        given_names="Awa",
        sex="F",
        birth_date=date(1982, 5, 2),
        relationship="spouse",
    )
    for index in range(children):
        IndividualFactory.create(
            household=created,
            given_names=f"Enfant {index}",
            birth_date=date(2024, 1, 1 + index),
            relationship=Individual.Relationship.CHILD,
        )
    return created
