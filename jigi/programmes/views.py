"""Programme pages: programmes and their rules, formulas, targeting runs and their comparison,
the community validation lists, enrolments and the emergency response."""

from __future__ import annotations

from typing import Any

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
from jigi.core.errors import Conflict, InvalidInput, NotFound
from jigi.core.http import add_errors_to_form, domain_errors, paginate
from jigi.core.money import format_xof
from jigi.programmes import exports, selectors, services, targeting
from jigi.programmes.forms import (
    AdditionForm,
    BulkEnrolForm,
    DecisionForm,
    EmergencyForm,
    EnrolForm,
    FormulaForm,
    ProgrammeForm,
    RecipientForm,
    RunForm,
    StatusForm,
    TermFormSet,
)
from jigi.programmes.models import (
    EmergencyResponse,
    Enrolment,
    HouseholdScore,
    Programme,
    TargetingRun,
)
from jigi.registry.models import Household, Individual
from jigi.registry.selectors import get_household_for


def _user(request: HttpRequest, perm: str = Perm.PROGRAMMES_VIEW) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise PermissionDenied
    return user


def _can(user: User) -> dict[str, bool]:
    return {
        "can_manage": has_perm(user, Perm.PROGRAMMES_MANAGE),
        "can_validate": has_perm(user, Perm.PROGRAMMES_VALIDATE),
        "can_enrol": has_perm(user, Perm.PROGRAMMES_ENROL),
    }


@login_required
@domain_errors
def programme_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status, kind = request.GET.get("status", ""), request.GET.get("kind", "")
    rows = selectors.programmes_for(user, status=status, kind=kind)
    context = {
        "page": paginate(request, rows),
        "filters": request.GET,
        "statuses": Programme.Status.choices,
        "kinds": Programme.Kind.choices,
        **_can(user),
    }
    return render(request, "programmes/programme_list.html", context)


def _save_programme(
    request: HttpRequest, user: User, programme: Programme | None
) -> HttpResponse | ProgrammeForm:
    initial = ProgrammeForm.initial_for(programme) if programme else None
    form = ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if programme is None:
                saved = services.create_programme(
                    actor=user,
                    values=form.values(),
                    coverage=form.cleaned_data["coverage"],
                    funding=form.cleaned_data["funding"],
                )
                messages.success(request, _("Programme créé (brouillon)."))
            else:
                saved = services.update_programme(
                    actor=user,
                    programme=programme,
                    version=int(request.POST.get("version") or 0),
                    values=form.values(),
                    coverage=form.cleaned_data["coverage"],
                    funding=form.cleaned_data["funding"],
                    reason=form.cleaned_data.get("reason") or "",
                )
                messages.success(request, _("Programme enregistré."))
            return redirect("programmes:detail", code=saved.code)
        except Conflict as exc:
            form.add_error(None, str(exc))
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
    return form


@login_required
@domain_errors
def programme_create(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    result = _save_programme(request, user, None)
    if isinstance(result, HttpResponse):
        return result
    return render(request, "programmes/programme_form.html", {"form": result, "programme": None})


@login_required
@domain_errors
def programme_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    result = _save_programme(request, user, programme)
    if isinstance(result, HttpResponse):
        return result
    return render(
        request, "programmes/programme_form.html", {"form": result, "programme": programme}
    )


@login_required
@domain_errors
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    programme = selectors.get_programme_for(user, code)
    context = {
        "programme": programme,
        "transfer": format_xof(programme.transfer_value_xof),
        "coverage": selectors.coverage_of(programme),
        "funding": programme.funding.select_related("funding_source"),
        "formulas": programme.formulas.all(),
        "runs": selectors.runs_of(programme)[:20],
        "adopted": selectors.adopted_run(programme),
        "versions": programme.versions.all()[:20],
        "counts": {
            Enrolment.Status(status).label: n
            for status, n in selectors.enrolment_counts(programme).items()
        },
        "emergencies": selectors.emergencies_of(programme),
        "priority_referrals": selectors.priority_referrals_for(user, programme)[:50],
        "bulk_form": BulkEnrolForm(initial={"start_on": timezone.localdate()}),
        "enrol_form": EnrolForm(initial={"start_on": timezone.localdate()}),
        **_can(user),
    }
    return render(request, "programmes/programme_detail.html", context)


@login_required
@require_POST
@domain_errors
def programme_launch(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    try:
        services.launch_programme(actor=user, programme=programme)
        messages.success(request, _("Programme lancé : ses règles forment la version 1."))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc))
    return redirect("programmes:detail", code=code)


