"""Reads on reference data and jobs, filtered for the asking user.

core sits below accounts, so it reaches the scope policy through the user object
(`Viewer.visible`, implemented by accounts.User) and Django's ``has_perm``.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from jigi.core.errors import NotFound
from jigi.core.models import AdminArea, FundingSource, Job, Organisation, Site
from jigi.core.text import fold

M = TypeVar("M", bound=Model)


class Viewer(Protocol):
    pk: int
    is_authenticated: bool

    def has_perm(self, perm: str, obj: Model | None = None) -> bool: ...

    def visible(self, queryset: QuerySet[M]) -> QuerySet[M]: ...


def areas(*, search: str = "", level: int | None = None, parent: str = "") -> QuerySet[AdminArea]:
    """Administrative areas (public reference data), searched without accents or case."""
    rows = AdminArea.objects.select_related("parent__parent")
    if search:
        folded = fold(search)
        rows = rows.filter(Q(name_folded__contains=folded) | Q(pcode__iexact=search.strip()))
    if level is not None:
        rows = rows.filter(level=level)
    if parent:
        rows = rows.filter(parent_id=parent)
    return rows.order_by("pcode")


def get_area(pcode: str) -> AdminArea:
    try:
        return AdminArea.objects.select_related("parent__parent").get(pcode=pcode)
    except AdminArea.DoesNotExist:
        raise NotFound("area") from None


def sites_for(viewer: Viewer, *, search: str = "", kind: str = "") -> QuerySet[Site]:
    """Sites inside the viewer's scope."""
    rows = viewer.visible(Site.objects.select_related("area__parent__parent", "organisation"))
    if search:
        rows = rows.filter(Q(name__icontains=search.strip()) | Q(code__icontains=search.strip()))
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("name")


def get_site_for(viewer: Viewer, site_id: int) -> Site:
    try:
        return sites_for(viewer).get(pk=site_id)
    except Site.DoesNotExist:
        raise NotFound("site") from None


def organisations(*, kind: str = "") -> QuerySet[Organisation]:
    rows = Organisation.objects.all()
    return rows.filter(kind=kind) if kind else rows


def funding_sources() -> QuerySet[FundingSource]:
    return FundingSource.objects.select_related("donor")


def jobs_for(viewer: Viewer) -> QuerySet[Job]:
    """Jobs the viewer started; administrators see every job."""
    rows = Job.objects.select_related("created_by")
    if viewer.has_perm("jobs.view_all"):
        return rows
    return rows.filter(created_by_id=viewer.pk)


def get_job_for(viewer: Viewer, job_id: str) -> Job:
    try:
        return jobs_for(viewer).get(pk=job_id)
    except (Job.DoesNotExist, ValidationError, ValueError):
        raise NotFound("job") from None
