"""Complaint pages: the list with bulk actions, the focal points' list, recording, the
complaint's page and its actions, the dashboard with statistics, the export, and the public
form and status page (no account)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.context import client_address
from jigi.core.errors import Conflict, InvalidInput, NotFound
from jigi.core.http import add_errors_to_form, domain_errors, paginate, render_list
from jigi.grievances import forms, selectors, services
from jigi.grievances.models import Category, Channel, Complaint, Level, PublicAttempt

MAX_BULK = 200


def _user(request: HttpRequest, perm: str = Perm.GRIEVANCES_VIEW) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise PermissionDenied
    return user


def _filters(request: HttpRequest) -> selectors.Filters:
    get = request.GET
    return selectors.Filters(
        status=get.get("status", ""),
        category=get.get("category", ""),
        channel=get.get("channel", ""),
        region=get.get("region", ""),
        level=get.get("level", "") if get.get("level", "").isdigit() else "",
        overdue=get.get("overdue") == "1",
        query=get.get("q", "")[:100],
    )


def _choices() -> dict[str, Any]:
    from jigi.core.models import AdminArea

    return {
        "statuses": Complaint.Status.choices,
        "categories": [
            c for c in Category.choices if c[0] not in {"sea", "fraud", "staff_misconduct"}
        ],
        "all_categories": Category.choices,
        "channels": Channel.choices,
        "levels": Level.choices,
        "regions": AdminArea.objects.filter(level=1).order_by("name"),
    }


@login_required
@domain_errors
def complaint_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = selectors.complaints_for(user, _filters(request))
    can_manage = has_perm(user, Perm.GRIEVANCES_MANAGE)
    context = {
        "page": paginate(request, rows),
        "filters": request.GET,
        "query": request.GET.urlencode(),
        "can_record": has_perm(user, Perm.GRIEVANCES_RECORD),
        "can_manage": can_manage,
        "can_export": has_perm(user, Perm.GRIEVANCES_EXPORT),
        "bulk_form": forms.BulkForm(assignees=selectors.assignees()) if can_manage else None,
        "now": timezone.now(),
        **_choices(),
    }
    return render_list(request, "grievances/complaint_list.html", context)


@login_required
@domain_errors
def sensitive_list(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.GRIEVANCES_SENSITIVE)
    rows = selectors.sensitive_for(user, _filters(request))
    context = {"page": paginate(request, rows), "filters": request.GET, "now": timezone.now()}
    return render(request, "grievances/sensitive_list.html", context)


@login_required
@require_POST
@domain_errors
def bulk(request: HttpRequest) -> HttpResponse:
    """Assign or close the ticked complaints of the list (with a reason); all or none."""
    user = _user(request, Perm.GRIEVANCES_MANAGE)
    form = forms.BulkForm(request.POST, assignees=selectors.assignees())
    codes = set(request.POST.getlist("complaints"))
    back = redirect(f"{request.path.rsplit('bulk/', 1)[0]}?{request.POST.get('query', '')}")
    if not form.is_valid():
        messages.error(request, _("Action groupée invalide."))
        return back
    if len(codes) > MAX_BULK:
        messages.error(
            request,
            _("Une action groupée porte sur %(max)s plaintes au plus : rien n'a été fait.")
            % {"max": MAX_BULK},
        )
        return back
    chosen = list(selectors.complaints_for(user).filter(code__in=codes))
    if len(chosen) != len(codes):
        # All or none: a ticked code that is not (or no longer) in the user's list stops the
        # action. The same message for a missing, out-of-scope or sensitive code.
        messages.error(
            request,
            _("Des plaintes cochées ne sont plus dans votre liste : rien n'a été fait."),
        )
        return back
    data = form.cleaned_data
    try:
        if data["action"] == "assign":
            if data["assignee"] is None:
                raise InvalidInput(
                    _("Choisissez à qui assigner."), {"assignee": [_("Champ obligatoire.")]}
                )
            done = services.bulk_assign(
                actor=user, complaints=chosen, assignee=data["assignee"], reason=data["reason"]
            )
            messages.success(request, _("%(count)s plainte(s) assignée(s).") % {"count": done})
        else:
            done = services.bulk_close(
                actor=user, complaints=chosen, resolution=data["resolution"], reason=data["reason"]
            )
            messages.success(request, _("%(count)s plainte(s) clôturée(s).") % {"count": done})
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.full_message() if isinstance(exc, InvalidInput) else str(exc))
    return back


@login_required
@domain_errors
def complaint_create(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.GRIEVANCES_RECORD)
    form = forms.ComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.record_complaint(actor=user, data=form.new_complaint())
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            request.session["grievances_recorded"] = complaint.code
            return redirect("grievances:recorded")
    return render(request, "grievances/complaint_form.html", {"form": form})


@login_required
def recorded(request: HttpRequest) -> HttpResponse:
    """The receipt: the code to give the complainant. It links the complaint only for those
    who may open it (a sensitive case goes straight to the focal points)."""
    user = _user(request, Perm.GRIEVANCES_RECORD)
    code = request.session.get("grievances_recorded", "")
    try:
        complaint = (
            selectors.get_complaint_for(user, code)
            if code
            and has_perm(user, Perm.GRIEVANCES_VIEW)
            and not Complaint.objects.filter(code=code, is_sensitive=True).exists()
            else None
        )
    except NotFound:
        complaint = None
    return render(request, "grievances/recorded.html", {"code": code, "complaint": complaint})


def _detail_context(user: User, complaint: Complaint) -> dict[str, Any]:
    can_manage = has_perm(user, Perm.GRIEVANCES_MANAGE)
    members = complaint.household.members.filter(status="alive") if complaint.household else []
    return {
        "complaint": complaint,
        "events": selectors.timeline_for(user, complaint),
        "attachments": complaint.attachments.all(),
        "payment": selectors.payment_context(user, complaint),
        "lines": selectors.household_lines(user, complaint),
        "can_manage": can_manage,
        "can_refer": complaint.is_sensitive and has_perm(user, Perm.GRIEVANCES_SENSITIVE),
        "referral": selectors.protection_referral_for(user, complaint),
        "transitions": services.TRANSITIONS.get(complaint.status, frozenset()),
        "assign_form": forms.AssignForm(
            assignees=selectors.assignees(complaint.is_sensitive), auto_id="assign_%s"
        ),
        "note_form": forms.NoteForm(auto_id="timeline_%s"),
        "resolve_form": forms.ResolveForm(),
        "close_form": forms.ReasonForm(auto_id="close_%s"),
        "reclassify_form": forms.ReclassifyForm(
            categories=[
                (value, str(label))
                for value, label in Category.choices
                if value != complaint.category
            ]
        ),
        "appeal_form": forms.ReasonForm(auto_id="appeal_%s"),
        "satisfaction_form": forms.SatisfactionForm(),
        "attachment_form": forms.AttachmentForm(),
        "referral_form": forms.ReferralForm(),
        "correction_form": forms.CorrectionForm(members=members)
        if complaint.category == Category.DATA_CORRECTION and complaint.household
        else None,
        "now": timezone.now(),
    }


@login_required
@domain_errors
def complaint_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    complaint = selectors.get_complaint_for(user, code)
    return render(request, "grievances/complaint_detail.html", _detail_context(user, complaint))


def _errors(form: Any) -> dict[str, list[str]]:
    return {
        field: [str(message) for message in messages] for field, messages in form.errors.items()
    }


class _Restricted(Exception):
    """The action made the complaint sensitive: its page is no longer this user's to see."""


