"""Register pages. Officers edit directly; enumerators' edits become change requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.errors import Conflict, Forbidden, InvalidInput
from jigi.core.http import add_errors_to_form, domain_errors, paginate
from jigi.core.models import AdminArea
from jigi.core.panels import panels_for
from jigi.core.text import prefix_q
from jigi.registry import exports, selectors, services
from jigi.registry.forms import (
    DocumentForm,
    HeadForm,
    HouseholdForm,
    HouseholdSearchForm,
    MemberExitForm,
    MemberForm,
    MoveForm,
    NewMemberForm,
    ReasonForm,
    ReviewForm,
    SplitForm,
    area_choices,
)
from jigi.registry.models import ChangeRequest, Household, Individual


def _user(request: HttpRequest, perm: str = Perm.REGISTRY_VIEW) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise PermissionDenied
    return user


def _filters(form: HouseholdSearchForm) -> selectors.HouseholdFilters:
    """The filters that are valid; an invalid one (e.g. a commune left over from another
    cercle) is dropped and shown as an error, the others still apply."""
    if not form.is_bound:
        return selectors.HouseholdFilters()
    form.is_valid()
    data = {name: form.cleaned_data.get(name, "") for name in form.fields}
    return selectors.HouseholdFilters(
        q=data["q"],
        phone=data["phone"],
        document=data["document"],
        code=data["code"],
        area=form.area(),
        village=data["village"],
        displacement=data["displacement"],
        status=data["status"],
    )


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = HouseholdSearchForm(request.GET or None)
    rows = selectors.households_for(user, _filters(form))
    page = selectors.household_page(rows, request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "filters": request.GET,
        "can_export": has_perm(user, Perm.REGISTRY_EXPORT),
        "today": timezone.localdate(),
    }
    template = "registry/household_list.html"
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "results":
        template += "#results"
    return render(request, template, context)


@login_required
def area_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the areas under a parent, for the region → cercle → commune cascade."""
    _user(request)
    parent = (
        request.GET.get("region") if request.GET.get("level") == "2" else request.GET.get("cercle")
    )
    options = area_choices(parent=parent or "")
    return render(
        request,
        "registry/area_options.html",
        {"options": options, "level": request.GET.get("level")},
    )


