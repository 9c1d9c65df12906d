"""Shapes of the protection API. Lists carry codes and statuses only; a case's detail holds
its sealed fields in clear and is audit-logged like the page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class CaseOut(Schema):
    code: str
    status: str
    risk_level: str
    opened_on: date
    provider: str
    assigned_worker: str

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return str(obj.provider.name)

    @staticmethod
    def resolve_assigned_worker(obj: Any) -> str:
        return str(obj.assigned_worker.username)


class IncidentOut(Schema):
    incident_on: date
    reported_on: date
    region: str
    gbv_type: str
    decided_by: str
    classifier_version: str
    contexts: list[str]
    age_group: str
    narrative: str


class ConsentOut(Schema):
    id: int
    purpose: str
    service_type: str
    given_on: date
    withdrawn_at: datetime | None


class ReferralOut(Schema):
    id: int
    to_provider: int
    service_type: str
    status: str
    is_override: bool
    created_at: datetime


class CaseDetailOut(Schema):
    code: str
    status: str
    risk_level: str
    opened_on: date
    provider: str
    assigned_worker: str
    survivor_sex: str
    survivor_birth_year: int | None
    name: str
    contact: str
    incidents: list[IncidentOut]
    consents: list[ConsentOut]
    referrals: list[ReferralOut]


class IdentityIn(Schema):
    name: str = ""
    contact: str = ""
    risk_level: str


class IncidentIn(Schema):
    reported_on: date | None = None
    incident_on: date
    region_code: str = Field(..., description="region P-code, e.g. ML09")
    survivor_age: int | None = None
    perpetrator_relationship: str
    answers: dict[str, bool] = Field(
        ..., description="every GBVIMS question key answered true or false"
    )
    narrative: str = ""


class ReferralIn(Schema):
    to_provider_id: int
    service_type: str
    urgency: str = "normal"
    message: str = ""
    override_reason: str = ""


class ClosureIn(Schema):
    reason: str
    checklist: list[str]


class StatisticsOut(Schema):
    month: date
    dimension: str
    regions: list[str]
    columns: list[str]
    cells: list[list[int | None]] = Field(..., description="null: suppressed")
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None
