"""Payments over the API: the same services and selectors as the pages. Cycles are national;
their lines are limited to the caller's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from ninja.pagination import paginate

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.api import Pagination
from jigi.core.errors import Forbidden, InvalidInput, NotFound
from jigi.core.models import FundingSource, Job
from jigi.core.schemas import JobOut
from jigi.payments import selectors, services
from jigi.payments.models import PaymentAgency, PaymentCycle, PaymentFile, PaymentLine, ReturnImport
from jigi.payments.schemas import (
    ComplianceOut,
    CycleIn,
    CycleOut,
    LineOut,
    PaymentFileOut,
    ReasonIn,
    ReconciliationOut,
    ReturnImportOut,
)
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


@router.post("/payment-cycles/{cycle_id}/compliance", response=ComplianceOut)
def import_compliance(
    request: HttpRequest,
    cycle_id: int,
    file: File[UploadedFile],
    apply_valid: Form[bool] = False,
) -> services.ComplianceImport:
    """Who met the conditionalities (CSV or XLSX: household_code, compliant, reason) for a
    draft cycle. With problems nothing is written unless `apply_valid` is true."""
    user = _user(request, Perm.PAYMENTS_PREPARE)
    return services.import_compliance(
        actor=user, cycle=selectors.get_cycle_for(user, cycle_id), file_name=file.name or "",
        content=file.read(), apply_valid=apply_valid,
    )  # fmt: skip


@router.get("/payment-cycles/{cycle_id}/files", response=list[PaymentFileOut])
def list_files(request: HttpRequest, cycle_id: int) -> QuerySet[PaymentFile]:
    """The files handed to agencies, with their control totals and SHA-256."""
    user = _user(request)
    return selectors.get_cycle_for(user, cycle_id).files.select_related("agency")


@router.post("/payment-cycles/{cycle_id}/files", response={200: None})
def export_file(
    request: HttpRequest, cycle_id: int, agency: str = "", file_format: str = "csv"
) -> HttpResponse:
    """Download an approved payroll's file for one agency (its code; empty for the lines
    without one) in the agency's layout: `csv`, `xlsx` or `json` (DCI disburse). The first
    file sends the cycle."""
    user = _user(request, Perm.PAYMENTS_APPROVE)
    cycle = selectors.get_cycle_for(user, cycle_id)
    target = None
    if agency:
        target = PaymentAgency.objects.filter(code=agency).first()
        if target is None:
            raise NotFound(_("Agence inconnue : %(code)s.") % {"code": agency})
    file = services.export_agency_file(
        actor=user, cycle=cycle, agency=target, file_format=file_format
    )
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    response["X-Content-SHA256"] = file.record.sha256
    return response


@router.post("/payment-cycles/{cycle_id}/returns", response={201: ReturnImportOut})
def check_returns(
    request: HttpRequest, cycle_id: int, file: File[UploadedFile]
) -> Status[ReturnImport]:
    """Check an agency's return file (CSV, XLSX or a DCI disburse response in JSON) line by
    line; nothing is applied until `…/apply`."""
    user = _user(request, Perm.PAYMENTS_PREPARE)
    checked = services.check_returns(
        actor=user, cycle=selectors.get_cycle_for(user, cycle_id), file_name=file.name or "",
        content=file.read(),
    )  # fmt: skip
    return Status(201, checked)


@router.get("/payment-cycles/{cycle_id}/returns/{returns_id}", response=ReturnImportOut)
def get_returns(request: HttpRequest, cycle_id: int, returns_id: int) -> ReturnImport:
    user = _user(request)
    return _returns(user, cycle_id, returns_id)


@router.post("/payment-cycles/{cycle_id}/returns/{returns_id}/apply", response=ReturnImportOut)
def apply_returns(request: HttpRequest, cycle_id: int, returns_id: int) -> ReturnImport:
    """Apply a checked file's valid lines; a file is never applied twice."""
    user = _user(request, Perm.PAYMENTS_PREPARE)
    return services.apply_returns(actor=user, returns=_returns(user, cycle_id, returns_id))


def _returns(user: User, cycle_id: int, returns_id: int) -> ReturnImport:
    checked = selectors.get_cycle_for(user, cycle_id).returns.filter(pk=returns_id).first()
    if checked is None:
        raise NotFound(_("Fichier de retour inconnu."))
    return checked


@router.post("/payment-cycles/{cycle_id}/reconcile", response=CycleOut)
def reconcile(request: HttpRequest, cycle_id: int) -> PaymentCycle:
    """Every line has its outcome: the cycle is reconciled."""
    user = _user(request, Perm.PAYMENTS_APPROVE)
    return services.reconcile_cycle(actor=user, cycle=selectors.get_cycle_for(user, cycle_id))


@router.post("/payment-cycles/{cycle_id}/close", response=CycleOut)
def close(request: HttpRequest, cycle_id: int) -> PaymentCycle:
    """Close a reconciled cycle for good."""
    user = _user(request, Perm.PAYMENTS_APPROVE)
    return services.close_cycle(actor=user, cycle=selectors.get_cycle_for(user, cycle_id))
