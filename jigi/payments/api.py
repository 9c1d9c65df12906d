"""Payments over the API: the same services and selectors as the pages. Cycles are national;
their lines are limited to the caller's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.api import Pagination
from jigi.core.errors import Forbidden, InvalidInput
from jigi.core.models import FundingSource, Job
from jigi.core.schemas import JobOut
from jigi.payments import selectors, services
from jigi.payments.models import PaymentCycle, PaymentLine
from jigi.payments.schemas import CycleIn, CycleOut, LineOut, ReasonIn, ReconciliationOut
from jigi.programmes.models import Programme

router = Router(tags=["payments"])


def _user(request: HttpRequest, perm: str = Perm.PAYMENTS_VIEW) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise Forbidden(_("Votre rôle ne permet pas cette action sur les paiements."))
    return user


@router.get("/payment-cycles", response=list[CycleOut])
@paginate(Pagination)
def list_cycles(
    request: HttpRequest, programme: str = "", status: str = ""
) -> QuerySet[PaymentCycle]:
    """Payment cycles, latest payment date first."""
    return selectors.cycles_for(_user(request), programme=programme, status=status)


@router.post("/payment-cycles", response={201: CycleOut})
def create_cycle(request: HttpRequest, payload: CycleIn) -> Status[PaymentCycle]:
    """Open a programme's next cycle (a draft)."""
    user = _user(request, Perm.PAYMENTS_PREPARE)
    programme = Programme.objects.filter(code=payload.programme).first()
    source = FundingSource.objects.filter(code=payload.funding_source).first()
    errors: dict[str, list[str]] = {}
    if programme is None:
        errors["programme"] = [_("Programme inconnu.")]
    if source is None:
        errors["funding_source"] = [_("Source de financement inconnue.")]
    if programme is None or source is None:
        raise InvalidInput(_("Le cycle de paiement n'est pas valide."), errors)
    cycle = services.create_cycle(
        actor=user, programme=programme, name=payload.name, cycle_on=payload.cycle_on,
        due_on=payload.due_on, funding_source=source,
    )  # fmt: skip
    return Status(201, selectors.get_cycle_for(user, cycle.pk))


@router.get("/payment-cycles/{cycle_id}", response=CycleOut)
def get_cycle(request: HttpRequest, cycle_id: int) -> PaymentCycle:
    return selectors.get_cycle_for(_user(request), cycle_id)


@router.get("/payment-cycles/{cycle_id}/lines", response=list[LineOut])
@paginate(Pagination)
def list_lines(request: HttpRequest, cycle_id: int) -> QuerySet[PaymentLine]:
    """The payroll's lines in your scope, by commune and household."""
    user = _user(request)
    cycle = selectors.get_cycle_for(user, cycle_id)
    return selectors.lines_for(user, cycle).order_by("commune_id", "household__code")


@router.get("/payment-cycles/{cycle_id}/reconciliation", response=ReconciliationOut)
def reconciliation(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """Expected, paid, failed, uncollected and outstanding, by agency and in all."""
    user = _user(request)
    return selectors.reconciliation(user, selectors.get_cycle_for(user, cycle_id))


@router.post("/payment-cycles/{cycle_id}/generate", response={202: JobOut})
def generate(request: HttpRequest, cycle_id: int) -> Status[Job]:
    """Queue the payroll's generation (a draft only; rerunning pays nobody twice)."""
    user = _user(request, Perm.PAYMENTS_PREPARE)
    return Status(
        202, services.start_generation(actor=user, cycle=selectors.get_cycle_for(user, cycle_id))
    )


@router.post("/payment-cycles/{cycle_id}/submit", response=CycleOut)
def submit(request: HttpRequest, cycle_id: int) -> PaymentCycle:
    """Freeze the payroll and hand it over for approval by someone else."""
    user = _user(request, Perm.PAYMENTS_PREPARE)
    return services.submit_cycle(actor=user, cycle=selectors.get_cycle_for(user, cycle_id))


@router.post("/payment-cycles/{cycle_id}/approve", response=CycleOut)
def approve(request: HttpRequest, cycle_id: int) -> PaymentCycle:
    """Approve within the budget; the submitter cannot (403)."""
    user = _user(request, Perm.PAYMENTS_APPROVE)
    return services.approve_cycle(actor=user, cycle=selectors.get_cycle_for(user, cycle_id))


@router.post("/payment-cycles/{cycle_id}/return-to-draft", response=CycleOut)
def return_to_draft(request: HttpRequest, cycle_id: int, payload: ReasonIn) -> PaymentCycle:
    user = _user(request, Perm.PAYMENTS_APPROVE)
    return services.return_to_draft(
        actor=user, cycle=selectors.get_cycle_for(user, cycle_id), reason=payload.reason
    )
