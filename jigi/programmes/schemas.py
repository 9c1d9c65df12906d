"""What the programmes API reads and writes. Inputs refuse unknown fields (a misspelt field is an
error, not ignored); the services check the rules and name the field of each problem."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from jigi.programmes import targeting
from jigi.programmes.models import Enrolment, EnrolmentEvent, Programme


def _one_of(values: Any) -> str:
    return ", ".join(str(value) for value in values)


STATUS_EVENTS = [
    kind
    for kind in EnrolmentEvent.Kind.values
    if kind not in {EnrolmentEvent.Kind.ENROLLED, EnrolmentEvent.Kind.RECIPIENT_CHANGED}
]


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------
# Programmes


class CoverageIn(StrictIn):
    commune: str = Field(..., description="P-code of a commune (COD-AB 2021), e.g. ML010312")
    quota: int | None = Field(
        None, description="households the programme may take in the commune; none: no limit"
    )


class FundingIn(StrictIn):
    funding_source: str = Field(..., description="the source's code (`GET /funding-sources`)")
    amount_xof: int = Field(..., description="whole XOF")


class ProgrammeIn(StrictIn):
    code: str = Field(..., description="2 to 40 lower-case letters, digits and dashes")
    name: str
    kind: str = Field(..., description=_one_of(Programme.Kind.values))
    organisation: int = Field(..., description="id of the implementing organisation")
    description: str = ""
    transfer_value_xof: int | None = Field(
        None, description="per household and payment, whole XOF; required for cash programmes"
    )
    member_top_up_xof: int = Field(0, description="added per member and payment, whole XOF")
    top_up_member_cap: int | None = Field(None, description="members counted for the top-up")
    frequency_months: int = Field(..., description="a payment every 1, 2 or 3 months")
    duration_months: int = Field(..., description="length of an enrolment, 1 to 120 months")
    starts_on: date | None = None
    ends_on: date | None = None
    conditionalities: str = ""
    compliance_rule: str = ""
    target_groups: list[str] = Field([], description=_one_of(targeting.CRITERIA))
    coverage: list[CoverageIn]
    funding: list[FundingIn] = []

    def values(self) -> dict[str, Any]:
        """The programme's own fields, as the services take them."""
        return self.dict(exclude={"coverage", "funding", "version", "reason"})


class ProgrammeUpdateIn(ProgrammeIn):
    version: int = Field(..., description="the version you read; a stale version answers 409")
    reason: str = Field("", description="required once the programme is launched (versioned)")


class CoverageOut(Schema):
    commune: str
    commune_name: str
    quota: int | None

    @staticmethod
    def resolve_commune(obj: Any) -> str:
        return str(obj.commune_id)

    @staticmethod
    def resolve_commune_name(obj: Any) -> str:
        return str(obj.commune.name)


class FundingOut(Schema):
    funding_source: str
    amount_xof: int

    @staticmethod
    def resolve_funding_source(obj: Any) -> str:
        return str(obj.funding_source.code)


class ProgrammeSummaryOut(Schema):
    code: str
    name: str
    kind: str
    status: str
    organisation: int
    organisation_name: str
    transfer_value_xof: int
    frequency_months: int
    duration_months: int
    communes: int = Field(..., description="communes covered")
    version: int
    launched_at: datetime | None

    @staticmethod
    def resolve_organisation(obj: Any) -> int:
        return int(obj.organisation_id)

    @staticmethod
    def resolve_organisation_name(obj: Any) -> str:
        return str(obj.organisation.name)


class ProgrammeOut(Schema):
    code: str
    version: int
    name: str
    kind: str
    status: str
    organisation: int
    organisation_name: str
    description: str
    transfer_value_xof: int
    member_top_up_xof: int
    top_up_member_cap: int | None
    frequency_months: int
    duration_months: int
    starts_on: date | None
    ends_on: date | None
    conditionalities: str
    compliance_rule: str
    target_groups: list[str]
    launched_at: datetime | None
    coverage: list[CoverageOut]
    funding: list[FundingOut]

    @staticmethod
    def resolve_organisation(obj: Any) -> int:
        return int(obj.organisation_id)

    @staticmethod
    def resolve_organisation_name(obj: Any) -> str:
        return str(obj.organisation.name)

    @staticmethod
    def resolve_coverage(obj: Any) -> list[Any]:
        return list(obj.coverage.select_related("commune").order_by("commune_id"))

    @staticmethod
    def resolve_funding(obj: Any) -> list[Any]:
        return list(obj.funding.select_related("funding_source"))


