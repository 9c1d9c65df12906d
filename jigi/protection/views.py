"""Protection pages: the case list with overdue follow-ups and approvals, opening a case, the
case file and its actions, incoming referrals, statistics and their XLSX export, quick exit,
and for supervisors the access history of a case and the audit of their sites' cases.

Lists and titles carry codes only. A case that the user may not open answers 404, whoever
asks (administrators included); each opening is audit-logged by the selectors."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.errors import Conflict, InvalidInput, NotFound
from jigi.core.http import add_errors_to_form, domain_errors, paginate, render_list
from jigi.programmes.selectors import cash_programmes_open_to_referral
from jigi.protection import exports, forms, publication, selectors, services, statistics
from jigi.protection.access import case_or_404
from jigi.protection.classifier import GBV_TYPES
from jigi.protection.models import Case, Consent, FollowUp, Plan, Referral


def _user(request: HttpRequest, perm: str = Perm.PROTECTION_CASES) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise PermissionDenied
    return user


def _errors(form: Any) -> dict[str, list[str]]:
    return {name: [str(m) for m in found] for name, found in form.errors.items()}


@login_required
@domain_errors
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    get = request.GET
    filters = selectors.Filters(status=get.get("status", "open"), risk=get.get("risk", ""),
                                query=get.get("q", "")[:40])  # fmt: skip
    is_supervisor = has_perm(user, Perm.PROTECTION_SUPERVISE)
    context = {
        "page": paginate(request, selectors.cases_for(user, filters)),
        "filters": get,
        "statuses": Case.Status.choices,
        "risks": Case.Risk.choices,
        "overdue": selectors.overdue_follow_ups_for(user)[:50],
        "approvals": selectors.awaiting_approval_for(user) if is_supervisor else None,
        "incoming": selectors.pending_incoming_count(user),
        "handoffs": selectors.pending_handoffs_for(user),
        "today": timezone.localdate(),
    }
    return render_list(request, "protection/case_list.html", context)


@login_required
@domain_errors
def case_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    providers = selectors.my_providers(user)
    handoff = (request.POST.get("handoff") or request.GET.get("handoff", ""))[:40]
    form = forms.CaseForm(request.POST or None, providers=providers,
                          initial={"services_consent_on": timezone.localdate()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.open_case(
                actor=user,
                data=services.NewCase(
                    provider_id=data["provider"].pk,
                    survivor_sex=data["survivor_sex"],
                    risk_level=data["risk_level"],
                    services_consent_on=data.get("services_consent_on"),
                    survivor_birth_year=data.get("survivor_birth_year"),
                    name=data.get("name") or "",
                    contact=data.get("contact") or "",
                    statistics_consent=bool(data.get("statistics_consent")),
                    handoff_ref=handoff,
                ),
            )
        except (InvalidInput, Conflict) as error:
            add_errors_to_form(
                form, error if isinstance(error, InvalidInput) else InvalidInput(str(error))
            )
        else:
            messages.success(request, _("Dossier ouvert."))
            return redirect("protection:detail", code=case.code)
    return render(request, "protection/case_form.html", {"form": form, "handoff": handoff})


def _detail_context(user: User, code: str) -> dict[str, Any]:
    opened = selectors.case_file(user, code)
    everyone = selectors.providers()
    return {
        "file": opened,
        "case": opened.case,
        "today": timezone.localdate(),
        "identity_form": forms.IdentityForm(
            auto_id="identity_%s",
            initial={
                "name": opened.name,
                "contact": opened.contact,
                "risk_level": opened.case.risk_level,
            },
        ),  # fmt: skip
        "incident_form": forms.IncidentForm(
            auto_id="incident_%s", initial={"reported_on": timezone.localdate()}
        ),  # fmt: skip
        "assessment_form": forms.AssessmentForm(auto_id="assessment_%s"),
        "consent_form": forms.ConsentForm(auto_id="consent_%s"),
        "service_form": forms.ServiceForm(auto_id="service_%s", providers=everyone),
        "plan_form": forms.PlanForm(auto_id="plan_%s"),
        "follow_up_form": forms.FollowUpForm(auto_id="followup_%s"),
        "referral_form": forms.ReferralForm(
            auto_id="referral_%s", providers=everyone.exclude(pk=opened.case.provider_id)
        ),
        "closure_form": forms.ClosureForm(auto_id="closure_%s"),
        "cash_form": forms.CashReferralForm(
            auto_id="cash_%s", programmes=cash_programmes_open_to_referral()
        ),
        "can_override": has_perm(user, Perm.PROTECTION_CONSENT_OVERRIDE),
        "site_workers": services.site_case_workers(opened.case) if opened.is_supervisor else [],
        "history": selectors.case_history(user, opened.case) if opened.is_supervisor else None,
    }


@login_required
@domain_errors
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # anyone not allowed: 404
    return render(request, "protection/case_detail.html", _detail_context(user, code))


@login_required
@require_safe
@domain_errors
def case_audit(request: HttpRequest, code: str) -> HttpResponse:
    """A case's access history, page by page (a supervisor of its site only; else 404)."""
    user: User = request.user  # type: ignore[assignment]
    case, page = selectors.case_audit_for(user, code, page=request.GET.get("page"))
    return render(request, "protection/case_audit.html",
                  {"case": case, "page": page, "filters": request.GET})  # fmt: skip


