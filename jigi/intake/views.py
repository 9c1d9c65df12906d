"""Import pages: upload, the summary to review, commit, the error report, mapping templates."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import InvalidInput, NotFound
from jigi.core.http import add_errors_to_form, domain_errors, paginate
from jigi.core.jobs import wait_seconds
from jigi.intake import reports, selectors, services
from jigi.intake.forms import CommitForm, MappingTemplateForm, UploadForm
from jigi.intake.models import ImportBatch, MappingTemplate


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, Perm.INTAKE_IMPORT):
        raise PermissionDenied
    return user


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = paginate(request, selectors.batches_for(user))
    return render(request, "intake/batch_list.html", {"page": page, "filters": request.GET})


@login_required
@domain_errors
def batch_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.create_batch(
                actor=user,
                content=upload,
                original_name=upload.name,
                mapping_template=form.cleaned_data["mapping"],
                pcode_version=form.cleaned_data["pcode_version"] or None,
            )
            services.start_validation(actor=user, batch=batch)
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            return redirect("intake:batch_detail", batch.pk)
    return render(request, "intake/batch_new.html", {"form": form})


@login_required
@domain_errors
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = _user(request)
    batch = selectors.get_batch(user, batch_id)
    job = batch.running_job
    if getattr(request, "htmx", False) and request.GET.get("progress"):
        if job is None:  # the step just ended: show the whole page again
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(
            request,
            "intake/batch_detail.html#progress",
            {"batch": batch, "job": job, "elapsed": wait_seconds(job)},
        )
    errors = paginate(request, selectors.households_with_errors(batch), per_page=20)
    context = {
        "batch": batch,
        "job": job,
        "elapsed": wait_seconds(job) if job else 0,
        "errors": errors,
        "page": errors,
        "filters": request.GET,
        "commit_form": CommitForm(),
        "earlier": selectors.earlier_imports_of_same_file(user, batch),
        "duplicates": selectors.duplicate_check(batch),
        "can_commit": batch.status == ImportBatch.Status.VALIDATED
        and (batch.households_new or batch.households_updated),
        "can_abandon": batch.status
        in {ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATED, ImportBatch.Status.FAILED}
        and not batch.households_committed,
    }
    return render(request, "intake/batch_detail.html", context)


def _on_batch(
    request: HttpRequest, batch_id: int, step: Callable[[User, ImportBatch], object], done: str = ""
) -> HttpResponse:
    """Run one step on a visible import; its refusal is shown on the import's page."""
    user = _user(request)
    batch = selectors.get_batch(user, batch_id)
    try:
        step(user, batch)
    except InvalidInput as exc:
        messages.error(request, str(exc))
    else:
        if done:
            messages.success(request, done)
    return redirect("intake:batch_detail", batch.pk)


@login_required
@require_POST
@domain_errors
def batch_commit(request: HttpRequest, batch_id: int) -> HttpResponse:
    form = CommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez que faire des ménages en erreur."))
        return redirect("intake:batch_detail", batch_id)
    policy = form.cleaned_data["policy"]
    return _on_batch(
        request,
        batch_id,
        lambda user, batch: services.start_commit(actor=user, batch=batch, policy=policy),
    )


@login_required
@require_POST
@domain_errors
def batch_retry(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _on_batch(
        request, batch_id, lambda user, batch: services.retry_batch(actor=user, batch=batch)
    )


@login_required
@require_POST
@domain_errors
def batch_abandon(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _on_batch(
        request,
        batch_id,
        lambda user, batch: services.abandon_batch(actor=user, batch=batch),
        _("Import abandonné : rien n'a été enregistré."),
    )


@login_required
@domain_errors
def batch_errors(request: HttpRequest, batch_id: int, file_format: str) -> HttpResponse:
    user = _user(request)
    batch = selectors.get_batch(user, batch_id)
    if file_format not in {"csv", "xlsx"}:
        raise NotFound("format")
    record(
        actor=user,
        action="intake.error_report_downloaded",
        target=batch,
        changes={"format": file_format, "households_with_errors": batch.households_error},
    )
    filename = f"erreurs-import-{batch.pk}.{file_format}"
    if file_format == "csv":
        response: HttpResponse = StreamingHttpResponse(  # type: ignore[assignment]
            reports.csv_lines(batch), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        reports.write_xlsx(batch, response)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def mapping_list(request: HttpRequest) -> HttpResponse:
    _user(request)
    page = paginate(request, MappingTemplate.objects.select_related("created_by"))
    return render(request, "intake/mapping_list.html", {"page": page, "filters": request.GET})


@login_required
@domain_errors
def mapping_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    user = _user(request)
    template = None
    if template_id is not None:
        template = MappingTemplate.objects.filter(pk=template_id).first()
        if template is None:
            raise NotFound("mapping")
    initial = MappingTemplateForm.initial_for(template) if template else {}
    form = MappingTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_mapping_template(
                actor=user,
                template=template,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                columns=form.columns(),
                pcode_version=form.cleaned_data["pcode_version"],
            )
        except InvalidInput as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Modèle enregistré."))
            return redirect("intake:mappings")
    return render(request, "intake/mapping_form.html", {"form": form, "template": template})