# ---------------------------------------------------------------------------------------------
# Formulas and targeting


class TermIn(StrictIn):
    variable: str = Field(..., description=_one_of(targeting.VARIABLES))
    transform: str = Field("value", description=_one_of(targeting.TRANSFORMS))
    value: str | float | None = Field(
        None, description="the code for `equals` (e.g. straw), the threshold for `at_least`"
    )
    weight: float


class FormulaIn(StrictIn):
    name: str
    intercept: float = 0.0
    terms: list[TermIn]
    note: str = ""


class TermOut(Schema):
    variable: str
    transform: str
    value: str | float | None = None
    weight: float


class FormulaOut(Schema):
    number: int = Field(..., description="the formula's version within the programme")
    name: str
    intercept: float
    terms: list[TermOut]
    note: str
    created_at: datetime


class CriteriaIn(StrictIn):
    all: list[str] = Field([], description="every one of: " + _one_of(targeting.CRITERIA))
    any: list[str] = Field([], description="at least one of these, when given")


class RunIn(StrictIn):
    formula: int | None = Field(None, description="formula version number; none: the latest")
    cutoff: float | None = Field(None, description="highest eligible score (low is poor)")
    criteria: CriteriaIn | None = Field(None, description="categorical criteria; none: no criteria")
    communes: list[str] = Field([], description="P-codes inside the coverage; none: all of it")


class CriteriaOut(Schema):
    all: list[str] = []
    any: list[str] = []
    communes: list[str] = []


class CommuneSummaryOut(Schema):
    commune: str
    scored: int
    eligible: int
    selected: int
    quota: int | None


class HistogramOut(Schema):
    low: float | None
    high: float | None
    bins: list[int]


class RunSummaryOut(Schema):
    households: int = Field(..., description="households scored")
    eligible: int
    selected: int
    communes: list[CommuneSummaryOut]
    histogram: HistogramOut


class RunOut(Schema):
    id: int
    programme: str
    formula: int = Field(..., description="the formula's version number")
    cutoff: float | None
    criteria: CriteriaOut
    status: str = Field(..., description="computing, ready (a simulation), adopted, superseded")
    job: str | None = Field(..., description="the job computing it: `GET /jobs/{id}`")
    error: str
    summary: RunSummaryOut | None = Field(..., description="per commune, once computed")
    created_by: str | None
    created_at: datetime
    adopted_at: datetime | None

    @staticmethod
    def resolve_programme(obj: Any) -> str:
        return str(obj.programme.code)

    @staticmethod
    def resolve_formula(obj: Any) -> int:
        return int(obj.formula.number)

    @staticmethod
    def resolve_job(obj: Any) -> str | None:
        return str(obj.job_id) if obj.job_id else None

    @staticmethod
    def resolve_summary(obj: Any) -> dict[str, Any] | None:
        summary: dict[str, Any] | None = obj.summary or None
        return summary

    @staticmethod
    def resolve_created_by(obj: Any) -> str | None:
        return obj.created_by.username if obj.created_by_id else None


class ScoreOut(Schema):
    id: int = Field(..., description="the list entry, for `…/list/{score_id}/decision`")
    household: str
    village: str
    commune: str
    score: float | None = Field(..., description="none for a community addition")
    size: int
    is_eligible: bool
    rank: int | None = Field(..., description="rank of the eligible household in its commune")
    is_selected: bool = Field(..., description="within the commune's quota")
    validation: str = Field(..., description="'' (not on the list), pending, validated, rejected")
    validation_reason: str
    is_community_addition: bool

    @staticmethod
    def resolve_household(obj: Any) -> str:
        return str(obj.household.code)

    @staticmethod
    def resolve_village(obj: Any) -> str:
        return str(obj.household.village)

    @staticmethod
    def resolve_commune(obj: Any) -> str:
        return str(obj.commune_id)


class ListDecisionIn(StrictIn):
    validated: bool
    reason: str = Field("", description="required for a rejection")


class AdditionIn(StrictIn):
    household: str = Field(..., description="code of a household of your scope")
    reason: str


# ---------------------------------------------------------------------------------------------
# Enrolment


