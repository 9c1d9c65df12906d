"""Protection over the API: the same services and selectors as the pages. A case that the
caller may not open answers 404 whoever asks; reading one is audit-logged; statistics are the
suppressed tables only. GBV staff use the browser session (no personal tokens for them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from jigi.accounts.models import User
from jigi.accounts.roles import Perm
from jigi.core.api import Pagination
from jigi.protection import classifier, selectors, services, statistics
from jigi.protection.access import case_or_404, require
from jigi.protection.models import Case
from jigi.protection.schemas import (
    CaseDetailOut,
    CaseOut,
    ClosureIn,
    IdentityIn,
    IncidentIn,
    ReferralIn,
    ReferralOut,
    StatisticsOut,
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
    return services.update_identity(actor=user, case=case, **payload.dict())


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
    return Status(
        201,
        {"id": referral.pk, "to_provider": referral.to_provider_id,
         "service_type": referral.service_type, "status": referral.status,
         "is_override": referral.is_override, "created_at": referral.created_at},
    )  # fmt: skip


@router.post("/protection/cases/{code}/closure", response=CaseOut)
def request_closure(request: HttpRequest, code: str, payload: ClosureIn) -> Case:
    """Ask a supervisor to close the case: a standard reason and every checklist item."""
    user = _anyone(request)
    case = case_or_404(user, code, action="request_closure")
    return services.request_closure(actor=user, case=case, **payload.dict())


@router.get("/protection/statistics", response=StatisticsOut)
def monthly_statistics(
    request: HttpRequest, month: date | None = None, by: str = "type"
) -> dict[str, Any]:
    """Suppressed monthly counts by region and one breakdown (type, age_group, sex, service)."""
    _user(request, Perm.PROTECTION_STATISTICS)
    if by not in statistics.DIMENSIONS:
        by = "type"
    table = statistics.monthly_table(month or timezone.localdate(), by)
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
