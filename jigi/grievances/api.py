"""Grievances over the API: the same services and selectors as the pages. Lists never hold
sensitive cases; reading one is for focal points only (404 for others) and is audit-logged.
The public status endpoint needs no token and answers status only."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.api import Pagination
from jigi.core.context import client_address
from jigi.core.errors import Forbidden, InvalidInput, NotFound
from jigi.grievances import selectors, services
from jigi.grievances.models import Complaint, PublicAttempt
from jigi.grievances.schemas import (
    AssignIn,
    ComplaintDetailOut,
    ComplaintIn,
    ComplaintOut,
    PublicStatusOut,
    ReasonIn,
    ResolveIn,
)

router = Router(tags=["grievances"])


def _user(request: HttpRequest, perm: str = Perm.GRIEVANCES_VIEW) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise Forbidden(_("Votre rôle ne permet pas cette action sur les plaintes."))
    return user


@router.post("/grievances", response={201: ComplaintOut})
def record(request: HttpRequest, payload: ComplaintIn) -> Status[Complaint]:
    """Record a complaint (hotline and SMS gateways); the answer carries the tracking code."""
    user = _user(request, Perm.GRIEVANCES_RECORD)
    complaint = services.record_complaint(actor=user, data=services.NewComplaint(**payload.dict()))
    return Status(201, complaint)


@router.get("/grievances", response=list[ComplaintOut])
@paginate(Pagination)
def list_complaints(
    request: HttpRequest, status: str = "", category: str = "", region: str = "", q: str = ""
) -> QuerySet[Complaint]:
    """Complaints in your scope, latest first (sensitive cases are never listed)."""
    filters = selectors.Filters(status=status, category=category, region=region, query=q)
    return selectors.complaints_for(_user(request), filters)


@router.get("/grievances/{code}", response=ComplaintDetailOut)
def read(request: HttpRequest, code: str) -> Complaint:
    return selectors.get_complaint_for(_user(request), code)


@router.post("/grievances/{code}/assign", response=ComplaintOut)
def assign(request: HttpRequest, code: str, payload: AssignIn) -> Complaint:
    user = _user(request, Perm.GRIEVANCES_MANAGE)
    complaint = selectors.get_complaint_for(user, code)
    assignee = User.objects.filter(username=payload.assignee).first()
    if assignee is None:
        raise InvalidInput(_("Utilisateur inconnu."), {"assignee": [_("Utilisateur inconnu.")]})
    return services.assign_complaint(
        actor=user, complaint=complaint, assignee=assignee, note=payload.note
    )


@router.post("/grievances/{code}/start", response=ComplaintOut)
def start(request: HttpRequest, code: str) -> Complaint:
    user = _user(request, Perm.GRIEVANCES_MANAGE)
    return services.start_work(actor=user, complaint=selectors.get_complaint_for(user, code))


@router.post("/grievances/{code}/resolve", response=ComplaintOut)
def resolve(request: HttpRequest, code: str, payload: ResolveIn) -> Complaint:
    user = _user(request, Perm.GRIEVANCES_MANAGE)
    return services.resolve_complaint(
        actor=user, complaint=selectors.get_complaint_for(user, code),
        resolution=payload.resolution, note=payload.note,
    )  # fmt: skip


@router.post("/grievances/{code}/close", response=ComplaintOut)
def close(request: HttpRequest, code: str, payload: ReasonIn) -> Complaint:
    user = _user(request, Perm.GRIEVANCES_MANAGE)
    return services.close_complaint(
        actor=user, complaint=selectors.get_complaint_for(user, code), note=payload.reason
    )


@router.post("/grievances/{code}/appeal", response=ComplaintOut)
def appeal(request: HttpRequest, code: str, payload: ReasonIn) -> Complaint:
    user = _user(request, Perm.GRIEVANCES_MANAGE)
    return services.appeal_complaint(
        actor=user, complaint=selectors.get_complaint_for(user, code), reason=payload.reason
    )


@router.get("/public/grievances/{code}", response=PublicStatusOut, auth=None)
def public_status(request: HttpRequest, code: str) -> dict[str, object]:
    """A complaint's status by its tracking code, for the complainant (no token; limited per
    address). Nothing else about the complaint is given."""
    services.throttle(
        kind=PublicAttempt.Kind.LOOKUP,
        address=client_address(request),
        limit=settings.JIGI_PUBLIC_LOOKUPS_PER_HOUR,
        field="code",
    )
    normalised = services.read_tracking_code(code)
    found = selectors.public_status(normalised) if normalised else None
    if found is None:
        raise NotFound(_("plainte"))
    return found
