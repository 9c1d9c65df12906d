"""Payment pages: cycles, their payroll with totals and anomalies, and the maker-checker."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.errors import Conflict, Forbidden, InvalidInput
from jigi.core.http import add_errors_to_form, domain_errors, paginate
from jigi.payments import selectors, services
from jigi.payments.forms import (
    AssignmentForm,
    ComplianceForm,
    CycleForm,
    ReasonForm,
    ReturnsForm,
)
from jigi.payments.layouts import FORMAT_LABELS, LAYOUTS
from jigi.payments.models import PaymentAgency, PaymentCycle, ReturnImport


def _user(request: HttpRequest, perm: str = Perm.PAYMENTS_VIEW) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise PermissionDenied
    return user


@login_required
@domain_errors
def cycle_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = selectors.cycles_for(
        user, programme=request.GET.get("programme", ""), status=request.GET.get("status", "")
    )
    context = {
        "page": paginate(request, rows),
        "filters": request.GET,
        "statuses": PaymentCycle.Status.choices,
        "can_prepare": has_perm(user, Perm.PAYMENTS_PREPARE),
    }
    return render(request, "payments/cycle_list.html", context)


@login_required
@domain_errors
def cycle_create(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.PAYMENTS_PREPARE)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.create_cycle(actor=user, **form.values())
            messages.success(request, _("Cycle créé. Générez maintenant sa liste de paiement."))
            return redirect("payments:cycle", cycle_id=cycle.pk)
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
    return render(request, "payments/cycle_form.html", {"form": form})


@login_required
@domain_errors
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request)
    cycle = selectors.get_cycle_for(user, cycle_id)
    context = {
        "cycle": cycle,
        "by_region": selectors.totals_by(user, cycle, "region"),
        "by_agency": selectors.totals_by(user, cycle, "agency"),
        "anomalies": selectors.anomalies(user, cycle),
        "changes": selectors.changes_from_previous(user, cycle),
        "budget": services.budget_position(cycle),
        "page": paginate(
            request, selectors.lines_for(user, cycle).order_by("commune__name", "household__code")
        ),
        "filters": request.GET,
        "can_prepare": has_perm(user, Perm.PAYMENTS_PREPARE),
        "can_approve": has_perm(user, Perm.PAYMENTS_APPROVE) and cycle.submitted_by_id != user.pk,
        "reason_form": ReasonForm(),
        "agency_files": _agency_files(cycle),
        "compliance": selectors.compliance_summary(cycle),
        "compliance_form": ComplianceForm(),
        "files": cycle.files.select_related("agency", "created_by"),
        "returns": cycle.returns.all()[:20],
        "reconciliation": selectors.reconciliation(user, cycle)
        if cycle.status not in {PaymentCycle.Status.DRAFT, PaymentCycle.Status.SUBMITTED}
        else None,
        "returns_form": ReturnsForm(),
    }
    return render(request, "payments/cycle_detail.html", context)


def _agency_files(cycle: PaymentCycle) -> list[dict[str, object]]:
    """One row per agency paying lines of the cycle (and one for lines without an agency),
    with the formats its layout offers."""
    targets: list[tuple[str, str, str]] = [
        (agency.code, agency.name, agency.file_layout)
        for agency in PaymentAgency.objects.filter(lines__cycle=cycle).distinct()
    ]
    if cycle.lines.filter(agency__isnull=True).exists():
        targets.append(("", _("Lignes sans agence (région non affectée)"), "default"))
    layouts = dict(PaymentAgency.Layout.choices)
    return [
        {
            "code": code,
            "label": label,
            "layout": layouts[layout],
            "formats": [(name, FORMAT_LABELS[name]) for name in LAYOUTS[layout].formats],
        }
        for code, label, layout in targets
    ]


@login_required
@require_POST
@domain_errors
def cycle_compliance(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Import who met the conditionalities; with problems, show them and write nothing
    unless the officer ticked "keep the valid lines"."""
    user = _user(request, Perm.PAYMENTS_PREPARE)
    cycle = selectors.get_cycle_for(user, cycle_id)
    form = ComplianceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choisissez le fichier de conformité (CSV ou XLSX)."))
        return redirect("payments:cycle", cycle_id=cycle.pk)
    upload = form.cleaned_data["file"]
    try:
        result = services.import_compliance(
            actor=user,
            cycle=cycle,
            file_name=upload.name,
            content=upload.read(),
            apply_valid=form.cleaned_data["apply_valid"],
        )
    except InvalidInput as exc:
        messages.error(request, exc.full_message())
        return redirect("payments:cycle", cycle_id=cycle.pk)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("payments:cycle", cycle_id=cycle.pk)
    if result.errors:
        context = {"cycle": cycle, "result": result, "file_name": upload.name}
        return render(request, "payments/compliance_result.html", context, status=400)
    messages.success(
        request,
        _("Conformité enregistrée : %(written)s ménage(s), dont %(non)s non conforme(s).")
        % {"written": result.written, "non": result.non_compliant},
    )
    return redirect("payments:cycle", cycle_id=cycle.pk)


