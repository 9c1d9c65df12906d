"""Demo payments: Orange Money pays the Jigisémèjiri households of the Kayes region and Moov
Money those of Mopti, with the IDA FA2 budget for the year; the first cycle's payroll is
generated and submitted, waiting for the payment officer `paiements` to approve it (the
maker-checker: the demo system prepared it). Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from jigi.core.models import AdminArea, FundingSource, Organisation
from jigi.payments import services
from jigi.payments.models import AgencyAssignment, Budget, PaymentAgency, PaymentCycle
from jigi.programmes.models import Programme

AGENCIES = (
    ("orange-money", "Orange Money Mali", "Orange Money", "ML01", "OM-UTGFS-2026-01"),
    ("moov-money", "Moov Money Mali", "Moov Money", "ML05", "MOOV-UTGFS-2026-02"),
)


def seed() -> dict[str, Any]:
    programme = Programme.objects.filter(code="jigisemejiri-fa2").first()
    if programme is None or PaymentCycle.objects.filter(programme=programme).exists():
        return {"cycles": PaymentCycle.objects.count(), "created": 0}
    today = timezone.localdate()
    for code, name, acronym, region, contract in AGENCIES:
        agency, _created = PaymentAgency.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "organisation": Organisation.objects.filter(acronym=acronym).first(),
                "kind": PaymentAgency.Kind.MOBILE_MONEY,
                "contract_reference": contract,
                "contract_starts_on": today.replace(month=1, day=1),
                "fee_basis_points": 150,
            },
        )
        AgencyAssignment.objects.get_or_create(
            programme=programme, region=AdminArea.objects.get(pcode=region), agency=agency
        )
    source = FundingSource.objects.get(code="ida-fa2")
    cycle_on = today + timedelta(days=7)
    Budget.objects.get_or_create(
        funding_source=source, programme=programme, year=cycle_on.year,
        defaults={"amount_xof": 50_000_000},
    )  # fmt: skip
    cycle = services.create_cycle(
        actor=None,
        programme=programme,
        name=f"{cycle_on.year} – cycle 1",
        cycle_on=cycle_on,
        due_on=cycle_on + timedelta(days=7),
        funding_source=source,
    )
    cycle = services.submit_cycle(
        actor=None, cycle=services.generate_payroll(actor=None, cycle=cycle)
    )
    return {"cycle": cycle.name, **cycle.totals}
