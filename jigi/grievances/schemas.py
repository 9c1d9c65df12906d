"""Shapes of the grievances API. Times are ISO 8601 (UTC); codes as printed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class ComplaintIn(Schema):
    channel: str = Field(..., description="hotline, sms, in_person, box, committee, api")
    category: str
    description: str
    household_code: str = ""
    complainant_name: str = ""
    complainant_phone: str = ""
    area_code: str = Field("", description="region or commune P-code when no household")
    village: str = ""
    payment_line_id: int | None = None
    cycle_id: int | None = None
    enrolment_id: int | None = None


class ComplaintOut(Schema):
    code: str
    channel: str
    category: str
    status: str
    level: int
    area: str
    region: str
    household: str | None
    assigned_to: str | None
    received_at: datetime
    deadline_at: datetime
    resolved_at: datetime | None
    resolution: str
    payment_line: int | None

    @staticmethod
    def resolve_area(obj: Any) -> str:
        return str(obj.area_id)

    @staticmethod
    def resolve_region(obj: Any) -> str:
        return str(obj.region_id)

    @staticmethod
    def resolve_household(obj: Any) -> str | None:
        return obj.household.code if obj.household_id else None

    @staticmethod
    def resolve_assigned_to(obj: Any) -> str | None:
        return obj.assigned_to.get_username() if obj.assigned_to_id else None

    @staticmethod
    def resolve_payment_line(obj: Any) -> int | None:
        return obj.payment_line_id  # type: ignore[no-any-return]


class ComplaintDetailOut(ComplaintOut):
    description: str
    resolution_note: str


class AssignIn(Schema):
    assignee: str = Field(..., description="the username")
    note: str = ""


class ResolveIn(Schema):
    resolution: str = Field(..., description="corrected, explained, referred, rejected")
    note: str


class ReasonIn(Schema):
    reason: str = ""


class PublicStatusOut(Schema):
    code: str
    status: str
    status_label: str
    received_at: datetime
    resolved_at: datetime | None
