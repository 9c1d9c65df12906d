"""Shapes of the payments API. Amounts are integer XOF (`*_xof`), dates ISO."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class CycleIn(Schema):
    programme: str = Field(..., description="the programme's code")
    name: str = Field(..., description='e.g. "2027 – cycle 1"')
    cycle_on: date = Field(..., description="enrolments active on this day are paid")
    due_on: date
    funding_source: str = Field(..., description="the funding source's code")


class CycleOut(Schema):
    id: int
    programme: str
    number: int
    name: str
    cycle_on: date
    due_on: date
    funding_source: str
    status: str
    totals: dict[str, Any]
    submitted_at: datetime | None
    approved_at: datetime | None

    @staticmethod
    def resolve_programme(obj: Any) -> str:
        return str(obj.programme.code)

    @staticmethod
    def resolve_funding_source(obj: Any) -> str:
        return str(obj.funding_source.code)


class LineOut(Schema):
    id: int
    household: str
    commune: str
    agency: str | None
    recipient: int
    recipient_name: str
    channel: str
    payment_number: str
    members: int
    base_xof: int
    member_top_up_xof: int
    emergency_xof: int
    arrears_xof: int
    deduction_xof: int
    amount_xof: int
    reissue_of: int | None
    status: str
    paid_on: date | None
    transaction_reference: str
    failure_reason: str

    @staticmethod
    def resolve_household(obj: Any) -> str:
        return str(obj.household.code)

    @staticmethod
    def resolve_commune(obj: Any) -> str:
        return str(obj.commune_id)

    @staticmethod
    def resolve_agency(obj: Any) -> str | None:
        return obj.agency.code if obj.agency_id else None

    @staticmethod
    def resolve_recipient(obj: Any) -> int:
        return int(obj.recipient_id)

    @staticmethod
    def resolve_reissue_of(obj: Any) -> int | None:
        return obj.reissue_of_id  # type: ignore[no-any-return]


class ReasonIn(Schema):
    reason: str


class ReconciliationOut(Schema):
    agencies: list[dict[str, Any]]
    total: dict[str, Any]