@login_required
@require_safe
@domain_errors
def audit_page(request: HttpRequest) -> HttpResponse:
    """The audit of the supervisor's sites' cases, filtered (a supervisor with a site only;
    anyone else, administrators included, 404)."""
    user: User = request.user  # type: ignore[assignment]
    form = forms.AuditFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    filters = selectors.AuditFilters(case_code=data.get("case") or "", user=data.get("user") or "",
                                     since=data.get("since"), until=data.get("until"))  # fmt: skip
    page = selectors.site_audit_for(user, filters, page=request.GET.get("page"))
    return render_list(request, "protection/audit.html",
                       {"page": page, "form": form, "filters": request.GET})  # fmt: skip


def _act(request: HttpRequest, user: User, case: Case, action: str) -> str:
    """Run one action of the case page; returns the message to show."""
    post = request.POST
    if action == "identity":
        form: Any = forms.IdentityForm(post)
        if not form.is_valid():
            raise InvalidInput(_("Dossier non modifié."), _errors(form))
        services.update_identity(actor=user, case=case, **form.cleaned_data)
        return _("Dossier modifié.")
    if action == "incident":
        form = forms.IncidentForm(post)
        if not form.is_valid():
            raise InvalidInput(_("L'incident n'a pas été enregistré."), _errors(form))
        incident = services.record_incident(actor=user, case=case, data=form.incident())
        return _("Incident enregistré : %(type)s.") % {"type": _type_label(incident.gbv_type)}
    if action == "assess":
        form = forms.AssessmentForm(post)
        form.is_valid()
        data = form.cleaned_data
        services.record_assessment(actor=user, case=case, data=services.NewAssessment(
            risk_level=data.get("risk_level") or "", assessed_on=data.get("assessed_on"),
            safety_needs=bool(data.get("safety_needs")), health_needs=bool(data.get("health_needs")),
            psychosocial_needs=bool(data.get("psychosocial_needs")),
            legal_needs=bool(data.get("legal_needs")), material_needs=bool(data.get("material_needs")),
            notes=data.get("notes") or "",
        ))  # fmt: skip
        return _("Évaluation enregistrée.")
    if action == "consent":
        form = forms.ConsentForm(post)
        form.is_valid()
        data = form.cleaned_data
        services.give_consent(actor=user, case=case, purpose=data.get("purpose") or "",
                              service_type=data.get("service_type") or "",
                              given_on=data.get("given_on"), scope_note=data.get("scope_note") or "")  # fmt: skip
        return _("Consentement enregistré.")
    if action == "withdraw":
        consent = Consent.objects.filter(case=case, pk=_int(post.get("consent"))).first()
        if consent is None:
            raise NotFound(_("consentement"))
        result = services.withdraw_consent(actor=user, consent=consent)
        return _("Consentement retiré ; %(count)s orientation(s) révoquée(s).") % {
            "count": result.revoked_referrals
        }
    if action == "service":
        form = forms.ServiceForm(post, providers=selectors.providers())
        form.is_valid()
        data = form.cleaned_data
        provider = data.get("provider")
        services.record_service(actor=user, case=case, kind=data.get("kind") or "",
                                provider_id=provider.pk if provider else 0,
                                started_on=data.get("started_on"), ended_on=data.get("ended_on"),
                                outcome=data.get("outcome") or "")  # fmt: skip
        return _("Service enregistré.")
    if action == "plan":
        services.submit_plan(actor=user, case=case, kind=post.get("kind", ""),
                             content=post.get("content", ""))  # fmt: skip
        return _("Plan soumis à la supervision.")
    if action in {"approve_plan", "return_plan"}:
        plan = Plan.objects.filter(case=case, pk=_int(post.get("plan"))).first()
        if plan is None:
            raise NotFound(_("plan"))
        services.decide_plan(actor=user, plan=plan, approve=action == "approve_plan")
        return _("Plan approuvé.") if action == "approve_plan" else _("Plan renvoyé.")
    if action == "follow_up":
        form = forms.FollowUpForm(post)
        form.is_valid()
        services.schedule_follow_up(actor=user, case=case, due_on=form.cleaned_data.get("due_on"),
                                    purpose=form.cleaned_data.get("purpose") or "")  # fmt: skip
        return _("Suivi planifié.")
    if action == "follow_up_done":
        follow_up = FollowUp.objects.filter(case=case, pk=_int(post.get("follow_up"))).first()
        if follow_up is None:
            raise NotFound(_("suivi"))
        services.complete_follow_up(actor=user, follow_up=follow_up)
        return _("Suivi fait.")
    if action == "refer":
        form = forms.ReferralForm(post, providers=selectors.providers())
        form.is_valid()
        data = form.cleaned_data
        provider = data.get("to_provider")
        services.refer(actor=user, case=case, to_provider_id=provider.pk if provider else 0,
                       service_type=data.get("service_type") or "",
                       urgency=data.get("urgency") or "normal", message=data.get("message") or "",
                       override_reason=data.get("override_reason") or "")  # fmt: skip
        return _("Orientation envoyée.")
    if action in {"referral_accepted", "referral_declined", "referral_completed"}:
        referral = Referral.objects.filter(case=case, pk=_int(post.get("referral"))).first()
        if referral is None:
            raise NotFound(_("orientation"))
        if action == "referral_completed":
            services.complete_referral(actor=user, referral=referral,
                                       feedback=post.get("note", ""))  # fmt: skip
        else:
            services.respond_to_referral(actor=user, referral=referral,
                                         accept=action == "referral_accepted",
                                         note=post.get("note", ""))  # fmt: skip
        return _("Réponse du prestataire enregistrée.")
    if action == "revoke":
        referral = Referral.objects.filter(case=case, pk=_int(post.get("referral"))).first()
        if referral is None:
            raise NotFound(_("orientation"))
        services.revoke_referral(actor=user, referral=referral, reason=post.get("reason", ""))
        return _("Orientation révoquée.")
    if action == "cash":
        services.refer_to_cash_programme(
            actor=user, case=case, programme_code=post.get("programme", ""),
            commune_code=post.get("commune", ""), household_code=post.get("household_code", ""),
            phone=post.get("phone", ""),
        )  # fmt: skip
        return _("Ménage orienté vers le programme (sans motif).")
    if action == "request_closure":
        services.request_closure(actor=user, case=case, reason=post.get("reason", ""),
                                 checklist=post.getlist("checklist"))  # fmt: skip
        return _("Clôture demandée à la supervision.")
    if action in {"approve_closure", "return_closure"}:
        services.decide_closure(actor=user, case=case, approve=action == "approve_closure")
        return _("Dossier clôturé.") if action == "approve_closure" else _("Clôture refusée.")
    if action == "reopen":
        services.reopen_case(actor=user, case=case)
        return _("Dossier rouvert.")
    if action == "reassign":
        services.reassign_case(actor=user, case=case, worker_id=_int(post.get("worker")))
        return _("Dossier réassigné.")
    raise NotFound(_("action"))


