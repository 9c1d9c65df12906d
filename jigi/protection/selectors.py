"""Reads of the protection app. Lists carry codes and statuses only; opening a case goes
through `get_case_for`, which answers "not found" to anyone but the assigned case worker and
the site's supervisors and audit-logs each opening with the fields read; the sealed fields are
opened only by `case_file`, which logs them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jigi.accounts.models import User
from jigi.accounts.roles import Perm, Role
from jigi.audit.services import record
from jigi.core import handoffs
from jigi.core.errors import NotFound
from jigi.programmes.models import PriorityReferral
from jigi.protection import classifier, crypto
from jigi.protection.access import (
    case_or_404,
    is_supervisor_of,
    openable_cases,
    receivable_referrals,
    refuse,
    require,
    staff_providers,
)
from jigi.protection.models import (
    Assessment,
    Case,
    CashReferral,
    Consent,
    FollowUp,
    Incident,
    Plan,
    Provider,
    Referral,
    ServiceDelivery,
    ServiceType,
)
from jigi.protection.services import handoff_areas, sealed_field


@dataclass(frozen=True)
class Filters:
    status: str = ""
    risk: str = ""
    query: str = ""


def cases_for(user: User, filters: Filters | None = None) -> QuerySet[Case]:
    """The cases the user may open, newest first, with the counts lists show."""
    require(user, Perm.PROTECTION_CASES)
    rows = openable_cases(user).select_related("provider", "assigned_worker")
    filters = filters or Filters()
    if filters.status == "open":
        rows = rows.exclude(status=Case.Status.CLOSED)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.risk:
        rows = rows.filter(risk_level=filters.risk)
    query = filters.query.strip().upper().replace(" ", "")
    if query:
        rows = rows.filter(code__icontains=query)
    today = timezone.localdate()
    return rows.annotate(
        overdue=Count("follow_ups", filter=Q(follow_ups__done_on__isnull=True,
                                             follow_ups__due_on__lt=today)),
    ).order_by("-opened_on", "-id")  # fmt: skip


def get_case_for(user: User, code: str, *, fields: Sequence[str] = ("summary",)) -> Case:
    """One case the user may open (else NotFound, logged), its opening audit-logged with the
    parts shown. A role outside protection is told "not found" too, not "forbidden"."""
    case = case_or_404(user, code.strip().upper(), action="open")
    with transaction.atomic():
        record(actor=user, action="protection.read_case", target=case,
               changes={"fields": list(fields)})  # fmt: skip
    return case


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    narrative: str
    type_label: str
    context_labels: list[str]
    age_group: str


@dataclass(frozen=True)
class PlanView:
    plan: Plan
    content: str


@dataclass(frozen=True)
class CaseFile:
    """The opened case with its sealed fields in clear, for its page and the API."""

    case: Case
    name: str
    contact: str
    incidents: list[IncidentView]
    assessments: list[tuple[Assessment, str]]
    consents: list[Consent]
    services: list[Any]
    plans: list[PlanView]
    follow_ups: list[tuple[FollowUp, str]]
    referrals: list[tuple[Referral, str]]
    cash_referrals: list[tuple[CashReferral, str]]
    is_supervisor: bool


CASE_FILE_FIELDS = (
    "summary", "name", "contact", "incidents.narrative", "assessments.notes", "consents",
    "services", "plans.content", "follow_ups.purpose", "referrals.feedback",
)  # fmt: skip


def _open(value: str, model: type[Any], name: str, case: Case) -> str:
    return crypto.unseal(value, field=sealed_field(model, name), case=case.code)


def case_file(user: User, code: str) -> CaseFile:
    """The whole case as its page shows it; the reading is logged with every field opened."""
    case = get_case_for(user, code, fields=CASE_FILE_FIELDS)
    incidents = [
        IncidentView(
            incident=incident,
            narrative=_open(incident.narrative_sealed, Incident, "narrative_sealed", case),
            type_label=str(classifier.GBV_TYPES.get(incident.gbv_type, incident.gbv_type)),
            context_labels=[str(classifier.CONTEXTS.get(c, c)) for c in incident.contexts],
            age_group=classifier.age_group(incident.survivor_age),
        )
        for incident in case.incidents.select_related("region")
    ]
    return CaseFile(
        case=case,
        name=_open(case.name_sealed, Case, "name_sealed", case),
        contact=_open(case.contact_sealed, Case, "contact_sealed", case),
        incidents=incidents,
        assessments=[
            (row, _open(row.notes_sealed, Assessment, "notes_sealed", case))
            for row in case.assessments.all()
        ],
        consents=list(case.consents.select_related("recorded_by")),
        services=list(case.services.select_related("provider")),
        plans=[
            PlanView(plan, _open(plan.content_sealed, Plan, "content_sealed", case))
            for plan in case.plans.select_related("submitted_by", "decided_by")
        ],
        follow_ups=[
            (row, _open(row.purpose_sealed, FollowUp, "purpose_sealed", case))
            for row in case.follow_ups.all()
        ],
        referrals=[
            (row, _open(row.feedback_sealed, Referral, "feedback_sealed", case))
            for row in case.referrals.select_related("to_provider")
        ],
        cash_referrals=_cash_referrals(case),
        is_supervisor=is_supervisor_of(user, case),
    )


def _cash_referrals(case: Case) -> list[tuple[CashReferral, str]]:
    """The case's priority cash referrals with what the programme recorded of them."""
    rows = list(case.cash_referrals.all())
    statuses = dict(
        PriorityReferral.objects.filter(pk__in=[r.priority_referral_id for r in rows]).values_list(
            "pk", "status"
        )
    )
    labels = dict(PriorityReferral.Status.choices)
    return [(row, str(labels.get(statuses.get(row.priority_referral_id, ""), "—"))) for row in rows]


