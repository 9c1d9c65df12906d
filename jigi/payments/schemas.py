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


class LineProblemOut(Schema):
    line: int = Field(..., description="line of the file (1 is the header; n-th entry in JSON)")
    column: str
    value: str
    reason: str


class ComplianceOut(Schema):
    rows: int
    written: int = Field(..., description="households recorded (0 when problems stopped it)")
    non_compliant: int
    errors: list[LineProblemOut]


class PaymentFileOut(Schema):
    id: int
    agency: str | None
    file_format: str
    layout: str
    rows: int
    total_xof: int
    sha256: str
    created_at: datetime

    @staticmethod
    def resolve_agency(obj: Any) -> str | None:
        return obj.agency.code if obj.agency_id else None


class ReturnImportOut(Schema):
    id: int
    file_name: str
    sha256: str
    status: str
    rows: int
    valid_rows: int
    applied_rows: int
    errors: list[LineProblemOut]
    created_at: datetime
    applied_at: datetime | None