def _int(value: Any) -> int:
    return int(value) if str(value or "").isdigit() else 0


def _type_label(gbv_type: str) -> str:
    return str(GBV_TYPES.get(gbv_type, gbv_type))


@login_required
@require_POST
@domain_errors
def case_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # anyone not allowed: 404
    case = case_or_404(user, code, action=action)
    try:
        messages.success(request, _act(request, user, case, action))
    except InvalidInput as error:
        messages.error(request, error.full_message())
    return redirect("protection:detail", code=case.code)


@login_required
@domain_errors
def referral_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(request, "protection/referral_list.html",
                  {"referrals": selectors.incoming_referrals_for(user)})  # fmt: skip


@login_required
@require_POST
@domain_errors
def referral_action(request: HttpRequest, referral_id: int, action: str) -> HttpResponse:
    user = _user(request)
    referral = selectors.get_incoming_referral(user, referral_id)
    note = request.POST.get("note", "")
    try:
        if action in {"accept", "decline"}:
            services.respond_to_referral(actor=user, referral=referral, accept=action == "accept",
                                         note=note)  # fmt: skip
        elif action == "complete":
            services.complete_referral(actor=user, referral=referral, feedback=note)
        else:
            raise NotFound(_("action"))
        messages.success(request, _("Orientation mise à jour."))
    except InvalidInput as error:
        messages.error(request, error.full_message())
    return redirect("protection:referrals")