def overdue_follow_ups_for(user: User, today: date | None = None) -> QuerySet[FollowUp]:
    """Follow-ups past their due date and not done, on the cases the user may open."""
    require(user, Perm.PROTECTION_CASES)
    day = today or timezone.localdate()
    return (
        FollowUp.objects.filter(case__in=openable_cases(user), done_on__isnull=True, due_on__lt=day)
        .exclude(case__status=Case.Status.CLOSED)
        .select_related("case")
        .order_by("due_on")
    )


def awaiting_approval_for(user: User) -> dict[str, QuerySet[Any]]:
    """What a supervisor has to decide: submitted plans and requested closures of the site."""
    require(user, Perm.PROTECTION_SUPERVISE)
    cases = Case.objects.filter(site_id__in=user.scope_site_ids())
    return {
        "plans": Plan.objects.filter(case__in=cases, status=Plan.Status.SUBMITTED).select_related(
            "case"
        ),
        "closures": cases.filter(status=Case.Status.CLOSURE_REQUESTED),
    }


@dataclass(frozen=True)
class IncomingReferral:
    """What the receiving provider is told: the referral's own fields, nothing of the case."""

    id: int
    survivor_code: str
    service_type: str
    urgency: str
    survivor_sex: str
    age_group: str
    message: str
    status: str
    status_label: str
    from_provider: str
    created_at: Any


def pending_incoming_count(user: User) -> int:
    require(user, Perm.PROTECTION_CASES)
    return receivable_referrals(user).filter(status=Referral.Status.PENDING).count()


def incoming_referrals_for(user: User) -> list[IncomingReferral]:
    """The referrals sent to the user's providers, their messages opened (logged)."""
    require(user, Perm.PROTECTION_CASES)
    rows = list(
        receivable_referrals(user)
        .select_related("case", "from_provider")
        .order_by("-created_at")[:200]
    )
    if rows:
        with transaction.atomic():
            record(actor=user, action="protection.read_referrals", target=None,
                   target_label="incoming", changes={"referrals": [row.pk for row in rows]})  # fmt: skip
    return [
        IncomingReferral(
            id=row.pk,
            survivor_code=row.case.code,
            service_type=row.get_service_type_display(),
            urgency=row.get_urgency_display(),
            survivor_sex=row.get_survivor_sex_display(),
            age_group=row.age_group,
            # A revoked referral (consent withdrawn, or the case worker's decision) no
            # longer shares anything: the receiver keeps only its code and status.
            message=(
                ""
                if row.status == Referral.Status.REVOKED
                else _open(row.message_sealed, Referral, "message_sealed", row.case)
            ),
            status=row.status,
            status_label=row.get_status_display(),
            from_provider=row.from_provider.name,
            created_at=row.created_at,
        )
        for row in rows
    ]


def get_incoming_referral(user: User, referral_id: int) -> Referral:
    referral = receivable_referrals(user).filter(pk=referral_id).first()
    if referral is None:
        raise NotFound("orientation")
    return referral


def pending_handoffs_for(user: User) -> list[handoffs.Handoff]:
    """Disclosures handed over with consent (from complaints) in the regions the user works
    in, not yet taken up: a code to quote, a place and the consent date, nothing else."""
    require(user, Perm.PROTECTION_CASES)
    return handoffs.pending_handoffs("protection", handoff_areas(user))


@dataclass(frozen=True)
class ProviderRow:
    provider: Provider
    services: list[str]
    case_workers: int
    supervisors: int


def provider_directory() -> list[ProviderRow]:
    """Every active provider with the services it offers and how many GBV staff work at its
    site (case workers, supervisors), for referring and for reporting."""
    labels = dict(ServiceType.choices)
    staff: dict[tuple[int, str], int] = {}
    rows = User.objects.filter(
        role__in=[Role.GBV_CASE_WORKER, Role.GBV_SUPERVISOR], is_active=True
    ).values_list("scope_sites", "role")
    for site_id, role in rows:
        if site_id is not None:
            staff[(site_id, role)] = staff.get((site_id, role), 0) + 1
    return [
        ProviderRow(
            provider=row,
            services=[str(labels.get(key, key)) for key in row.services],
            case_workers=staff.get((row.site_id or 0, Role.GBV_CASE_WORKER), 0),
            supervisors=staff.get((row.site_id or 0, Role.GBV_SUPERVISOR), 0),
        )
        for row in providers().select_related("funding_source")
    ]


