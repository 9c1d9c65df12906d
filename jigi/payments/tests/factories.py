"""A launched programme with enrolled households and a draft cycle, built through services."""

from __future__ import annotations

from datetime import date
from typing import Any

from jigi.core.models import FundingSource
from jigi.payments import services
from jigi.payments.models import Budget, PaymentCycle
from jigi.programmes import services as programmes
from jigi.programmes.models import Enrolment, Programme
from jigi.programmes.tests.factories import household, make_programme

START = date(2027, 1, 1)
CYCLE_ON = date(2027, 3, 1)


def enrolled(programme: Programme, **household_values: Any) -> Enrolment:
    family = household(**household_values)
    return programmes.enrol_household(
        actor=None, programme=programme, household=family, start_on=START
    )


def cycle_for(
    programme: Programme, *, number_on: date = CYCLE_ON, budget: int = 10**9
) -> PaymentCycle:
    source = FundingSource.objects.get(code="ida-fa2")
    Budget.objects.get_or_create(
        funding_source=source, programme=programme, year=number_on.year,
        defaults={"amount_xof": budget},
    )  # fmt: skip
    return services.create_cycle(
        actor=None,
        programme=programme,
        name=f"{number_on.year} – cycle {PaymentCycle.objects.filter(programme=programme).count() + 1}",
        cycle_on=number_on,
        due_on=number_on,
        funding_source=source,
    )


__all__ = ["CYCLE_ON", "START", "cycle_for", "enrolled", "make_programme"]
