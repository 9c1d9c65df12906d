"""Protection over the API: the same services and selectors as the pages. A case that the
caller may not open answers 404 whoever asks; reading one is audit-logged; statistics are the
suppressed tables only. GBV staff use the browser session (no personal tokens for them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from jigi.accounts.models import User
from jigi.accounts.roles import Perm
from jigi.core.api import Pagination
from jigi.protection import classifier, publication, selectors, services, statistics
from jigi.protection.access import case_or_404, require
from jigi.protection.models import Case, Referral, ServiceDelivery
from jigi.protection.schemas import (
    AssessmentIn,
    AssessmentOut,
    CaseDetailOut,
    CaseOut,
    ClosureIn,
    ConsentEntryOut,
    ConsentIn,
    ConsentOut,
    DecisionIn,
    FollowUpDoneIn,
    FollowUpEntryOut,
    FollowUpIn,
    FollowUpOut,
    IdentityIn,
    IncidentIn,
    IncomingReferralOut,
    PlanEntryOut,
    PlanIn,
    PlanOut,
    ReferralAnswerIn,
    ReferralCompletionIn,
    ReferralIn,
    ReferralOut,
    RevocationIn,
    ServiceDeliveryIn,
    ServiceDeliveryOut,
    StatisticsOut,
    WithdrawalOut,
)

router = Router(tags=["protection"])


def _user(request: HttpRequest, perm: str = Perm.PROTECTION_CASES) -> User:
    user: User = request.user  # type: ignore[assignment]
    require(user, perm)
    return user


def _anyone(request: HttpRequest) -> User:
    """For one case: whoever may not open it is told "not found", whatever their role."""
    user: User = request.user  # type: ignore[assignment]
    return user


@router.get("/protection/cases", response=list[CaseOut])
@paginate(Pagination)
def list_cases(request: HttpRequest, status: str = "", risk: str = "") -> QuerySet[Case]:
    """Your cases (supervisors: the site's), newest first; codes and statuses only."""
    return selectors.cases_for(_user(request), selectors.Filters(status=status, risk=risk))


@router.get("/protection/cases/{code}", response=CaseDetailOut)
def read_case(request: HttpRequest, code: str) -> dict[str, Any]:
    """One case with its sealed fields in clear (audit-logged); 404 unless you may open it."""
    opened = selectors.case_file(_anyone(request), code)
    case = opened.case
    return {
        "code": case.code,
        "status": case.status,
        "risk_level": case.risk_level,
        "opened_on": case.opened_on,
        "provider": case.provider.name,
        "assigned_worker": case.assigned_worker.username,
        "survivor_sex": case.survivor_sex,
        "survivor_birth_year": case.survivor_birth_year,
        "name": opened.name,
        "contact": opened.contact,
        "incidents": [
            {
                "incident_on": view.incident.incident_on,
                "reported_on": view.incident.reported_on,
                "region": view.incident.region_id,
                "gbv_type": view.incident.gbv_type,
                "decided_by": view.incident.decided_by,
                "classifier_version": view.incident.classifier_version,
                "contexts": view.incident.contexts,
                "age_group": view.age_group,
                "narrative": view.narrative,
            }
            for view in opened.incidents
        ],
        "consents": opened.consents,
        "referrals": [
            {
                "id": r.pk,
                "to_provider": r.to_provider_id,
                "service_type": r.service_type,
                "status": r.status,
                "is_override": r.is_override,
                "created_at": r.created_at,
            }
            for r, _feedback in opened.referrals
        ],  # fmt: skip
    }


@router.patch("/protection/cases/{code}", response=CaseOut)
def edit_case(request: HttpRequest, code: str, payload: IdentityIn) -> Case:
    user = _anyone(request)
    case = case_or_404(user, code, action="edit")
    return services.update_identity(actor=user, case=case, **payload.dict(exclude_unset=True))


@router.post("/protection/cases/{code}/incidents", response={201: dict[str, str]})
def record_incident(request: HttpRequest, code: str, payload: IncidentIn) -> Status[dict[str, str]]:
    """Record an incident; the answer gives the type the GBVIMS classifier derived."""
    user = _anyone(request)
    case = case_or_404(user, code, action="record_incident")
    incident = services.record_incident(
        actor=user, case=case, data=services.NewIncident(**payload.dict())
    )
    return Status(
        201,
        {"gbv_type": incident.gbv_type, "decided_by": incident.decided_by,
         "classifier_version": classifier.VERSION},
    )  # fmt: skip


@router.post("/protection/cases/{code}/referrals", response={201: ReferralOut})
def refer(request: HttpRequest, code: str, payload: ReferralIn) -> Status[dict[str, Any]]:
    """Refer to another provider; refused without the survivor's consent for that service."""
    user = _anyone(request)
    case = case_or_404(user, code, action="refer")
    referral = services.refer(actor=user, case=case, **payload.dict())
    return Status(201, _referral(referral))


def _referral(referral: Referral) -> dict[str, Any]:
    return {"id": referral.pk, "to_provider": referral.to_provider_id,
            "service_type": referral.service_type, "status": referral.status,
            "is_override": referral.is_override, "created_at": referral.created_at}  # fmt: skip


@router.post("/protection/cases/{code}/closure", response=CaseOut)
def request_closure(request: HttpRequest, code: str, payload: ClosureIn) -> Case:
    """Ask a supervisor to close the case: a standard reason and every checklist item."""
    user = _anyone(request)
    case = case_or_404(user, code, action="request_closure")
    return services.request_closure(actor=user, case=case, **payload.dict())


@router.post("/protection/cases/{code}/closure/decision", response=CaseOut)
def decide_closure(request: HttpRequest, code: str, payload: DecisionIn) -> Case:
    """A supervisor of the site closes the case as requested, or sends it back open."""
    user = _anyone(request)
    case = case_or_404(user, code, action="decide_closure")
    return services.decide_closure(actor=user, case=case, approve=payload.approve)


@router.post("/protection/cases/{code}/reopening", response=CaseOut)
def reopen_case(request: HttpRequest, code: str) -> Case:
    """Open a closed case again (the survivor came back); its history stays."""
    user = _anyone(request)
    case = case_or_404(user, code, action="reopen")
    return services.reopen_case(actor=user, case=case)


# Consent ----------------------------------------------------------------------------------


@router.get("/protection/cases/{code}/consents", response=list[ConsentEntryOut])
@paginate(Pagination)
def list_consents(request: HttpRequest, code: str) -> list[selectors.ConsentEntry]:
    """The consent ledger, standing and withdrawn, with scope notes (audit-logged)."""
    return selectors.consent_ledger_for(_anyone(request), code)


@router.post("/protection/cases/{code}/consents", response={201: ConsentOut})
def give_consent(request: HttpRequest, code: str, payload: ConsentIn) -> Status[Any]:
    """Record the survivor's consent for one purpose (a referral consent names its type)."""
    user = _anyone(request)
    case = case_or_404(user, code, action="give_consent")
    return Status(201, services.give_consent(actor=user, case=case, **payload.dict()))


@router.post("/protection/cases/{code}/consents/{consent_id}/withdrawal", response=WithdrawalOut)
def withdraw_consent(request: HttpRequest, code: str, consent_id: int) -> dict[str, Any]:
    """Withdraw a consent, at once: the open referrals it covered are revoked (counted)."""
    user = _anyone(request)
    case = case_or_404(user, code, action="withdraw_consent")
    done = services.withdraw_consent(actor=user, consent=selectors.consent_of(case, consent_id))
    return {"consent": done.consent, "revoked_referrals": done.revoked_referrals}


# Assessment, services, plans, follow-ups -----------------------------------------------------


@router.post("/protection/cases/{code}/assessments", response={201: AssessmentOut})
def record_assessment(request: HttpRequest, code: str, payload: AssessmentIn) -> Status[Any]:
    """Record an assessment of needs; the case takes its risk level."""
    user = _anyone(request)
    case = case_or_404(user, code, action="assess")
    data = services.NewAssessment(**payload.dict())
    return Status(201, services.record_assessment(actor=user, case=case, data=data))


@router.get("/protection/cases/{code}/services", response=list[ServiceDeliveryOut])
@paginate(Pagination)
def list_services(request: HttpRequest, code: str) -> QuerySet[ServiceDelivery]:
    """The services delivered to the survivor, latest first (audit-logged)."""
    return selectors.service_deliveries_for(_anyone(request), code)


@router.post("/protection/cases/{code}/services", response={201: ServiceDeliveryOut})
def record_service(request: HttpRequest, code: str, payload: ServiceDeliveryIn) -> Status[Any]:
    """Record a service delivered (medical, psychosocial, legal, safety, kits …)."""
    user = _anyone(request)
    case = case_or_404(user, code, action="record_service")
    return Status(201, services.record_service(actor=user, case=case, **payload.dict()))


@router.get("/protection/cases/{code}/plans", response=list[PlanEntryOut])
@paginate(Pagination)
def list_plans(request: HttpRequest, code: str) -> list[selectors.PlanEntry]:
    """The case and safety plans, latest first, with their content (audit-logged)."""
    return selectors.plans_for(_anyone(request), code)


@router.post("/protection/cases/{code}/plans", response={201: PlanOut})
def submit_plan(request: HttpRequest, code: str, payload: PlanIn) -> Status[Any]:
    """Submit a case plan or a safety plan for a supervisor's approval."""
    user = _anyone(request)
    case = case_or_404(user, code, action="submit_plan")
    return Status(201, services.submit_plan(actor=user, case=case, **payload.dict()))


@router.post("/protection/cases/{code}/plans/{plan_id}/decision", response=PlanOut)
def decide_plan(request: HttpRequest, code: str, plan_id: int, payload: DecisionIn) -> Any:
    """A supervisor of the site approves a submitted plan or sends it back."""
    user = _anyone(request)
    case = case_or_404(user, code, action="decide_plan")
    plan = selectors.plan_of(case, plan_id)
    return services.decide_plan(actor=user, plan=plan, approve=payload.approve)


@router.get("/protection/cases/{code}/follow-ups", response=list[FollowUpEntryOut])
@paginate(Pagination)
def list_follow_ups(request: HttpRequest, code: str) -> list[selectors.FollowUpEntry]:
    """The follow-ups by due date, each flagged when overdue (audit-logged)."""
    return selectors.follow_ups_for(_anyone(request), code)


@router.post("/protection/cases/{code}/follow-ups", response={201: FollowUpOut})
def schedule_follow_up(request: HttpRequest, code: str, payload: FollowUpIn) -> Status[Any]:
    user = _anyone(request)
    case = case_or_404(user, code, action="schedule_follow_up")
    return Status(201, services.schedule_follow_up(actor=user, case=case, **payload.dict()))


@router.post("/protection/cases/{code}/follow-ups/{follow_up_id}/completion", response=FollowUpOut)
def complete_follow_up(
    request: HttpRequest, code: str, follow_up_id: int, payload: FollowUpDoneIn
) -> Any:
    user = _anyone(request)
    case = case_or_404(user, code, action="complete_follow_up")
    follow_up = selectors.follow_up_of(case, follow_up_id)
    return services.complete_follow_up(actor=user, follow_up=follow_up, done_on=payload.done_on)


# Referrals --------------------------------------------------------------------------------


@router.post("/protection/cases/{code}/referrals/{referral_id}/revocation", response=ReferralOut)
def revoke_referral(
    request: HttpRequest, code: str, referral_id: int, payload: RevocationIn
) -> dict[str, Any]:
    """The case side withdraws a referral still pending or accepted."""
    user = _anyone(request)
    case = case_or_404(user, code, action="revoke_referral")
    referral = selectors.referral_of(case, referral_id)
    return _referral(services.revoke_referral(actor=user, referral=referral, reason=payload.reason))


@router.get("/protection/referrals", response=list[IncomingReferralOut])
@paginate(Pagination)
def incoming_referrals(request: HttpRequest) -> list[selectors.IncomingReferral]:
    """Referrals sent to your providers, newest first: the referral's own fields, not the
    case (service type, urgency and sex as labels). The reading is audit-logged."""
    return selectors.incoming_referrals_for(_user(request))


@router.post("/protection/referrals/{referral_id}/response", response=ReferralOut)
def respond_to_referral(
    request: HttpRequest, referral_id: int, payload: ReferralAnswerIn
) -> dict[str, Any]:
    """The receiving provider accepts or declines (for a provider without Jigi staff, the
    referring case's worker records its answer); anyone else: 404."""
    user = _anyone(request)
    referral = selectors.referral_to_answer(user, referral_id)
    return _referral(services.respond_to_referral(actor=user, referral=referral, **payload.dict()))


@router.post("/protection/referrals/{referral_id}/completion", response=ReferralOut)
def complete_referral(
    request: HttpRequest, referral_id: int, payload: ReferralCompletionIn
) -> dict[str, Any]:
    """The receiving provider reports the service given, with feedback for the case."""
    user = _anyone(request)
    referral = selectors.referral_to_answer(user, referral_id)
    return _referral(services.complete_referral(actor=user, referral=referral, **payload.dict()))


@router.get("/protection/statistics", response=StatisticsOut)
def monthly_statistics(
    request: HttpRequest, month: date | None = None, by: str = "type"
) -> dict[str, Any]:
    """Suppressed monthly counts by region and one breakdown (type, age_group, sex, service)."""
    _user(request, Perm.PROTECTION_STATISTICS)
    if by not in statistics.DIMENSIONS:
        by = "type"
    table = statistics.monthly_table(publication.published_month(month), by)
    return {
        "month": table.month,
        "dimension": table.dimension,
        "regions": [pcode for pcode, _name in table.rows],
        "columns": [key for key, _label in table.columns],
        "cells": table.cells,
        "row_totals": table.row_totals,
        "column_totals": table.column_totals,
        "total": table.total,
    }
