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
    """Only the fields sent change (an empty text clears one)."""

    name: str | None = None
    contact: str | None = None
    risk_level: str | None = None


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


class ConsentIn(Schema):
    purpose: str = Field(..., description="services, referral or statistics")
    service_type: str = Field("", description="for a referral consent: the service type")
    given_on: date
    scope_note: str = Field("", description="what the survivor limited it to (sealed)")


class ConsentEntryOut(Schema):
    """A line of the consent ledger: given on a date, recorded by a user, maybe withdrawn."""

    id: int
    purpose: str
    service_type: str
    given_on: date
    recorded_by: str
    recorded_at: datetime
    scope_note: str
    withdrawn_at: datetime | None
    withdrawn_by: str | None


class WithdrawalOut(Schema):
    consent: ConsentOut
    revoked_referrals: int = Field(
        ..., description="open referrals (and priority cash referrals) revoked with it"
    )


class AssessmentIn(Schema):
    risk_level: str
    assessed_on: date | None = Field(None, description="today when left out")
    safety_needs: bool = False
    health_needs: bool = False
    psychosocial_needs: bool = False
    legal_needs: bool = False
    material_needs: bool = False
    notes: str = Field("", description="sealed")


class AssessmentOut(Schema):
    id: int
    assessed_on: date
    risk_level: str
    safety_needs: bool
    health_needs: bool
    psychosocial_needs: bool
    legal_needs: bool
    material_needs: bool


class ServiceDeliveryIn(Schema):
    kind: str = Field(..., description="the service kind, e.g. medical, dignity_kit")
    provider_id: int
    started_on: date
    ended_on: date | None = None
    outcome: str = Field(..., description="ongoing, provided, declined or unavailable")


class ServiceDeliveryOut(Schema):
    id: int
    kind: str
    provider_id: int
    provider: str
    started_on: date
    ended_on: date | None
    outcome: str

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return str(obj.provider.name)


class PlanIn(Schema):
    kind: str = Field(..., description="case or safety")
    content: str = Field(..., description="sealed")


class PlanOut(Schema):
    id: int
    kind: str
    status: str
    submitted_at: datetime
    decided_at: datetime | None


class PlanEntryOut(Schema):
    id: int
    kind: str
    status: str
    content: str
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class DecisionIn(Schema):
    approve: bool = Field(..., description="true approves; false sends it back")


class FollowUpIn(Schema):
    due_on: date
    purpose: str = Field(..., description="sealed")


class FollowUpOut(Schema):
    id: int
    due_on: date
    done_on: date | None


class FollowUpEntryOut(Schema):
    id: int
    due_on: date
    purpose: str
    done_on: date | None
    done_by: str | None
    is_overdue: bool


class FollowUpDoneIn(Schema):
    done_on: date | None = Field(None, description="today when left out")


class ReferralAnswerIn(Schema):
    accept: bool
    note: str = Field("", description="goes back to the referring case, sealed")


class ReferralCompletionIn(Schema):
    feedback: str = Field("", description="the service given, sealed")


class RevocationIn(Schema):
    reason: str = Field("", description="the case worker's words, sealed")


class IncomingReferralOut(Schema):
    """What the receiving provider is told: the referral's own fields, nothing of the case."""

    id: int
    survivor_code: str
    service_type: str
    urgency: str
    survivor_sex: str
    age_group: str
    message: str
    status: str
    from_provider: str
    created_at: datetime