@login_required
@require_POST
@domain_errors
def cycle_file(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Download one agency's payroll file (recorded with its hash; sends the cycle)."""
    user = _user(request, Perm.PAYMENTS_APPROVE)
    cycle = selectors.get_cycle_for(user, cycle_id)
    code = request.POST.get("agency", "")
    agency = PaymentAgency.objects.filter(code=code).first() if code else None
    try:
        file = services.export_agency_file(
            actor=user, cycle=cycle, agency=agency, file_format=request.POST.get("format", "csv")
        )
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc))
        return redirect("payments:cycle", cycle_id=cycle.pk)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    return response


@login_required
@require_POST
@domain_errors
def cycle_returns(request: HttpRequest, cycle_id: int) -> HttpResponse:
    user = _user(request, Perm.PAYMENTS_PREPARE)
    cycle = selectors.get_cycle_for(user, cycle_id)
    form = ReturnsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choisissez le fichier de retour de l'agence (CSV)."))
        return redirect("payments:cycle", cycle_id=cycle.pk)
    upload = form.cleaned_data["file"]
    try:
        checked = services.check_returns(
            actor=user, cycle=cycle, file_name=upload.name, content=upload.read()
        )
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc))
        return redirect("payments:cycle", cycle_id=cycle.pk)
    return redirect("payments:returns", cycle_id=cycle.pk, returns_id=checked.pk)


@login_required
@domain_errors
def returns_detail(request: HttpRequest, cycle_id: int, returns_id: int) -> HttpResponse:
    user = _user(request)
    cycle = selectors.get_cycle_for(user, cycle_id)
    checked = cycle.returns.filter(pk=returns_id).first()
    if checked is None:
        raise PermissionDenied
    if request.method == "POST":
        _user(request, Perm.PAYMENTS_PREPARE)
        try:
            checked = services.apply_returns(actor=user, returns=checked)
            messages.success(
                request,
                _("%(count)s ligne(s) appliquée(s).") % {"count": checked.applied_rows},
            )
        except (InvalidInput, Conflict) as exc:
            messages.error(request, str(exc))
        return redirect("payments:cycle", cycle_id=cycle.pk)
    context = {
        "cycle": cycle,
        "returns": checked,
        "can_apply": has_perm(user, Perm.PAYMENTS_PREPARE)
        and checked.status == ReturnImport.Status.CHECKED
        and checked.valid_rows > 0,
    }
    return render(request, "payments/returns_detail.html", context)


@login_required
@require_POST
@domain_errors
def cycle_action(request: HttpRequest, cycle_id: int, action: str) -> HttpResponse:
    user = _user(request)
    cycle = selectors.get_cycle_for(user, cycle_id)
    try:
        if action == "generate":
            job = services.start_generation(actor=user, cycle=cycle)
            return redirect("core:job_detail", job_id=job.pk)
        if action == "submit":
            services.submit_cycle(actor=user, cycle=cycle)
            messages.success(request, _("Liste soumise : une autre personne doit l'approuver."))
        elif action == "approve":
            services.approve_cycle(actor=user, cycle=cycle)
            messages.success(request, _("Liste de paiement approuvée."))
        elif action == "reconcile":
            services.reconcile_cycle(actor=user, cycle=cycle)
            messages.success(request, _("Cycle rapproché."))
        elif action == "close":
            services.close_cycle(actor=user, cycle=cycle)
            messages.success(request, _("Cycle clôturé : il ne changera plus."))
        elif action == "return":
            form = ReasonForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.return_to_draft(actor=user, cycle=cycle, reason=reason)
            messages.success(request, _("Liste renvoyée en brouillon."))
        else:
            raise PermissionDenied
    except Forbidden as exc:
        messages.error(request, str(exc))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc))
    return redirect("payments:cycle", cycle_id=cycle.pk)


@login_required
@domain_errors
def budget_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(request, "payments/budget_list.html", {"rows": selectors.budgets_for(user)})


@login_required
@domain_errors
def agency_list(request: HttpRequest) -> HttpResponse:
    """Agencies with their contracts, and which agency pays each programme in each region;
    approvers change an assignment here (agencies themselves are reference data, in the
    administration)."""
    user = _user(request)
    can_assign = has_perm(user, Perm.PAYMENTS_APPROVE)
    form = AssignmentForm(request.POST or None)
    if request.method == "POST":
        _user(request, Perm.PAYMENTS_APPROVE)
        if form.is_valid():
            try:
                services.assign_agency(actor=user, **form.cleaned_data)
                messages.success(request, _("Affectation enregistrée."))
                return redirect("payments:agencies")
            except InvalidInput as exc:
                add_errors_to_form(form, exc)
    context = {
        "agencies": selectors.agencies_for(user),
        "table": selectors.assignment_table(user),
        "can_assign": can_assign,
        "form": form,
        "today": timezone.localdate(),
    }
    return render(request, "payments/agency_list.html", context, status=400 if form.errors else 200)
