"""Duplicate pages: the review queue, a pair side by side, merges, the model and its runs."""

from __future__ import annotations

from dataclasses import dataclass
from math import log2
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm, scope_q
from jigi.accounts.roles import Perm
from jigi.core.errors import Conflict, InvalidInput
from jigi.core.http import add_errors_to_form, domain_errors, paginate
from jigi.core.models import AdminArea
from jigi.dedup import selectors, services
from jigi.dedup.forms import (
    DecisionForm,
    DespiteForm,
    MembersFormSet,
    MergeForm,
    NewHouseholdForm,
    PairFilterForm,
    ThresholdsForm,
)
from jigi.dedup.labels import comparison_name, shown
from jigi.dedup.models import CandidatePair
from jigi.registry.models import Household, Individual
from jigi.registry.services import NewMember


def _user(request: HttpRequest, perm: str = Perm.DEDUP_REVIEW) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise PermissionDenied
    return user


@login_required
@domain_errors
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regions = list(AdminArea.objects.filter(level=1).values_list("pcode", "name"))
    form = PairFilterForm(request.GET or None, regions=regions)
    filters = selectors.PairFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.PairFilters(
            band=data["band"],
            region=data["region"],
            min_probability=data["min_probability"],
            undecided=not data["decided"],
        )
    run, pairs = selectors.candidate_pairs(user, filters)
    context = {"form": form, "run": run, "page": paginate(request, pairs), "filters": request.GET}
    return render(request, "dedup/queue.html", context)


@dataclass(frozen=True)
class Row:
    label: str
    left: Any
    right: Any

    @property
    def differs(self) -> bool:
        return bool(self.left or self.right) and self.left != self.right


def _rows(left: Individual, right: Individual) -> list[Row]:
    def documents(person: Individual) -> str:
        return ", ".join(f"{doc.get_kind_display()} {doc.number}" for doc in person.documents.all())

    def fields(person: Individual) -> dict[str, Any]:
        household = person.household
        return {
            _("Prénoms"): person.given_names,
            _("Nom"): person.family_name,
            _("Sexe"): person.get_sex_display(),
            _(
                "Date de naissance"
            ): f"{person.birth_date:%d/%m/%Y} ({person.get_birth_precision_display()})",
            _("Téléphone"): person.phone,
            _("Pièces d'identité"): documents(person),
            _("Lien avec le chef"): person.get_relationship_display(),
            _("Ménage"): household.code,
            _("Commune"): household.commune.name,
            _("Village / quartier"): household.village,
            _("Statut"): person.get_status_display(),
        }

    a, b = fields(left), fields(right)
    return [Row(label, a[label], b[label]) for label in a]


@dataclass(frozen=True)
class Step:
    label: str
    level: str
    weight: float
    width: int  # percent of the widest bar


def _waterfall(pair: CandidatePair) -> tuple[float, list[Step]]:
    """The prior and each comparison's weight, as bars for the pair's page."""
    prior_probability = pair.run.model.settings.get("probability_two_random_records_match", 1e-4)
    prior = log2(prior_probability / (1 - prior_probability))
    steps = [
        Step(comparison_name(name), shown(level), weight or 0.0, 0)
        for name, (level, weight) in pair.comparisons.items()
    ]
    widest = max(abs(prior), *(abs(step.weight) for step in steps)) or 1.0
    return prior, [
        Step(step.label, step.level, step.weight, round(100 * abs(step.weight) / widest))
        for step in steps
    ]


@login_required
@domain_errors
def pair_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    user = _user(request)
    pair = selectors.get_pair(user, pair_id)
    prior, steps = _waterfall(pair)
    context = {
        "pair": pair,
        "rows": _rows(pair.left, pair.right),
        "prior": prior,
        "steps": steps,
        "decision": selectors.decision_for(pair),
        "decision_form": DecisionForm(),
        "merge_form": MergeForm(),
        "can_merge": Individual.Status.MERGED not in (pair.left.status, pair.right.status),
        "household_pairs": _household_pairs(pair),
    }
    return render(request, "dedup/pair.html", context)


def _household_pairs(pair: CandidatePair) -> list[tuple[Individual, Individual]]:
    """Members the run pairs between the two records' households (when they differ)."""
    left, right = pair.left.household, pair.right.household
    if left.pk == right.pk or Household.Status.MERGED in (left.status, right.status):
        return []
    return services.member_pairs(left, right)


@login_required
@require_POST
@domain_errors
def pair_merge_households(request: HttpRequest, pair_id: int) -> HttpResponse:
    user = _user(request)
    pair = selectors.get_pair(user, pair_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez le ménage conservé."))
        return redirect("dedup:pair", pair.pk)
    left, right = pair.left.household, pair.right.household
    survivor, duplicate = (
        (left, right) if form.cleaned_data["survivor"] == "left" else (right, left)
    )
    try:
        services.merge_households(actor=user, survivor=survivor, duplicate=duplicate)
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc))
        return redirect("dedup:pair", pair.pk)
    messages.success(
        request,
        _("Le ménage %(duplicate)s est fusionné dans %(survivor)s. La fusion peut être annulée.")
        % {"duplicate": duplicate.code, "survivor": survivor.code},
    )
    return redirect(_next_in_queue(user, pair))


@login_required
@require_POST
@domain_errors
def household_merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    user = _user(request)
    merge = selectors.get_household_merge(user, merge_id)
    try:
        services.unmerge_households(actor=user, merge=merge)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Fusion des ménages annulée : les deux ménages sont rétablis."))
    return redirect("dedup:merges")


