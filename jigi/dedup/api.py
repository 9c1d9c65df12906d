"""Duplicates over the API: the instant check before registering, decisions, merges."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from jigi.accounts.models import User
from jigi.core.errors import NotFound
from jigi.dedup import selectors, services
from jigi.registry.models import IdentityDocument, Individual
from jigi.registry.rules import normalise_document_number
from jigi.registry.schemas import HouseholdIn
from jigi.registry.selectors import get_household_for, get_member_for

router = Router(tags=["duplicates"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


class MatchOut(Schema):
    member: int = Field(..., description="index of the member in the household checked")
    individual: int
    household: str
    given_names: str
    family_name: str
    sex: str
    birth_date: date
    commune: str
    probability: float
    comparisons: dict[str, Any] = Field(
        ..., description="comparison → [level, match weight (log2 Bayes factor)]"
    )


class CheckOut(Schema):
    possible_duplicates: list[MatchOut]
    outside_scope: int = Field(..., description="matches in areas you cannot see")


@router.post("/duplicates/check", response=CheckOut)
def check_household(request: HttpRequest, payload: HouseholdIn) -> dict[str, Any]:
    """Check a household's members against the register *before* registering it (same body
    as `POST /households`). Nothing is written."""
    members = []
    for index, member in enumerate(payload.members):
        values = member.dict(exclude_unset=True)
        documents: list[dict[str, Any]] = values.get("documents", [])
        ninas = [
            normalise_document_number(doc["kind"], doc["number"])
            for doc in documents
            if doc.get("kind") == IdentityDocument.Kind.NINA
        ]
        members.append(services.person_to_check(index, values, ninas))
    found, outside = services.check_household(
        actor=_user(request), commune=payload.commune, members=members
    )
    return {
        "possible_duplicates": [
            {
                "member": match.member,
                "individual": match.individual.pk,
                "household": match.individual.household.code,
                "given_names": match.individual.given_names,
                "family_name": match.individual.family_name,
                "sex": match.individual.sex,
                "birth_date": match.individual.birth_date,
                "commune": match.individual.household.commune_id,
                "probability": round(match.probability, 4),
                "comparisons": match.comparisons,
            }
            for match in found
        ],
        "outside_scope": outside,
    }


class DecisionIn(Schema):
    first: int
    second: int
    verdict: str = Field(..., description="same, different or unsure")
    note: str = Field("", max_length=300)


class DecisionOut(Schema):
    left: int = Field(..., alias="left_id")
    right: int = Field(..., alias="right_id")
    verdict: str
    note: str


def _member(user: User, pk: int) -> Individual:
    try:
        return get_member_for(user, pk)
    except NotFound:
        raise NotFound("individual") from None


@router.post("/duplicates/decisions", response={201: DecisionOut})
def decide(request: HttpRequest, payload: DecisionIn) -> Status[Any]:
    """Record that two individuals are the same person, different people, or not sure."""
    user = _user(request)
    decision = services.decide(
        actor=user,
        first=_member(user, payload.first),
        second=_member(user, payload.second),
        verdict=payload.verdict,
        note=payload.note,
    )
    return Status(201, decision)


class MergeIn(Schema):
    survivor: int
    duplicate: int


class MergeOut(Schema):
    id: int
    survivor: int = Field(..., alias="survivor_id")
    merged: int = Field(..., alias="merged_id")
    undone_at: Any = None


@router.post("/duplicates/merges", response={201: MergeOut})
def merge(request: HttpRequest, payload: MergeIn) -> Status[Any]:
    """Fold ``duplicate`` into ``survivor`` (undo with `/duplicates/merges/{id}/undo`)."""
    user = _user(request)
    done = services.merge_individuals(
        actor=user,
        survivor=_member(user, payload.survivor),
        duplicate=_member(user, payload.duplicate),
    )
    return Status(201, done)


@router.post("/duplicates/merges/{merge_id}/undo", response=MergeOut)
def undo_merge(request: HttpRequest, merge_id: int) -> Any:
    user = _user(request)
    return services.unmerge(actor=user, merge=selectors.get_merge(user, merge_id))


class HouseholdMergeIn(Schema):
    survivor: str = Field(..., description="code of the household kept")
    duplicate: str = Field(..., description="code of the household folded into it")


class HouseholdMergeOut(Schema):
    id: int
    survivor: str = Field(..., alias="survivor.code")
    merged: str = Field(..., alias="merged.code")
    undone_at: Any = None


@router.post("/duplicates/household-merges", response={201: HouseholdMergeOut})
def merge_households(request: HttpRequest, payload: HouseholdMergeIn) -> Status[Any]:
    """Fold a household registered twice into the other: the members the last run paired are
    merged, the others join the household kept (undo with `…/{id}/undo`)."""
    user = _user(request)
    done = services.merge_households(
        actor=user,
        survivor=get_household_for(user, payload.survivor),
        duplicate=get_household_for(user, payload.duplicate),
    )
    return Status(201, done)


@router.post("/duplicates/household-merges/{merge_id}/undo", response=HouseholdMergeOut)
def undo_household_merge(request: HttpRequest, merge_id: int) -> Any:
    user = _user(request)
    return services.unmerge_households(
        actor=user, merge=selectors.get_household_merge(user, merge_id)
    )
