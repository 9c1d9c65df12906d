"""Home, reference data and job pages. Views authorise, call a selector or service, respond."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigi.core import jobs, selectors
from jigi.core.errors import InvalidInput
from jigi.core.http import domain_errors, paginate, render_list
from jigi.core.models import AdminArea, Job, Organisation, Site
from jigi.core.selectors import Viewer
from jigi.core.text import prefix_q


def _viewer(request: HttpRequest, perm: str | None = None) -> Viewer:
    viewer = cast(Viewer, request.user)
    if perm is not None and not viewer.has_perm(perm):
        raise PermissionDenied
    return viewer


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    context = {
        "site_count": selectors.sites_for(viewer).count(),
        "recent_jobs": selectors.jobs_for(viewer)[:5],
        "job_kinds": [
            kind for kind in jobs.job_kinds().values() if viewer.has_perm(kind.permission)
        ],
    }
    return render(request, "core/home.html", context)


@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    _viewer(request, "reference.view")
    level_param = request.GET.get("level", "")
    level = int(level_param) if level_param in {"1", "2", "3"} else None
    parent = request.GET.get("parent", "")
    rows = selectors.areas(search=request.GET.get("q", ""), level=level, parent=parent)
    if not (request.GET.get("q") or level or parent):
        rows = rows.filter(level=AdminArea.Level.REGION)
    context = {
        "page": paginate(request, rows),
        "levels": AdminArea.Level.choices,
        "filters": request.GET,
        "parent": selectors.get_area(parent)
        if parent and AdminArea.objects.filter(pk=parent).exists()
        else None,
    }
    return render_list(request, "core/area_list.html", context)


@login_required
@domain_errors
def area_detail(request: HttpRequest, pcode: str) -> HttpResponse:
    viewer = _viewer(request, "reference.view")
    area = selectors.get_area(pcode)
    children = selectors.areas(parent=area.pcode)
    sites = viewer.visible(
        Site.objects.filter(prefix_q("area__pcode", area.pcode)).select_related("area")
    )
    return render(
        request, "core/area_detail.html", {"area": area, "children": children, "sites": sites}
    )


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request, "reference.view")
    rows = selectors.sites_for(
        viewer, search=request.GET.get("q", ""), kind=request.GET.get("kind", "")
    )
    context = {"page": paginate(request, rows), "kinds": Site.Kind.choices, "filters": request.GET}
    return render_list(request, "core/site_list.html", context)


@login_required
@domain_errors
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    viewer = _viewer(request, "reference.view")
    return render(
        request, "core/site_detail.html", {"site": selectors.get_site_for(viewer, site_id)}
    )


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    _viewer(request, "reference.view")
    rows = selectors.organisations(kind=request.GET.get("kind", ""))
    context = {
        "page": paginate(request, rows),
        "kinds": Organisation.Kind.choices,
        "filters": request.GET,
    }
    return render_list(request, "core/organisation_list.html", context)


@login_required
def funding_source_list(request: HttpRequest) -> HttpResponse:
    _viewer(request, "reference.view")
    return render(
        request,
        "core/funding_source_list.html",
        {"page": paginate(request, selectors.funding_sources())},
    )


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    page = paginate(request, selectors.jobs_for(viewer))
    context = {
        "page": page,
        "any_running": any(not job.is_finished for job in page),
        "job_kinds": [
            kind for kind in jobs.job_kinds().values() if viewer.has_perm(kind.permission)
        ],
        "kind_labels": {name: kind.label for name, kind in jobs.job_kinds().items()},
    }
    return render_list(request, "core/job_list.html", context)


@login_required
@domain_errors
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    viewer = _viewer(request)
    job = selectors.get_job_for(viewer, job_id)
    context = {
        "job": job,
        "kind_label": jobs.job_kinds().get(job.kind, None),
        "elapsed": jobs.wait_seconds(job),
    }
    if getattr(request, "htmx", False):
        response = render(request, "core/job_detail.html#progress", context)
        if job.is_finished:
            # Stop polling and refresh the page so the result shows.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "core/job_detail.html", context)


@login_required
@require_POST
def job_start(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    kind_name = request.POST.get("kind", "")
    try:
        kind = jobs.get_job_kind(kind_name)
    except InvalidInput as exc:
        messages.error(request, str(exc))
        return redirect("core:jobs")
    if not viewer.has_perm(kind.permission):
        raise PermissionDenied
    job = jobs.start_job(actor=request.user, kind=kind_name)  # type: ignore[arg-type]
    messages.success(request, _("Tâche lancée : %(label)s.") % {"label": kind.label})
    return redirect("core:job_detail", job_id=job.pk)


@login_required
@require_POST
@domain_errors
def job_cancel(request: HttpRequest, job_id: str) -> HttpResponse:
    viewer = _viewer(request)
    job = selectors.get_job_for(viewer, job_id)
    try:
        jobs.cancel_job(actor=request.user, job=job)  # type: ignore[arg-type]
    except InvalidInput as exc:
        messages.error(request, str(exc))
    else:
        if job.status == Job.Status.CANCELLED:
            messages.success(request, _("Tâche annulée."))
        else:
            messages.info(request, _("Arrêt demandé : la tâche s'arrêtera à sa prochaine étape."))
    return redirect("core:job_detail", job_id=job.pk)