@login_required
@require_POST
@domain_errors
def pair_decide(request: HttpRequest, pair_id: int) -> HttpResponse:
    user = _user(request)
    pair = selectors.get_pair(user, pair_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une décision."))
        return redirect("dedup:pair", pair.pk)
    try:
        services.decide(
            actor=user,
            first=pair.left,
            second=pair.right,
            verdict=form.cleaned_data["verdict"],
            note=form.cleaned_data["note"],
        )
    except InvalidInput as exc:
        messages.error(request, str(exc))
        return redirect("dedup:pair", pair.pk)
    messages.success(request, _("Décision enregistrée."))
    return redirect(_next_in_queue(user, pair))


def _next_in_queue(user: User, pair: CandidatePair) -> str:
    _run, pending = selectors.candidate_pairs(user, selectors.PairFilters())
    following = pending.exclude(pk=pair.pk).first()
    return reverse("dedup:pair", args=[following.pk]) if following else reverse("dedup:queue")


@login_required
@require_POST
@domain_errors
def pair_merge(request: HttpRequest, pair_id: int) -> HttpResponse:
    user = _user(request)
    pair = selectors.get_pair(user, pair_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez la fiche conservée."))
        return redirect("dedup:pair", pair.pk)
    keep_left = form.cleaned_data["survivor"] == "left"
    survivor, duplicate = (pair.left, pair.right) if keep_left else (pair.right, pair.left)
    try:
        services.merge_individuals(actor=user, survivor=survivor, duplicate=duplicate)
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc))
        return redirect("dedup:pair", pair.pk)
    messages.success(
        request,
        _("%(duplicate)s est fusionné(e) dans %(survivor)s. La fusion peut être annulée.")
        % {"duplicate": duplicate, "survivor": survivor},
    )
    return redirect(_next_in_queue(user, pair))


@login_required
@domain_errors
def merge_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = paginate(request, selectors.merges_for(user))
    households = selectors.household_merges_for(user)[:50]
    context = {"page": page, "filters": request.GET, "households": households}
    return render(request, "dedup/merges.html", context)


@login_required
@require_POST
@domain_errors
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    user = _user(request)
    merge = selectors.get_merge(user, merge_id)
    try:
        services.unmerge(actor=user, merge=merge)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Fusion annulée : les deux fiches sont rétablies."))
    return redirect("dedup:merges")


@login_required
@domain_errors
def model_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    manage = has_perm(user, Perm.DEDUP_MANAGE)
    limits = services.thresholds()
    form = ThresholdsForm(
        request.POST or None,
        initial={"review": limits.review, "almost_certain": limits.almost_certain},
    )
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.set_thresholds(
                    actor=user,
                    review=form.cleaned_data["review"],
                    almost_certain=form.cleaned_data["almost_certain"],
                )
            except InvalidInput as exc:
                add_errors_to_form(form, exc)
            else:
                messages.success(
                    request, _("Seuils enregistrés ; ils s'appliquent au prochain dédoublonnage.")
                )
                return redirect("dedup:model")
    model = selectors.active_model()
    run = selectors.current_run()
    context = {
        "model": model,
        "parameters": selectors.model_parameters(model) if model else [],
        "run": run,
        "runs": selectors.runs()[:10],
        "accuracy": selectors.accuracy(run),
        "form": form,
        "can_manage": manage,
        "limits": limits,
    }
    return render(request, "dedup/model.html", context)


@login_required
@require_POST
@domain_errors
def run_start(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.DEDUP_MANAGE)
    try:
        job = services.start_run(actor=user)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("dedup:model")
    return redirect("core:job_detail", job.pk)


@login_required
@require_POST
@domain_errors
def train(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.DEDUP_MANAGE)
    job = services.start_training(actor=user)
    return redirect("core:job_detail", job.pk)


@login_required
@domain_errors
def register_household(request: HttpRequest) -> HttpResponse:
    """A household typed on the web: its members are checked against the register before
    anything is written; possible duplicates are shown side by side with what the form says,
    and the household is registered only once the user confirms they are other people."""
    user = _user(request, Perm.REGISTRY_EDIT)
    communes = AdminArea.objects.filter(
        scope_q(user, area_path="pcode"), level=AdminArea.Level.COMMUNE
    )
    data = request.POST if request.method == "POST" else None
    form = NewHouseholdForm(data, communes=communes)
    members = MembersFormSet(data, prefix="members")
    despite = DespiteForm(data)
    context: dict[str, Any] = {"form": form, "members": members, "despite": despite}
    status = 200
    if data is not None and form.is_valid() and members.is_valid() and despite.is_valid():
        new_members = [
            NewMember(values=member.values(), documents=member.document_values())
            for member in members
            if member.has_changed()
        ]
        try:
            outcome = services.register_after_check(
                actor=user,
                commune=form.cleaned_data["commune"].pcode,
                household=form.values(),
                members=new_members,
                despite_duplicates=despite.cleaned_data["despite_duplicates"],
            )
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
            for key, field_messages in exc.errors.items():
                parts = key.split(".")
                if parts[0] == "members" and len(parts) == 3 and parts[1].isdigit():
                    changed = [member for member in members if member.has_changed()]
                    index = int(parts[1])
                    if index < len(changed) and parts[2] in changed[index].fields:
                        for message in field_messages:
                            changed[index].add_error(parts[2], message)
            status = 400
        else:
            if outcome.household is not None:
                messages.success(
                    request,
                    _("Ménage %(code)s enregistré.") % {"code": outcome.household.code},
                )
                return redirect("registry:household_detail", code=outcome.household.code)
            context["matches"] = outcome.possible_duplicates
            context["outside_scope"] = outcome.outside_scope
            context["typed"] = new_members
    elif data is not None:
        status = 400
    return render(request, "dedup/register.html", context, status=status)
