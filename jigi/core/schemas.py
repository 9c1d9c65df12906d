from datetime import datetime
from typing import Any

from ninja import Schema


class AreaOut(Schema):
    pcode: str
    name: str
    level: int
    parent_pcode: str | None
    cod_version: str

    @staticmethod
    def resolve_parent_pcode(obj: Any) -> str | None:
        parent: str | None = obj.parent_id
        return parent


class OrganisationOut(Schema):
    id: int
    name: str
    acronym: str
    kind: str


class SiteOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    area_pcode: str
    area_name: str
    organisation: str | None

    @staticmethod
    def resolve_area_pcode(obj: Any) -> str:
        pcode: str = obj.area_id
        return pcode

    @staticmethod
    def resolve_area_name(obj: Any) -> str:
        name: str = obj.area.name
        return name

    @staticmethod
    def resolve_organisation(obj: Any) -> str | None:
        return str(obj.organisation) if obj.organisation_id else None


class FundingSourceOut(Schema):
    id: int
    code: str
    name: str
    donor: str | None

    @staticmethod
    def resolve_donor(obj: Any) -> str | None:
        return str(obj.donor) if obj.donor_id else None


class JobIn(Schema):
    kind: str


class JobOut(Schema):
    id: str
    kind: str
    status: str
    done: int
    total: int | None
    percent: int | None
    message: str
    result: dict[str, Any] | None
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_id(obj: Any) -> str:
        return str(obj.id)
