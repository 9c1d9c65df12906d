"""Reference data and jobs over the API. Thin: authorise, call a selector or service, respond."""

from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from jigi.core import jobs, selectors
from jigi.core.errors import Forbidden
from jigi.core.models import AdminArea, FundingSource, Job, Organisation, Site
from jigi.core.schemas import AreaOut, FundingSourceOut, JobIn, JobOut, OrganisationOut, SiteOut
from jigi.core.selectors import Viewer

router = Router(tags=["reference data"])


class Pagination(PageNumberPagination):
    """Pages of 50 rows by default: `?page=2&page_size=100` (at most 200 rows a page)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=200)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=50, **kwargs)


def _viewer(request: HttpRequest, perm: str | None = None) -> Viewer:
    viewer = cast(Viewer, request.user)
    if perm is not None and not viewer.has_perm(perm):
        raise Forbidden("Your role does not allow this.")
    return viewer


class AreaFilters(Schema):
    q: str = ""
    level: int | None = None
    parent: str = ""


@router.get("/areas", response=list[AreaOut])
@paginate(Pagination)
def list_areas(request: HttpRequest, filters: Query[AreaFilters]) -> QuerySet[AdminArea]:
    """Regions, cercles and communes with their OCHA P-codes; `q` ignores accents and case."""
    _viewer(request, "reference.view")
    return selectors.areas(search=filters.q, level=filters.level, parent=filters.parent)


@router.get("/areas/{pcode}", response=AreaOut)
def get_area(request: HttpRequest, pcode: str) -> AdminArea:
    _viewer(request, "reference.view")
    return selectors.get_area(pcode)


class SiteFilters(Schema):
    q: str = ""
    kind: str = ""


@router.get("/sites", response=list[SiteOut])
@paginate(Pagination)
def list_sites(request: HttpRequest, filters: Query[SiteFilters]) -> QuerySet[Site]:
    """Sites inside the caller's scope."""
    viewer = _viewer(request, "reference.view")
    return selectors.sites_for(viewer, search=filters.q, kind=filters.kind)


@router.get("/sites/{site_id}", response=SiteOut)
def get_site(request: HttpRequest, site_id: int) -> Site:
    viewer = _viewer(request, "reference.view")
    return selectors.get_site_for(viewer, site_id)


@router.get("/organisations", response=list[OrganisationOut])
@paginate(Pagination)
def list_organisations(request: HttpRequest, kind: str = "") -> QuerySet[Organisation]:
    _viewer(request, "reference.view")
    return selectors.organisations(kind=kind)


@router.get("/funding-sources", response=list[FundingSourceOut])
@paginate(Pagination)
def list_funding_sources(request: HttpRequest) -> QuerySet[FundingSource]:
    _viewer(request, "reference.view")
    return selectors.funding_sources()


@router.get("/jobs", response=list[JobOut], tags=["jobs"])
@paginate(Pagination)
def list_jobs(request: HttpRequest) -> QuerySet[Job]:
    """Jobs the caller started (administrators: all jobs), newest first."""
    return selectors.jobs_for(_viewer(request))


@router.get("/jobs/{job_id}", response=JobOut, tags=["jobs"])
def get_job(request: HttpRequest, job_id: str) -> Job:
    return selectors.get_job_for(_viewer(request), job_id)


@router.post("/jobs", response={202: JobOut}, tags=["jobs"])
def start_job(request: HttpRequest, payload: JobIn) -> Status[Job]:
    """Queue a job; poll `GET /jobs/{id}` for its progress."""
    viewer = _viewer(request)
    kind = jobs.get_job_kind(payload.kind)
    if not viewer.has_perm(kind.permission):
        raise Forbidden("Your role does not allow this job.")
    actor: Any = request.user
    return Status(202, jobs.start_job(actor=actor, kind=payload.kind))