def _act(request: HttpRequest, complaint: Complaint, user: User, action: str) -> str:
    """Run one action of the complaint's page; returns the message to show."""
    post = request.POST
    if action == "assign":
        form = forms.AssignForm(post, assignees=selectors.assignees(complaint.is_sensitive))
        if not form.is_valid():
            raise InvalidInput(_("Choisissez à qui assigner."), _errors(form))
        services.assign_complaint(actor=user, complaint=complaint,
                                  assignee=form.cleaned_data["assignee"], note=form.cleaned_data["note"])  # fmt: skip
        return _("Plainte assignée.")
    if action == "reclassify":
        complaint = services.reclassify_complaint(
            actor=user, complaint=complaint, category=post.get("category", ""),
            reason=post.get("reason", ""),
        )  # fmt: skip
        if complaint.is_sensitive and not has_perm(user, Perm.GRIEVANCES_SENSITIVE):
            raise _Restricted
        return _("Catégorie changée.")
    if action == "start":
        services.start_work(actor=user, complaint=complaint)
        return _("Plainte en traitement.")
    if action == "note":
        services.add_note(actor=user, complaint=complaint, text=post.get("text", ""),
                          kind=post.get("kind", "note"))  # fmt: skip
        return _("Ajouté au suivi.")
    if action == "resolve":
        services.resolve_complaint(actor=user, complaint=complaint,
                                   resolution=post.get("resolution", ""), note=post.get("note", ""))  # fmt: skip
        return _("Résolution enregistrée.")
    if action == "close":
        services.close_complaint(actor=user, complaint=complaint, note=post.get("reason", ""))
        return _("Plainte clôturée.")
    if action == "appeal":
        services.appeal_complaint(actor=user, complaint=complaint, reason=post.get("reason", ""))
        return _("Recours enregistré : la plainte passe au niveau supérieur.")
    if action == "satisfaction":
        services.record_satisfaction(actor=user, complaint=complaint,
                                     satisfaction=post.get("satisfaction", ""))  # fmt: skip
        return _("Satisfaction enregistrée.")
    if action == "attach":
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(_("Choisissez un fichier."), {"file": [_("Champ obligatoire.")]})
        services.add_attachment(actor=user, complaint=complaint,
                                upload=forms.uploads([upload])[0])  # fmt: skip
        return _("Pièce jointe ajoutée.")
    if action == "refer":
        referral = forms.ReferralForm(post)
        referral.is_valid()
        services.refer_to_protection(actor=user, complaint=complaint,
                                     has_consent=bool(referral.cleaned_data.get("has_consent")),
                                     consent_on=referral.cleaned_data.get("consent_on"))  # fmt: skip
        return _("Référée à la protection (sans le récit).")
    if action == "correction" and complaint.household is not None:
        members = complaint.household.members.filter(status="alive")
        correction = forms.CorrectionForm(post, members=members)
        if not correction.is_valid():
            raise InvalidInput(
                _("La demande de modification n'est pas valide."), _errors(correction)
            )
        data = correction.cleaned_data
        member = members.filter(pk=data["member"]).first() if data["member"] else None
        services.request_register_correction(actor=user, complaint=complaint, kind=data["kind"],
                                             payload={data["field"]: data["value"]}, member=member)  # fmt: skip
        return _("Demande de modification envoyée au registre pour approbation.")
    raise PermissionDenied