def providers() -> QuerySet[Provider]:
    """Active providers (reference data: every GBV worker may refer to any of them)."""
    return Provider.objects.filter(is_active=True).select_related("area", "site")


def my_providers(user: User) -> QuerySet[Provider]:
    return staff_providers(user).filter(is_active=True)


def standing_consents(case: Case) -> QuerySet[Consent]:
    return case.consents.filter(withdrawn_at__isnull=True)


# The case's ledgers, one part at a time (for the API) ---------------------------------------


@dataclass(frozen=True)
class ConsentEntry:
    """One line of the consent ledger, its scope note opened."""

    id: int
    purpose: str
    service_type: str
    given_on: date
    recorded_by: str
    recorded_at: datetime
    scope_note: str
    withdrawn_at: datetime | None
    withdrawn_by: str | None


def consent_ledger_for(user: User, code: str) -> list[ConsentEntry]:
    """Every consent of the case, standing and withdrawn; the reading is logged."""
    case = get_case_for(user, code, fields=("consents", "consents.scope_note"))
    return [
        ConsentEntry(
            id=row.pk,
            purpose=row.purpose,
            service_type=row.service_type,
            given_on=row.given_on,
            recorded_by=row.recorded_by.get_username(),
            recorded_at=row.recorded_at,
            scope_note=_open(row.scope_note_sealed, Consent, "scope_note_sealed", case),
            withdrawn_at=row.withdrawn_at,
            withdrawn_by=row.withdrawn_by.get_username() if row.withdrawn_by else None,
        )
        for row in case.consents.select_related("recorded_by", "withdrawn_by")
    ]


def service_deliveries_for(user: User, code: str) -> QuerySet[ServiceDelivery]:
    """The services delivered to the survivor, latest first; the reading is logged."""
    case = get_case_for(user, code, fields=("services",))
    return case.services.select_related("provider", "recorded_by")


@dataclass(frozen=True)
class PlanEntry:
    id: int
    kind: str
    status: str
    content: str
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None


def plans_for(user: User, code: str) -> list[PlanEntry]:
    """The case's plans, latest first, their content opened; the reading is logged."""
    case = get_case_for(user, code, fields=("plans.content",))
    return [
        PlanEntry(
            id=plan.pk,
            kind=plan.kind,
            status=plan.status,
            content=_open(plan.content_sealed, Plan, "content_sealed", case),
            submitted_by=plan.submitted_by.get_username(),
            submitted_at=plan.submitted_at,
            decided_by=plan.decided_by.get_username() if plan.decided_by else None,
            decided_at=plan.decided_at,
        )
        for plan in case.plans.select_related("submitted_by", "decided_by")
    ]


@dataclass(frozen=True)
class FollowUpEntry:
    id: int
    due_on: date
    purpose: str
    done_on: date | None
    done_by: str | None
    is_overdue: bool


def follow_ups_for(user: User, code: str, today: date | None = None) -> list[FollowUpEntry]:
    """The case's follow-ups by due date, their purpose opened; overdue: past due, not done,
    on a case not closed (as the case list counts them). The reading is logged."""
    case = get_case_for(user, code, fields=("follow_ups.purpose",))
    day = today or timezone.localdate()
    return [
        FollowUpEntry(
            id=row.pk,
            due_on=row.due_on,
            purpose=_open(row.purpose_sealed, FollowUp, "purpose_sealed", case),
            done_on=row.done_on,
            done_by=row.done_by.get_username() if row.done_by else None,
            is_overdue=row.done_on is None and row.due_on < day and case.is_open,
        )
        for row in case.follow_ups.select_related("done_by")
    ]


def _row_of(case: Case, rows: QuerySet[Any], row_id: int, noun: str) -> Any:
    row = rows.filter(case=case, pk=row_id).first()
    if row is None:
        raise NotFound(noun)
    return row


def consent_of(case: Case, consent_id: int) -> Consent:
    """One consent of a case already opened (`case_or_404`)."""
    found: Consent = _row_of(case, Consent.objects.all(), consent_id, "consentement")
    return found


def plan_of(case: Case, plan_id: int) -> Plan:
    found: Plan = _row_of(case, Plan.objects.all(), plan_id, "plan")
    return found


def follow_up_of(case: Case, follow_up_id: int) -> FollowUp:
    found: FollowUp = _row_of(case, FollowUp.objects.all(), follow_up_id, "suivi")
    return found


def referral_of(case: Case, referral_id: int) -> Referral:
    found: Referral = _row_of(case, Referral.objects.all(), referral_id, "orientation")
    return found


def referral_to_answer(user: User, referral_id: int) -> Referral:
    """A referral by id, for the receiver's services, which decide who may answer it and log
    a refusal; an unknown id is refused and logged alike, so ids cannot be probed."""
    referral = Referral.objects.select_related("case", "to_provider").filter(pk=referral_id).first()
    if referral is None:
        refuse(user, action="answer_referral", code=f"referral:{referral_id}", reason="missing")
        raise NotFound("orientation")
    return referral