@login_required
@require_POST
@domain_errors
def priority_referral_settle(request: HttpRequest, code: str, referral_id: int) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_ENROL)
    programme = selectors.get_programme_for(user, code)
    referral = selectors.priority_referrals_for(user, programme).filter(pk=referral_id).first()
    if referral is None:
        raise NotFound(_("orientation"))
    try:
        services.settle_priority_referral(
            actor=user, referral=referral, status=request.POST.get("status", "")
        )
        messages.success(request, _("Orientation prioritaire mise à jour."))
    except InvalidInput as exc:
        messages.error(request, str(exc))
    return redirect("programmes:detail", code=code)


@login_required
@domain_errors
def formula_create(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    latest = programme.formulas.order_by("-number").first()
    initial_terms = [
        {k: v for k, v in term.items() if k in {"variable", "transform", "value", "weight"}}
        for term in (latest.terms if latest else [])
    ]
    form = FormulaForm(
        request.POST or None,
        initial={"name": latest.name, "intercept": latest.intercept} if latest else None,
    )
    terms = TermFormSet(request.POST or None, initial=initial_terms, prefix="terms")
    if request.method == "POST" and form.is_valid() and terms.is_valid():
        chosen = [term for term in (item.term() for item in terms) if term]
        try:
            formula = services.create_formula(
                actor=user,
                programme=programme,
                name=form.cleaned_data["name"],
                intercept=form.cleaned_data["intercept"],
                terms=chosen,
                note=form.cleaned_data["note"],
            )
            messages.success(
                request, _("Formule version %(number)s enregistrée.") % {"number": formula.number}
            )
            if "preview" in request.POST:
                # The preview is a simulation with the programme's target groups: its page
                # shows the score distribution and what each commune would get.
                run = services.start_targeting(
                    actor=user,
                    programme=programme,
                    formula=formula,
                    criteria={"all": programme.target_groups, "any": []},
                )
                return redirect("programmes:run", code=code, run_id=run.pk)
            return redirect("programmes:detail", code=code)
        except InvalidInput as exc:
            # Term errors name their position among the filled rows ("terms.2").
            for key, problems in exc.errors.items():
                for problem in problems:
                    form.add_error(
                        None,
                        f"{_('Terme')} {key.split('.')[-1]} : {problem}"
                        if key.startswith("terms.")
                        else problem,
                    )
            if not exc.errors:
                form.add_error(None, str(exc))
    context = {
        "programme": programme,
        "form": form,
        "terms": terms,
        "variables": targeting.VARIABLES,
        "latest": latest,
    }
    return render(request, "programmes/formula_form.html", context)


@login_required
@domain_errors
def run_create(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    form = RunForm(
        request.POST or None,
        programme=programme,
        initial={"all_of": programme.target_groups},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.start_targeting(
                actor=user,
                programme=programme,
                formula=programme.formulas.get(pk=data["formula"]),
                cutoff=data["cutoff"],
                criteria={"all": data["all_of"], "any": data["any_of"]},
                communes=data["communes"],
            )
            messages.success(request, _("Simulation lancée."))
            return redirect("programmes:run", code=code, run_id=run.pk)
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
    return render(request, "programmes/run_form.html", {"programme": programme, "form": form})


def _histogram(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Bars for the score distribution (heights in SVG units; the table holds the numbers)."""
    histogram = summary.get("histogram") or {}
    bins = histogram.get("bins") or []
    low, high = histogram.get("low"), histogram.get("high")
    if not bins or low is None:
        return []
    tallest = max(bins) or 1
    width = (high - low) / len(bins) if high is not None else 0
    return [
        {
            "x": index * 20,
            "height": round(100 * count / tallest),
            "y": 100 - round(100 * count / tallest),
            "count": count,
            "low": low + index * width,
            "high": low + (index + 1) * width,
        }
        for index, count in enumerate(bins)
    ]


@login_required
@domain_errors
def run_detail(request: HttpRequest, code: str, run_id: int) -> HttpResponse:
    user = _user(request)
    programme = selectors.get_programme_for(user, code)
    run = selectors.get_run_for(user, programme, run_id)
    if getattr(request, "htmx", False) and run.status == TargetingRun.Status.COMPUTING:
        return render(
            request, "programmes/run_detail.html#status", {"run": run, "programme": programme}
        )
    names = dict(programme.coverage.values_list("commune_id", "commune__name"))
    communes = [
        {**row, "name": names.get(row["commune"], row["commune"])}
        for row in run.summary.get("communes", [])
    ]
    commune = request.GET.get("commune", "")
    quota = next((row["quota"] for row in communes if row["commune"] == commune), None)
    context = {
        "programme": programme,
        "run": run,
        "communes": communes,
        "histogram": _histogram(run.summary),
        "commune": commune,
        "marginal": selectors.marginal_for(user, run, commune, quota) if commune else None,
        "others": selectors.runs_of(programme)
        .exclude(pk=run.pk)
        .filter(
            status__in=[
                TargetingRun.Status.READY,
                TargetingRun.Status.ADOPTED,
                TargetingRun.Status.SUPERSEDED,
            ]
        )[:20],
        "criteria": [targeting.CRITERIA[key][0] for key in run.criteria.get("all", [])],
        "any_criteria": [targeting.CRITERIA[key][0] for key in run.criteria.get("any", [])],
        **_can(user),
    }
    return render(request, "programmes/run_detail.html", context)


@login_required
@domain_errors
def run_compare(request: HttpRequest, code: str, run_id: int) -> HttpResponse:
    user = _user(request)
    programme = selectors.get_programme_for(user, code)
    left = selectors.get_run_for(user, programme, run_id)
    try:
        other = int(request.GET.get("with", ""))
    except ValueError:
        raise NotFound(_("ciblage")) from None
    right = selectors.get_run_for(user, programme, other)
    rows = selectors.compare_runs(user, left, right)
    widest = max([1, *(max(r.left_eligible, r.right_eligible) for r in rows)])
    bars = [
        {
            "row": row,
            "y": index * 30,
            "left": round(300 * row.left_selected / widest),
            "right": round(300 * row.right_selected / widest),
        }
        for index, row in enumerate(rows)
    ]
    context = {
        "programme": programme,
        "left": left,
        "right": right,
        "rows": rows,
        "bars": bars,
        "chart_height": max(30, 30 * len(rows)),
    }
    return render(request, "programmes/run_compare.html", context)


@login_required
@require_POST
@domain_errors
def run_adopt(request: HttpRequest, code: str, run_id: int) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    run = selectors.get_run_for(user, programme, run_id)
    try:
        services.adopt_run(actor=user, run=run)
        messages.success(request, _("Liste adoptée : elle part en validation communautaire."))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc))
    return redirect("programmes:run", code=code, run_id=run.pk)


def _adopted_or_404(programme: Programme) -> TargetingRun:
    run = selectors.adopted_run(programme)
    if run is None:
        raise NotFound(_("liste"))
    return run


@login_required
@domain_errors
def validation_villages(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    programme = selectors.get_programme_for(user, code)
    run = selectors.adopted_run(programme)
    context = {
        "programme": programme,
        "run": run,
        "villages": selectors.list_villages(user, run) if run else [],
        "addition_form": AdditionForm(),
        **_can(user),
    }
    return render(request, "programmes/validation_villages.html", context)


def _heads(rows: list[HouseholdScore]) -> dict[int, Individual | None]:
    heads: dict[int, Individual | None] = {}
    for row in rows:
        members = list(row.household.members.all())
        heads[row.household_id] = next(
            (
                m
                for m in members
                if m.relationship == Individual.Relationship.HEAD
                and m.status == Individual.Status.ALIVE
            ),
            None,
        )
    return heads


@login_required
@domain_errors
def village_list(request: HttpRequest, code: str, commune: str, village: str) -> HttpResponse:
    user = _user(request)
    programme = selectors.get_programme_for(user, code)
    run = _adopted_or_404(programme)
    rows = list(selectors.village_list(user, run, commune, village))
    if not rows:
        raise NotFound(_("liste"))
    heads = _heads(rows)
    if request.GET.get("format") == "xlsx":
        return exports.village_xlsx(user, programme, run, rows, heads)
    entries = [{"score": row, "head": heads[row.household_id]} for row in rows]
    context = {
        "programme": programme,
        "run": run,
        "entries": entries,
        "commune_name": rows[0].commune.name,
        "village": rows[0].household.village,
        "commune": commune,
        "village_key": village,
        **_can(user),
    }
    return render(request, "programmes/village_list.html", context)


@login_required
@require_POST
@domain_errors
def decide(request: HttpRequest, code: str, score_id: int) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_VALIDATE)
    programme = selectors.get_programme_for(user, code)
    run = _adopted_or_404(programme)
    score = selectors.scores_for(user, run).filter(pk=score_id).first()
    if score is None:
        raise NotFound(_("ménage"))
    form = DecisionForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            score = services.validate_household(
                actor=user,
                score=score,
                validated=form.cleaned_data["decision"] == "validated",
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as exc:
            error = exc.full_message()
    else:
        error = _("Choisissez « Valider » ou « Rejeter ».")
    if getattr(request, "htmx", False):
        head = _heads([score])[score.household_id]
        return render(
            request,
            "programmes/village_list.html#entry",
            {
                "entry": {"score": score, "head": head},
                "error": error,
                "programme": programme,
                "can_validate": True,
            },
        )
    if error:
        messages.error(request, error)
    return redirect(
        "programmes:village",
        code=code,
        commune=score.commune_id,
        village=score.household.village_folded,
    )


@login_required
@require_POST
@domain_errors
def add_household(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_VALIDATE)
    programme = selectors.get_programme_for(user, code)
    run = _adopted_or_404(programme)
    form = AdditionForm(request.POST)
    if form.is_valid():
        try:
            household = get_household_for(user, form.cleaned_data["household"])
            services.add_community_household(
                actor=user, run=run, household=household, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("Ménage %(code)s ajouté à la liste (ajout de la communauté).")
                % {"code": household.code},
            )
        except NotFound:
            messages.error(request, _("Aucun ménage de votre zone ne porte ce code."))
        except InvalidInput as exc:
            messages.error(request, exc.full_message())
    else:
        messages.error(request, _("Donnez le code du ménage et le motif de l'ajout."))
    return redirect("programmes:validation", code=code)


@login_required
@require_POST
@domain_errors
def bulk_enrol(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_ENROL)
    programme = selectors.get_programme_for(user, code)
    form = BulkEnrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Date de début invalide."))
        return redirect("programmes:detail", code=code)
    try:
        job = services.start_bulk_enrolment(
            actor=user, programme=programme, start_on=form.cleaned_data["start_on"]
        )
    except InvalidInput as exc:
        messages.error(request, str(exc))
        return redirect("programmes:detail", code=code)
    return redirect("core:job_detail", job_id=job.pk)


@login_required
@require_POST
@domain_errors
def enrol_one(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_ENROL)
    programme = selectors.get_programme_for(user, code)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Donnez le code du ménage et la date de début."))
        return redirect("programmes:detail", code=code)
    try:
        household: Household = get_household_for(user, form.cleaned_data["household"])
        enrolment = services.enrol_household(
            actor=user,
            programme=programme,
            household=household,
            start_on=form.cleaned_data["start_on"],
        )
    except NotFound:
        messages.error(request, _("Aucun ménage de votre zone ne porte ce code."))
        return redirect("programmes:detail", code=code)
    except InvalidInput as exc:
        messages.error(request, exc.full_message())
        return redirect("programmes:detail", code=code)
    messages.success(request, _("Ménage inscrit."))
    return redirect("programmes:enrolment", enrolment_id=enrolment.pk)


@login_required
@domain_errors
def emergency_create(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    form = EmergencyForm(
        request.POST or None, programme=programme, initial={"start_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == EmergencyResponse.Kind.TOP_UP:
                response = services.emergency_top_up(
                    actor=user,
                    programme=programme,
                    communes=data["communes"],
                    shock=data["shock"],
                    amount_xof=data["top_up_xof"],
                    cycles=data["cycles"],
                    ends_on=data["ends_on"],
                )
            else:
                response = services.emergency_expansion(
                    actor=user,
                    programme=programme,
                    communes=data["communes"],
                    shock=data["shock"],
                    extra_quota=data["extra_quota"],
                    start_on=data["start_on"],
                    ends_on=data["ends_on"],
                )
            messages.success(
                request,
                _("Réponse aux urgences enregistrée : %(n)s ménage(s).")
                % {"n": response.summary.get("households", 0)},
            )
            return redirect("programmes:detail", code=code)
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
    return render(request, "programmes/emergency_form.html", {"programme": programme, "form": form})


@login_required
@domain_errors
def enrolment_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = selectors.EnrolmentFilters(
        programme=request.GET.get("programme", ""),
        status=request.GET.get("status", ""),
        commune=request.GET.get("commune", ""),
    )
    file_format = request.GET.get("format", "")
    if file_format:
        try:
            return exports.export_enrolments(user, filters, file_format)
        except InvalidInput as exc:
            messages.error(request, str(exc))
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("page", None)
    context = {
        "page": paginate(request, selectors.enrolments_for(user, filters)),
        "filters": request.GET,
        "query": query.urlencode(),
        "programmes": selectors.programmes_for(user).values_list("code", "name"),
        "statuses": Enrolment.Status.choices,
        "can_export": has_perm(user, Perm.REGISTRY_EXPORT),
    }
    return render(request, "programmes/enrolment_list.html", context)


def _members(enrolment: Enrolment) -> list[tuple[int, str]]:
    return [
        (person.pk, f"{person} ({person.get_relationship_display()})")
        for person in enrolment.household.members.filter(status=Individual.Status.ALIVE)
    ]


@login_required
@domain_errors
def enrolment_detail(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    user = _user(request)
    enrolment = selectors.get_enrolment_for(user, enrolment_id)
    today = timezone.localdate()
    status_form = StatusForm(
        request.POST if "event" in request.POST else None,
        initial={"on": today, "version": enrolment.version},
    )
    recipient_form = RecipientForm(
        request.POST if "recipient" in request.POST else None,
        members=_members(enrolment),
        initial={
            "recipient": enrolment.recipient_id,
            "alternate": enrolment.alternate_id,
            "channel": enrolment.channel,
            "payment_number": enrolment.payment_number,
            "on": today,
            "version": enrolment.version,
        },
    )
    if request.method == "POST":
        _user(request, Perm.PROGRAMMES_ENROL)
        try:
            if "event" in request.POST and status_form.is_valid():
                data = status_form.cleaned_data
                services.change_enrolment_status(
                    actor=user,
                    enrolment=enrolment,
                    event=data["event"],
                    on=data["on"],
                    reason=data["reason"],
                    version=data["version"],
                )
                messages.success(request, _("Inscription mise à jour."))
                return redirect("programmes:enrolment", enrolment_id=enrolment.pk)
            if "recipient" in request.POST and recipient_form.is_valid():
                data = recipient_form.cleaned_data
                members = {
                    p.pk: p
                    for p in enrolment.household.members.filter(status=Individual.Status.ALIVE)
                }
                services.change_recipient(
                    actor=user,
                    enrolment=enrolment,
                    recipient=members[data["recipient"]],
                    alternate=members.get(data["alternate"]) if data["alternate"] else None,
                    channel=data["channel"],
                    payment_number=data["payment_number"],
                    on=data["on"],
                    reason=data["reason"],
                    version=data["version"],
                )
                messages.success(request, _("Récipiendaire changé."))
                return redirect("programmes:enrolment", enrolment_id=enrolment.pk)
        except Conflict as exc:
            messages.error(request, str(exc))
        except InvalidInput as exc:
            add_errors_to_form(status_form if "event" in request.POST else recipient_form, exc)
    allowed = services.TRANSITIONS.get(enrolment.status, {})
    context = {
        "enrolment": enrolment,
        "events": enrolment.events.select_related("recorded_by"),
        "top_ups": enrolment.top_ups.select_related("emergency"),
        "status_form": status_form,
        "recipient_form": recipient_form,
        "allowed": allowed,
        "amount": format_xof(
            enrolment.programme.amount_for(
                enrolment.household.members.filter(status=Individual.Status.ALIVE).count()
            )
        ),
        "recipient_gone": enrolment.recipient.status != Individual.Status.ALIVE,
        **_can(user),
    }
    return render(request, "programmes/enrolment_detail.html", context)