@login_required
@require_POST
@domain_errors
def complaint_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    user = _user(request)
    complaint = selectors.get_complaint_for(user, code)
    try:
        messages.success(request, _act(request, complaint, user, action))
    except _Restricted:
        messages.success(
            request,
            _(
                "Plainte reclassée comme sensible : elle est désormais réservée aux points "
                "focaux et n'apparaît plus dans les listes."
            ),
        )
        return redirect("grievances:list")
    except InvalidInput as exc:
        messages.error(request, exc.full_message())
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("grievances:detail", code=complaint.code)


@login_required
@domain_errors
def attachment(request: HttpRequest, code: str, attachment_id: int) -> FileResponse:
    user = _user(request)
    complaint = selectors.get_complaint_for(user, code)
    row = complaint.attachments.filter(pk=attachment_id).first()
    path = services.attachment_path(row) if row is not None else None
    if row is None or path is None or not path.is_file():  # a file lost on disk: 404, not 500
        raise NotFound(_("pièce jointe"))
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=row.file_name,
        content_type=row.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _chart(bars: list[selectors.Bar], width: int = 360) -> list[dict[str, Any]]:
    """Horizontal bars in SVG units (the table beside the chart holds the numbers)."""
    top = max((bar.count for bar in bars), default=0) or 1
    return [
        {
            "label": bar.label,
            "count": bar.count,
            "y": index * 22,
            "width": max(1, bar.count * width // top),
        }
        for index, bar in enumerate(bars)
    ]


@login_required
@domain_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    figures = selectors.statistics_for(user, _filters(request))
    charts = {
        name: _chart(getattr(figures, name))
        for name in ("by_category", "by_channel", "by_region", "by_month")
    }
    context = {
        "figures": figures,
        "charts": charts,
        "heights": {name: len(bars) * 22 + 4 for name, bars in charts.items()},
        "filters": request.GET,
        "query": request.GET.urlencode(),
        "offers": selectors.appeal_offers_for(user)[:50],
        "can_manage": has_perm(user, Perm.GRIEVANCES_MANAGE),
        "can_record": has_perm(user, Perm.GRIEVANCES_RECORD),
        "can_export": has_perm(user, Perm.GRIEVANCES_EXPORT),
        "soon": selectors.overdue_soon(user)[:20],
        **_choices(),
    }
    return render(request, "grievances/dashboard.html", context)


@login_required
@domain_errors
def export(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.GRIEVANCES_EXPORT)
    rows = selectors.complaints_for(user, _filters(request)).order_by("received_at", "id")
    content = services.export_complaints(
        actor=user, rows=rows.iterator(chunk_size=1000), filters=dict(request.GET.items())
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="plaintes.xlsx"'
    return response


@login_required
@require_POST
@domain_errors
def escalate(request: HttpRequest) -> HttpResponse:
    user = _user(request, Perm.GRIEVANCES_MANAGE)
    job = services.start_escalation(actor=user)
    return redirect("core:job_detail", job_id=job.pk)


@login_required
@require_POST
@domain_errors
def offer_action(request: HttpRequest, offer_id: int, action: str) -> HttpResponse:
    user = _user(request, Perm.GRIEVANCES_MANAGE)
    offer = selectors.appeal_offers_for(user).filter(pk=offer_id).first()
    if offer is None:
        raise NotFound(_("recours"))
    try:
        if action == "record":
            complaint = services.record_appeal_from_offer(
                actor=user, offer=offer, channel=request.POST.get("channel", Channel.COMMITTEE),
                description=request.POST.get("description", ""),
            )  # fmt: skip
            messages.success(
                request, _("Recours enregistré : %(code)s.") % {"code": complaint.code}
            )
            return redirect("grievances:detail", code=complaint.code)
        if action == "dismiss":
            services.dismiss_offer(actor=user, offer=offer)
            messages.success(request, _("Le ménage ne fait pas recours : offre retirée."))
        else:
            raise PermissionDenied
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.full_message() if isinstance(exc, InvalidInput) else str(exc))
    return redirect("grievances:dashboard")


# Public pages (no account) -------------------------------------------------------------------


def public_form(request: HttpRequest) -> HttpResponse:
    form = forms.PublicComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.submit_public_complaint(
                address=client_address(request), data=form.new_complaint()
            )
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            return render(request, "grievances/public_thanks.html", {"code": complaint.code})
    return render(request, "grievances/public_form.html", {"form": form})


def public_status(request: HttpRequest) -> HttpResponse:
    """Status only, for a code: no category, place, name or narrative."""
    form = forms.StatusForm(request.GET or None)
    found: dict[str, Any] | None = None
    searched = False
    if form.is_bound and form.is_valid():
        try:
            services.throttle(kind=PublicAttempt.Kind.LOOKUP, address=client_address(request),
                              limit=settings.JIGI_PUBLIC_LOOKUPS_PER_HOUR, field="code")  # fmt: skip
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            searched = True
            code = services.read_tracking_code(form.cleaned_data["code"])
            found = selectors.public_status(code) if code else None
    context = {"form": form, "found": found, "searched": searched}
    return render(request, "grievances/public_status.html", context)
