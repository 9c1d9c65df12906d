"""The register over the API: same services, same scope rules as the web pages."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jigi.accounts.models import User
from jigi.core.api import Pagination
from jigi.registry import selectors, services
from jigi.registry.models import ChangeRequest, Household, Individual
from jigi.registry.schemas import (
    ChangeRequestIn,
    ChangeRequestOut,
    DocumentIn,
    HouseholdIn,
    HouseholdOut,
    HouseholdPatch,
    HouseholdSummaryOut,
    MemberExitIn,
    MemberIn,
    MemberOut,
    MemberPatch,
    MoveIn,
    ReviewIn,
    SplitIn,
)

router = Router(tags=["register"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


class HouseholdQuery(Schema):
    q: str = ""
    phone: str = ""
    document: str = ""
    code: str = ""
    area: str = ""
    village: str = ""
    displacement: str = ""
    status: str = ""


@router.get("/households", response=list[HouseholdSummaryOut])
@paginate(Pagination)
def list_households(request: HttpRequest, filters: Query[HouseholdQuery]) -> QuerySet[Household]:
    """Households in your scope; `q` matches the start of any member's name words without
    accents or case ("traore awa"), `area` is a region, cercle or commune P-code."""
    rows = selectors.households_for(_user(request), selectors.HouseholdFilters(**filters.dict()))
    return selectors.with_list_columns(rows).order_by("code")


@router.get("/households/{code}", response=HouseholdOut)
def get_household(request: HttpRequest, code: str) -> Household:
    return selectors.get_household_for(_user(request), code)


def _document_values(document: Any) -> dict[str, Any]:
    values: dict[str, Any] = document.dict(exclude_unset=True)
    return values


def _values(schema: Schema) -> dict[str, Any]:
    values: dict[str, Any] = schema.dict(exclude_unset=True)
    return values


@router.post("/households", response={201: HouseholdOut})
def register_household(request: HttpRequest, payload: HouseholdIn) -> Status[Household]:
    """Add a household with its members (one living head). Errors name each field
    (`members.0.birth_date`)."""
    members = [
        services.NewMember(
            values={k: v for k, v in member.dict(exclude_unset=True).items() if k != "documents"},
            documents=tuple(_document_values(document) for document in member.documents),
        )
        for member in payload.members
    ]
    created = services.register_household(
        actor=_user(request),
        commune=payload.commune,
        household=_values(payload.household),
        members=members,
    )
    return Status(201, selectors.get_household_for(_user(request), created.code))


@router.patch("/households/{code}", response=HouseholdOut)
def update_household(request: HttpRequest, code: str, payload: HouseholdPatch) -> Household:
    """Correct attributes at the version you read (409 if someone changed it meanwhile)."""
    user = _user(request)
    household = selectors.get_household_for(user, code)
    services.update_household(
        actor=user,
        household=household,
        expected_version=payload.version,
        changes=_values(payload.changes),
    )
    return selectors.get_household_for(user, code)


@router.post("/households/{code}/members", response={201: MemberOut})
def add_member(request: HttpRequest, code: str, payload: MemberIn) -> Status[Individual]:
    user = _user(request)
    household = selectors.get_household_for(user, code)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "documents"}
    documents = [_document_values(document) for document in payload.documents]
    return Status(
        201,
        services.add_member(actor=user, household=household, values=values, documents=documents),
    )


@router.patch("/members/{member_id}", response=MemberOut)
def update_member(request: HttpRequest, member_id: int, payload: MemberPatch) -> Individual:
    user = _user(request)
    member = selectors.get_member_for(user, member_id)
    return services.update_member(
        actor=user,
        member=member,
        expected_version=payload.version,
        changes=_values(payload.changes),
    )


@router.post("/members/{member_id}/exit", response=MemberOut)
def member_exit(request: HttpRequest, member_id: int, payload: MemberExitIn) -> Individual:
    """Record a death or departure; when the head leaves, name the new head."""
    user = _user(request)
    member = selectors.get_member_for(user, member_id)
    new_head = selectors.get_member_for(user, payload.new_head) if payload.new_head else None
    return services.record_member_exit(
        actor=user,
        member=member,
        status=payload.status,
        on=payload.on,
        reason=payload.reason,
        new_head=new_head,
    )


@router.post("/households/{code}/move", response=HouseholdOut)
def move_household(request: HttpRequest, code: str, payload: MoveIn) -> Household:
    user = _user(request)
    household = selectors.get_household_for(user, code)
    services.move_household(
        actor=user,
        household=household,
        expected_version=None,
        commune=payload.commune,
        village=payload.village,
        reason=payload.reason,
    )
    return selectors.get_household_for(user, code)


@router.post("/households/{code}/split", response={201: HouseholdOut})
def split_household(request: HttpRequest, code: str, payload: SplitIn) -> Status[Household]:
    user = _user(request)
    household = selectors.get_household_for(user, code)
    created = services.split_household(
        actor=user,
        household=household,
        member_ids=payload.members,
        new_head_id=payload.new_head,
        village=payload.village,
        reason=payload.reason,
    )
    return Status(201, selectors.get_household_for(user, created.code))


@router.get("/change-requests", response=list[ChangeRequestOut])
@paginate(Pagination)
def list_change_requests(request: HttpRequest, status: str = "") -> QuerySet[ChangeRequest]:
    return selectors.change_requests_for(_user(request), status=status)


@router.post("/households/{code}/change-requests", response={201: ChangeRequestOut})
def propose_change(
    request: HttpRequest, code: str, payload: ChangeRequestIn
) -> Status[ChangeRequest]:
    """Propose an edit (kinds: add_member, member_exit, correct_member, correct_household,
    move_household); it applies when another officer of the scope approves it."""
    user = _user(request)
    household = selectors.get_household_for(user, code)
    member = selectors.get_member_for(user, payload.member) if payload.member else None
    change = services.propose_change(
        actor=user,
        household=household,
        kind=payload.kind,
        payload=payload.payload,
        reason=payload.reason,
        member=member,
    )
    return Status(201, change)


@router.post("/change-requests/{request_id}/approve", response=ChangeRequestOut)
def approve_change(request: HttpRequest, request_id: int, payload: ReviewIn) -> ChangeRequest:
    user = _user(request)
    change = selectors.get_change_request_for(user, request_id)
    return services.approve_change(actor=user, change=change, comment=payload.comment)


@router.post("/change-requests/{request_id}/reject", response=ChangeRequestOut)
def reject_change(request: HttpRequest, request_id: int, payload: ReviewIn) -> ChangeRequest:
    user = _user(request)
    change = selectors.get_change_request_for(user, request_id)
    return services.reject_change(actor=user, change=change, comment=payload.comment)


class HeadIn(Schema):
    new_head: int
    former_head_relationship: str


@router.post("/households/{code}/head", response=HouseholdOut)
def change_head(request: HttpRequest, code: str, payload: HeadIn) -> Household:
    """Hand the headship to another present member; the former head gets a new relationship."""
    user = _user(request)
    household = selectors.get_household_for(user, code)
    new_head = selectors.get_member_for(user, payload.new_head)
    services.change_head(
        actor=user,
        household=household,
        new_head=new_head,
        former_head_relationship=payload.former_head_relationship,
    )
    return selectors.get_household_for(user, code)


@router.post("/members/{member_id}/documents", response={201: MemberOut})
def add_document(request: HttpRequest, member_id: int, payload: DocumentIn) -> Status[Individual]:  # type: ignore[valid-type]
    user = _user(request)
    member = selectors.get_member_for(user, member_id)
    services.add_document(actor=user, member=member, values=_document_values(payload))
    return Status(201, selectors.get_member_for(user, member_id))


class RemoveIn(Schema):
    reason: str = Field(..., max_length=300)


@router.post("/documents/{document_id}/remove", response={204: None})
def remove_document(request: HttpRequest, document_id: int, payload: RemoveIn) -> Status[None]:
    user = _user(request)
    document = selectors.get_document_for(user, document_id)
    services.remove_document(actor=user, document=document, reason=payload.reason)
    return Status(204, None)