@login_required
def household_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered list as CSV or XLSX; every export is audited with its filter and size."""
    user = _user(request, Perm.REGISTRY_EXPORT)
    form = HouseholdSearchForm(request.GET or None)
    filters = _filters(form)
    file_format = request.GET.get("format", "csv")
    if form.errors:
        messages.error(
            request,
            _("Corrigez les filtres avant d'exporter : l'export suivrait d'autres filtres."),
        )
        return redirect(f"{reverse('registry:households')}?{request.GET.urlencode()}")
    try:
        export = exports.export_households(actor=user, filters=filters, file_format=file_format)
    except InvalidInput as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('registry:households')}?{request.GET.urlencode()}")
    response: HttpResponseBase
    if file_format == "xlsx":
        response = HttpResponse(export.content, content_type=exports.XLSX_TYPE)
    else:
        response = StreamingHttpResponse(export.stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
@domain_errors
def household_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    household = selectors.get_household_for(user, code)
    today = timezone.localdate()
    members = [(member, member.age_on(today)) for member in household.members.all()]
    context = {
        "household": household,
        "members": members,
        "history": selectors.history_of(household),
        "open_requests": selectors.change_requests_for(
            user, status=ChangeRequest.Status.PENDING, household=household
        ),
        "can_edit": has_perm(user, Perm.REGISTRY_EDIT),
        "can_propose": has_perm(user, Perm.REGISTRY_PROPOSE),
        "panels": panels_for("registry.household", request, household),
    }
    return render(request, "registry/household_detail.html", context)


def _edit_or_propose(
    request: HttpRequest,
    *,
    household: Household,
    form: Any,
    kind: str,
    apply: Callable[[], Any],
    payload: Callable[[], dict[str, Any]],
    member: Individual | None = None,
    title: str,
) -> HttpResponse:
    """Officers apply the change; enumerators submit it as a change request with a reason."""
    user: User = request.user  # type: ignore[assignment]
    proposing = not has_perm(user, Perm.REGISTRY_EDIT)
    if proposing and not has_perm(user, Perm.REGISTRY_PROPOSE):
        raise PermissionDenied
    reason_form = ReasonForm(request.POST or None) if proposing else None
    if (
        request.method == "POST"
        and form.is_valid()
        and (reason_form is None or reason_form.is_valid())
    ):
        try:
            if proposing:
                assert reason_form is not None  # noqa: S101 (set above when proposing)
                services.propose_change(
                    actor=user,
                    household=household,
                    kind=kind,
                    member=member,
                    payload=payload(),
                    reason=reason_form.cleaned_data["reason"],
                )
                messages.success(request, _("Demande de modification envoyée pour approbation."))
            else:
                apply()
                messages.success(request, _("Modifications enregistrées."))
        except Conflict as exc:
            form.add_error(None, str(exc))
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            return redirect("registry:household_detail", code=household.code)
    context = {
        "household": household,
        "form": form,
        "reason_form": reason_form,
        "title": title,
        "proposing": proposing,
    }
    return render(request, "registry/edit_form.html", context)


@login_required
@domain_errors
def household_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    household = selectors.get_household_for(user, code)
    form = HouseholdForm(
        request.POST or None, instance=household, initial={"version": household.version}
    )
    return _edit_or_propose(
        request,
        household=household,
        form=form,
        kind=ChangeRequest.Kind.CORRECT_HOUSEHOLD,
        apply=lambda: services.update_household(
            actor=user,
            household=household,
            expected_version=form.cleaned_data["version"],
            changes=form.changed_values(),
        ),
        payload=form.changed_values,
        title=_("Modifier le ménage %(code)s") % {"code": household.code},
    )


@login_required
@domain_errors
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    user = _user(request)
    member = selectors.get_member_for(user, member_id)
    household = member.household
    form = MemberForm(request.POST or None, instance=member, initial={"version": member.version})
    return _edit_or_propose(
        request,
        household=household,
        form=form,
        kind=ChangeRequest.Kind.CORRECT_MEMBER,
        member=member,
        apply=lambda: services.update_member(
            actor=user,
            member=member,
            expected_version=form.cleaned_data["version"],
            changes=form.changed_values(),
        ),
        payload=form.changed_values,
        title=_("Modifier %(name)s") % {"name": member},
    )


@login_required
@domain_errors
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    household = selectors.get_household_for(user, code)
    form = NewMemberForm(request.POST or None)
    return _edit_or_propose(
        request,
        household=household,
        form=form,
        kind=ChangeRequest.Kind.ADD_MEMBER,
        apply=lambda: services.add_member(actor=user, household=household, values=form.values()),
        payload=form.values,
        title=_("Ajouter un membre au ménage %(code)s") % {"code": household.code},
    )


@login_required
@domain_errors
def member_exit(request: HttpRequest, member_id: int) -> HttpResponse:
    user = _user(request)
    member = selectors.get_member_for(user, member_id)
    household = member.household
    form = MemberExitForm(request.POST or None, household=household, member=member)

    def payload() -> dict[str, Any]:
        data = form.cleaned_data
        new_head = data.get("new_head")
        return {
            "status": data["status"],
            "on": data["on"].isoformat(),
            "new_head": new_head.pk if new_head else None,
        }

    return _edit_or_propose(
        request,
        household=household,
        form=form,
        kind=ChangeRequest.Kind.MEMBER_EXIT,
        member=member,
        apply=lambda: services.record_member_exit(
            actor=user,
            member=member,
            status=form.cleaned_data["status"],
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
            new_head=form.cleaned_data.get("new_head"),
        ),
        payload=payload,
        title=_("Sortie de %(name)s du ménage") % {"name": member},
    )


def _communes_in_scope(user: User) -> list[tuple[str, str]]:
    communes = AdminArea.objects.filter(level=AdminArea.Level.COMMUNE).order_by("name")
    if not user.national_scope:
        condition = Q(pk__in=[])
        for code in user.scope_area_codes():
            condition |= prefix_q("pcode", code)
        communes = communes.filter(condition)
    return [(area.pcode, f"{area.name} ({area.pcode})") for area in communes]


@login_required
@domain_errors
def household_move(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    household = selectors.get_household_for(user, code)
    form = MoveForm(request.POST or None, communes=_communes_in_scope(user))
    return _edit_or_propose(
        request,
        household=household,
        form=form,
        kind=ChangeRequest.Kind.MOVE_HOUSEHOLD,
        apply=lambda: services.move_household(
            actor=user,
            household=household,
            expected_version=None,
            commune=form.cleaned_data["commune"],
            village=form.cleaned_data["village"],
            reason=form.cleaned_data["reason"],
        ),
        payload=lambda: {
            "commune": form.cleaned_data["commune"],
            "village": form.cleaned_data["village"],
        },
        title=_("Déménagement du ménage %(code)s") % {"code": household.code},
    )


@login_required
@domain_errors
def household_split(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.REGISTRY_EDIT)
    household = selectors.get_household_for(user, code)
    form = SplitForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.split_household(
                actor=user,
                household=household,
                member_ids=[member.pk for member in data["members"]],
                new_head_id=data["new_head"].pk,
                village=data["village"],
                reason=data["reason"],
            )
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Nouveau ménage %(code)s créé.") % {"code": created.code})
            return redirect("registry:household_detail", code=created.code)
    title = _("Scinder le ménage %(code)s") % {"code": household.code}
    return render(
        request, "registry/edit_form.html", {"household": household, "form": form, "title": title}
    )


@login_required
@domain_errors
def household_head(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request, Perm.REGISTRY_EDIT)
    household = selectors.get_household_for(user, code)
    form = HeadForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_head(
                actor=user,
                household=household,
                new_head=form.cleaned_data["new_head"],
                former_head_relationship=form.cleaned_data["former_head_relationship"],
            )
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Nouveau chef de ménage enregistré."))
            return redirect("registry:household_detail", code=household.code)
    title = _("Changer de chef de ménage — %(code)s") % {"code": household.code}
    return render(
        request, "registry/edit_form.html", {"household": household, "form": form, "title": title}
    )


@login_required
@domain_errors
def document_add(request: HttpRequest, member_id: int) -> HttpResponse:
    user = _user(request, Perm.REGISTRY_EDIT)
    member = selectors.get_member_for(user, member_id)
    form = DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_document(actor=user, member=member, values=form.values())
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Pièce d'identité ajoutée."))
            return redirect("registry:household_detail", code=member.household.code)
    title = _("Ajouter une pièce d'identité à %(name)s") % {"name": member}
    return render(
        request,
        "registry/edit_form.html",
        {"household": member.household, "form": form, "title": title},
    )


@login_required
@require_POST
@domain_errors
def document_remove(request: HttpRequest, document_id: int) -> HttpResponse:
    user = _user(request, Perm.REGISTRY_EDIT)
    document = selectors.get_document_for(user, document_id)
    code = document.individual.household.code
    try:
        services.remove_document(
            actor=user, document=document, reason=request.POST.get("reason", "")
        )
    except InvalidInput:
        messages.error(request, _("Donnez le motif du retrait de la pièce."))
    else:
        messages.success(request, _("Pièce d'identité retirée."))
    return redirect("registry:household_detail", code=code)


@login_required
def change_request_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", ChangeRequest.Status.PENDING)
    rows = selectors.change_requests_for(
        user, status=status if status in ChangeRequest.Status.values else ""
    )
    context = {
        "page": paginate(request, rows),
        "status": status,
        "statuses": ChangeRequest.Status.choices,
        "filters": request.GET,
    }
    return render(request, "registry/change_request_list.html", context)


@login_required
@domain_errors
def change_request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    change = selectors.get_change_request_for(user, request_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                services.approve_change(
                    actor=user, change=change, comment=form.cleaned_data["comment"]
                )
                messages.success(request, _("Demande approuvée : la modification est appliquée."))
            elif decision == "reject":
                services.reject_change(
                    actor=user, change=change, comment=form.cleaned_data["comment"]
                )
                messages.success(request, _("Demande rejetée."))
        except (InvalidInput, Conflict, Forbidden) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("registry:change_requests")
    current = _current_values(change)
    context = {
        "change": change,
        "form": form,
        "rows": [(name, current.get(name), value) for name, value in change.payload.items()],
        "can_review": has_perm(user, Perm.REGISTRY_APPROVE)
        and change.requested_by_id != user.pk
        and change.status == ChangeRequest.Status.PENDING,
    }
    return render(request, "registry/change_request_detail.html", context)


def _current_values(change: ChangeRequest) -> dict[str, Any]:
    source: Any = change.individual if change.individual is not None else change.household
    if change.kind == ChangeRequest.Kind.ADD_MEMBER:
        return {}
    return {
        name: getattr(source, f"{name}_id", getattr(source, name, None)) for name in change.payload
    }