class EnrolIn(StrictIn):
    household: str = Field(..., description="code of a household of your scope")
    start_on: date
    recipient: int | None = Field(
        None, description="member id; none: the adult head, else the eldest adult"
    )
    alternate: int | None = Field(None, description="member id; none: a spouse or another adult")
    channel: str | None = Field(
        None,
        description=_one_of(Enrolment.Channel.values)
        + "; none: mobile money to the recipient's phone, else a cash point",
    )
    payment_number: str = ""


class BulkEnrolIn(StrictIn):
    start_on: date


class StatusIn(StrictIn):
    event: str = Field(..., description=_one_of(STATUS_EVENTS))
    on: date
    reason: str
    version: int = Field(..., description="the version you read; a stale version answers 409")


class RecipientIn(StrictIn):
    recipient: int = Field(..., description="member id")
    alternate: int | None = Field(None, description="member id")
    channel: str = Field(..., description=_one_of(Enrolment.Channel.values))
    payment_number: str = ""
    on: date
    reason: str
    version: int = Field(..., description="the version you read; a stale version answers 409")


class EventOut(Schema):
    kind: str
    on: date
    reason: str
    changes: dict[str, Any]
    recorded_by: str | None
    recorded_at: datetime

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str | None:
        return obj.recorded_by.username if obj.recorded_by_id else None


class TopUpOut(Schema):
    emergency: int
    amount_xof: int
    cycles: int
    cycles_paid: int

    @staticmethod
    def resolve_emergency(obj: Any) -> int:
        return int(obj.emergency_id)


class EnrolmentOut(Schema):
    id: int
    version: int
    programme: str
    household: str
    commune: str
    status: str
    start_on: date
    planned_end_on: date
    ended_on: date | None
    recipient: int
    recipient_name: str
    alternate: int | None
    channel: str
    payment_number: str
    run: int | None
    emergency: int | None

    @staticmethod
    def resolve_programme(obj: Any) -> str:
        return str(obj.programme.code)

    @staticmethod
    def resolve_household(obj: Any) -> str:
        return str(obj.household.code)

    @staticmethod
    def resolve_commune(obj: Any) -> str:
        return str(obj.household.commune_id)

    @staticmethod
    def resolve_recipient(obj: Any) -> int:
        return int(obj.recipient_id)

    @staticmethod
    def resolve_recipient_name(obj: Any) -> str:
        return str(obj.recipient)

    @staticmethod
    def resolve_alternate(obj: Any) -> int | None:
        alternate: int | None = obj.alternate_id
        return alternate

    @staticmethod
    def resolve_run(obj: Any) -> int | None:
        run: int | None = obj.run_id
        return run

    @staticmethod
    def resolve_emergency(obj: Any) -> int | None:
        emergency: int | None = obj.emergency_id
        return emergency


class EnrolmentDetailOut(EnrolmentOut):
    events: list[EventOut]
    top_ups: list[TopUpOut]

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.select_related("recorded_by"))

    @staticmethod
    def resolve_top_ups(obj: Any) -> list[Any]:
        return list(obj.top_ups.order_by("id"))


# ---------------------------------------------------------------------------------------------
# Emergency response (Component 4)


class TopUpIn(StrictIn):
    kind: Literal["top_up"]
    shock: str
    communes: list[str] = Field(..., description="P-codes of shocked communes of the coverage")
    amount_xof: int = Field(..., description="extra whole XOF per household and payment")
    cycles: int = Field(..., description="payment cycles the extra amount is paid for")
    ends_on: date


class ExpansionIn(StrictIn):
    kind: Literal["expansion"]
    shock: str
    communes: list[str] = Field(..., description="P-codes of shocked communes of the coverage")
    extra_quota: int = Field(..., description="households enrolled in addition, per commune")
    start_on: date
    ends_on: date


class EmergencyOut(Schema):
    id: int
    kind: str
    shock: str
    communes: list[str]
    top_up_xof: int | None
    cycles: int | None
    extra_quota: int | None
    ends_on: date
    households: int = Field(..., description="households topped up or enrolled")
    created_at: datetime

    @staticmethod
    def resolve_communes(obj: Any) -> list[str]:
        return sorted(area.pcode for area in obj.communes.all())

    @staticmethod
    def resolve_households(obj: Any) -> int:
        return int(obj.summary.get("households", 0))