def _month(request: HttpRequest) -> date:
    """The month asked for if it is published, else the latest published (with a message
    saying why)."""
    raw = request.GET.get("month", "")
    try:
        year, month = (int(part) for part in raw.split("-")[:2])
        asked: date | None = date(year, month, 1)
    except ValueError:
        asked = None
    try:
        return publication.published_month(asked)
    except InvalidInput as error:
        messages.warning(request, str(error))
        return publication.latest_published_month()


@login_required
@domain_errors
def provider_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not (has_perm(user, Perm.PROTECTION_CASES) or has_perm(user, Perm.PROTECTION_STATISTICS)):
        raise PermissionDenied
    return render(request, "protection/provider_list.html",
                  {"rows": selectors.provider_directory()})  # fmt: skip


@login_required
@domain_errors
def statistics_page(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.PROTECTION_STATISTICS)
    month = _month(request)
    dimension = request.GET.get("by", "type")
    if dimension not in statistics.DIMENSIONS:
        dimension = "type"
    table = statistics.monthly_table(month, dimension)
    context = {
        "table": table,
        "rows": [
            (name, cells, total)
            for (_pcode, name), cells, total in zip(
                table.rows, table.cells, table.row_totals, strict=True
            )
        ],
        "dimensions": [(key, str(label)) for key, label in statistics.DIMENSIONS.items()],
        "dimension": dimension,
        "month": month,
        "can_export": has_perm(user, Perm.PROTECTION_STATISTICS_EXPORT),
    }
    return render(request, "protection/statistics.html", context)


@login_required
@domain_errors
def statistics_export(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.PROTECTION_STATISTICS_EXPORT)
    month = _month(request)
    content = exports.statistics_workbook(actor=user, month=month)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="vbg-statistiques-{month:%Y-%m}.xlsx"'
    return response


def quick_exit(request: HttpRequest) -> HttpResponse:
    """Sign out at once and leave for a neutral page (someone is looking at the screen).

    A plain link, not a form: the CSP's form-action 'self' would stop a form's redirect to
    another site, and one click must be enough. Signing out by GET lets another site sign
    a user out, which costs nothing here."""
    logout(request)
    return HttpResponseRedirect(settings.JIGI_PROTECTION_EXIT_URL)
