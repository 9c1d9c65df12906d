from datetime import date, datetime
from typing import Any

from ninja import Field, Schema
from ninja.orm import create_schema
from pydantic import ConfigDict

from jigi.registry.models import Household, IdentityDocument, Individual
from jigi.registry.rules import DOCUMENT_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS

# Every attribute optional: PATCH sends only what changes; the service checks what is required.
HouseholdAttributes = create_schema(
    Household,
    name="HouseholdAttributes",
    fields=[name for name in HOUSEHOLD_FIELDS if name != "origin_commune"],
    optional_fields=[name for name in HOUSEHOLD_FIELDS if name != "origin_commune"],
)
MemberAttributes = create_schema(
    Individual,
    name="MemberAttributes",
    fields=list(MEMBER_FIELDS),
    optional_fields=list(MEMBER_FIELDS),
)
DocumentIn = create_schema(
    IdentityDocument,
    name="DocumentIn",
    fields=list(DOCUMENT_FIELDS),
    optional_fields=["issuer", "issued_on"],
)


class OriginMixin(Schema):
    origin_commune: str | None = Field(
        None, description="P-code of the commune of origin (displaced households)"
    )


class HouseholdAttributesIn(HouseholdAttributes, OriginMixin):  # type: ignore[misc,valid-type]
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored


class MemberChanges(MemberAttributes):  # type: ignore[misc,valid-type]
    model_config = ConfigDict(extra="forbid")


class MemberIn(MemberChanges):
    documents: list[DocumentIn] = []  # type: ignore[valid-type]


class HouseholdIn(Schema):
    commune: str = Field(..., description="P-code of the commune (COD-AB 2021), e.g. ML010312")
    household: HouseholdAttributesIn
    members: list[MemberIn]


class HouseholdPatch(Schema):
    version: int = Field(..., description="The version you read; a stale version answers 409")
    changes: HouseholdAttributesIn


class MemberPatch(Schema):
    version: int
    changes: MemberChanges


class MemberExitIn(Schema):
    status: str = Field(..., description="deceased or moved_out")
    on: date
    reason: str = Field(..., max_length=300)
    new_head: int | None = Field(
        None, description="id of the member who becomes head, when the head leaves"
    )


class MoveIn(Schema):
    commune: str = Field(..., max_length=12)
    village: str = Field(..., max_length=120)
    reason: str = Field(..., max_length=300)


class SplitIn(Schema):
    members: list[int]
    new_head: int
    village: str = Field("", max_length=120)
    reason: str = Field(..., max_length=300)


class ChangeRequestIn(Schema):
    kind: str
    reason: str = Field(..., max_length=300)
    member: int | None = None
    payload: dict[str, Any] = {}


class ReviewIn(Schema):
    comment: str = Field("", max_length=300)


class DocumentOut(Schema):
    id: int
    kind: str
    number: str
    issuer: str
    issued_on: date | None


class MemberOut(Schema):
    id: int
    version: int
    given_names: str
    family_name: str
    other_names: str
    sex: str
    birth_date: date
    birth_precision: str
    relationship: str
    marital_status: str
    phone: str
    pregnancy: str
    status: str
    status_on: date | None
    documents: list[DocumentOut]

    @staticmethod
    def resolve_documents(obj: Any) -> list[Any]:
        return list(obj.documents.all())


class HouseholdSummaryOut(Schema):
    code: str
    commune: str
    commune_name: str
    village: str
    status: str
    displacement: str
    head: str | None
    members: int

    @staticmethod
    def resolve_commune(obj: Any) -> str:
        return str(obj.commune_id)

    @staticmethod
    def resolve_commune_name(obj: Any) -> str:
        return str(obj.commune.name)

    @staticmethod
    def resolve_head(obj: Any) -> str | None:
        if obj.head_given_names is None:
            return None
        return f"{obj.head_given_names} {obj.head_family_name}"

    @staticmethod
    def resolve_members(obj: Any) -> int:
        return int(obj.member_count or 0)


class HouseholdOut(Schema):
    code: str
    version: int
    commune: str
    village: str
    latitude: float | None
    longitude: float | None
    registered_on: date
    source: str
    status: str
    status_reason: str
    is_child_headed: bool
    displacement: str
    origin_commune: str | None
    displaced_on: date | None
    attributes: dict[str, Any]
    members: list[MemberOut]

    @staticmethod
    def resolve_commune(obj: Any) -> str:
        return str(obj.commune_id)

    @staticmethod
    def resolve_origin_commune(obj: Any) -> str | None:
        return str(obj.origin_commune_id) if obj.origin_commune_id else None

    @staticmethod
    def resolve_latitude(obj: Any) -> float | None:
        return float(obj.latitude) if obj.latitude is not None else None

    @staticmethod
    def resolve_longitude(obj: Any) -> float | None:
        return float(obj.longitude) if obj.longitude is not None else None

    @staticmethod
    def resolve_attributes(obj: Any) -> dict[str, Any]:
        skip = {
            "village",
            "latitude",
            "longitude",
            "registered_on",
            "source",
            "is_child_headed",
            "displacement",
            "origin_commune",
            "displaced_on",
        }
        return {
            name: (str(value) if name == "land_hectares" else value)
            for name in HOUSEHOLD_FIELDS
            if name not in skip
            for value in [getattr(obj, name)]
        }

    @staticmethod
    def resolve_members(obj: Any) -> list[Any]:
        return list(obj.members.all())


class ChangeRequestOut(Schema):
    id: int
    household: str
    member: int | None
    kind: str
    payload: dict[str, Any]
    reason: str
    status: str
    requested_by: str
    requested_at: datetime
    reviewed_by: str | None
    review_comment: str

    @staticmethod
    def resolve_household(obj: Any) -> str:
        return str(obj.household.code)

    @staticmethod
    def resolve_member(obj: Any) -> int | None:
        member: int | None = obj.individual_id
        return member

    @staticmethod
    def resolve_requested_by(obj: Any) -> str:
        return str(obj.requested_by.username)

    @staticmethod
    def resolve_reviewed_by(obj: Any) -> str | None:
        return obj.reviewed_by.username if obj.reviewed_by_id else None
