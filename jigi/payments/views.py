"""Payment pages: cycles, their payroll with totals and anomalies, and the maker-checker."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.errors import Conflict, Forbidden, InvalidInput
from jigi.core.http import add_errors_to_form, domain_errors, paginate
from jigi.payments import selectors, services
from jigi.payments.forms import CycleForm, ReasonForm
from jigi.payments.models import PaymentCycle


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
    }
    return render(request, "payments/cycle_detail.html", context)


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
