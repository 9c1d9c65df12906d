"""Reads of the protection app. Lists carry codes and statuses only; opening a case goes
through `get_case_for`, which answers "not found" to anyone but the assigned case worker and
the site's supervisors and audit-logs each opening with the fields read; the sealed fields are
opened only by `case_file`, which logs them. The audit entries about a site's cases (who opened
what, refused attempts included) are read back by its supervisors only, and reading them is
logged in turn; they name codes, people and fields, never a sealed value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import CharField, Count, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, Upper
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jigi.accounts.models import User
from jigi.accounts.roles import Perm, Role
from jigi.audit.models import AuditEntry
from jigi.audit.services import record, record_many
from jigi.core import handoffs
from jigi.core.errors import NotFound
from jigi.programmes.models import PriorityReferral
from jigi.protection import classifier, crypto
from jigi.protection.access import (
    audited_case_or_404,
    audited_sites,
    case_or_404,
    is_supervisor_of,
    openable_cases,
    receivable_referrals,
    refuse,
    require,
    require_case_audit,
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
    # Listing reads each case's summary (code, provider, worker, risk, status): logged, with
    # the filters (the codes shown follow from them and the time).
    with transaction.atomic():
        record(actor=user, action="protection.list_cases", target=None, target_label="cases",
               changes={"fields": list(LISTED_FIELDS), "filters": {
                   "status": filters.status, "risk": filters.risk, "query": query}})  # fmt: skip
    return rows.annotate(
        overdue=Count("follow_ups", filter=Q(follow_ups__done_on__isnull=True,
                                             follow_ups__due_on__lt=today)),
    ).order_by("-opened_on", "-id")  # fmt: skip


LISTED_FIELDS = ("code", "provider", "assigned_worker", "risk_level", "status", "overdue")


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
    opened = [row for row in rows if row.status != Referral.Status.REVOKED]
    if opened:
        # One entry per referral whose message is opened: each case's access history shows
        # which receiver read its referral, and when.
        with transaction.atomic():
            record_many(actor=user, action="protection.read_referral",
                        items=[(row, {"fields": ["referral.message"]}) for row in opened])  # fmt: skip
    return [_incoming(row) for row in rows]


def _incoming(row: Referral) -> IncomingReferral:
    """A referral as its receiver sees it. A revoked one (consent withdrawn, or the case
    worker's decision) no longer shares anything: the receiver keeps only its code, status
    and sender."""
    revoked = row.status == Referral.Status.REVOKED
    return IncomingReferral(
        id=row.pk,
        survivor_code=row.case.code,
        service_type=row.get_service_type_display(),
        urgency="" if revoked else row.get_urgency_display(),
        survivor_sex="" if revoked else row.get_survivor_sex_display(),
        age_group="" if revoked else row.age_group,
        message="" if revoked else _open(row.message_sealed, Referral, "message_sealed", row.case),
        status=row.status,
        status_label=row.get_status_display(),
        from_provider=row.from_provider.name,
        created_at=row.created_at,
    )


def get_incoming_referral(user: User, referral_id: int) -> Referral:
    referral = receivable_referrals(user).filter(pk=referral_id).first()
    if referral is None:  # someone else's, or none: the same answer, and logged
        refuse(user, action="answer_referral", code=f"referral:{referral_id}", reason="missing")
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


# Access history and site audit ---------------------------------------------------------------

AUDIT_PAGE_SIZE = 50
REFUSED = "protection.refused"

ACTION_LABELS: dict[str, Promise] = {
    "protection.open_case": _("Ouverture du dossier"),
    "protection.read_case": _("Consultation du dossier"),
    "protection.edit_case": _("Modification du nom, du contact ou du risque"),
    "protection.reassign_case": _("Réassignation du dossier"),
    "protection.record_incident": _("Incident enregistré"),
    "protection.give_consent": _("Consentement enregistré"),
    "protection.withdraw_consent": _("Consentement retiré"),
    "protection.assess": _("Évaluation des besoins"),
    "protection.record_service": _("Service enregistré"),
    "protection.submit_plan": _("Plan soumis"),
    "protection.decide_plan": _("Décision sur un plan"),
    "protection.schedule_follow_up": _("Suivi planifié"),
    "protection.complete_follow_up": _("Suivi fait"),
    "protection.refer": _("Orientation envoyée"),
    "protection.consent_override": _("Orientation sans consentement"),
    "protection.read_referral": _("Lecture d'une orientation reçue"),
    "protection.list_cases": _("Liste des dossiers"),
    "protection.respond_referral": _("Réponse du prestataire à une orientation"),
    "protection.complete_referral": _("Orientation terminée"),
    "protection.revoke_referral": _("Orientation révoquée"),
    "protection.cash_referral": _("Orientation vers un transfert monétaire"),
    "protection.request_closure": _("Clôture demandée"),
    "protection.decide_closure": _("Décision sur la clôture"),
    "protection.reopen_case": _("Dossier rouvert"),
    "protection.read_case_audit": _("Consultation de l'historique des accès"),
    REFUSED: _("Tentative refusée"),
}

# What a refused attempt tried: the services' action names and the case page's.
ATTEMPT_LABELS: dict[str, Promise] = {
    "open": _("ouvrir le dossier"),
    "edit": _("modifier le dossier"),
    "identity": _("modifier le dossier"),
    "reassign": _("réassigner le dossier"),
    "record_incident": _("enregistrer un incident"),
    "incident": _("enregistrer un incident"),
    "give_consent": _("enregistrer un consentement"),
    "consent": _("enregistrer un consentement"),
    "withdraw_consent": _("retirer un consentement"),
    "withdraw": _("retirer un consentement"),
    "assess": _("évaluer les besoins"),
    "record_service": _("enregistrer un service"),
    "service": _("enregistrer un service"),
    "submit_plan": _("soumettre un plan"),
    "plan": _("soumettre un plan"),
    "decide_plan": _("décider d'un plan"),
    "schedule_follow_up": _("planifier un suivi"),
    "complete_follow_up": _("marquer un suivi fait"),
    "refer": _("orienter"),
    "respond_referral": _("répondre à une orientation"),
    "complete_referral": _("terminer une orientation"),
    "revoke_referral": _("révoquer une orientation"),
    "cash_referral": _("orienter vers un transfert monétaire"),
    "request_closure": _("demander la clôture"),
    "decide_closure": _("décider de la clôture"),
    "reopen": _("rouvrir le dossier"),
    "audit": _("lire l'historique des accès"),
}

# Why: refused by who the user is (access), or by a rule of the action (their own case).
ACCESS_REASONS = frozenset(
    {"not_allowed_or_missing", "not_allowed", "not_receiver", "not_supervisor"}
)

FIELD_LABELS: dict[str, Promise] = {
    "summary": _("résumé"),
    "name": _("nom"),
    "contact": _("contact sûr"),
    "risk_level": _("niveau de risque"),
    "incidents.narrative": _("récits des incidents"),
    "assessments.notes": _("notes d'évaluation"),
    "consents": _("consentements"),
    "services": _("services"),
    "plans.content": _("contenu des plans"),
    "follow_ups.purpose": _("objets des suivis"),
    "referrals.feedback": _("retours des orientations"),
}


@dataclass(frozen=True)
class AuditFilters:
    case_code: str = ""
    user: str = ""
    since: date | None = None
    until: date | None = None

    def as_dict(self) -> dict[str, str]:
        """The filters that are set, as the audit entry of the reading records them."""
        values = {"case": self.case_code, "user": self.user,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else ""}  # fmt: skip
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as a supervisor reads it: when, who, what and which fields; a refused
    attempt says what was tried and why it was refused. Codes and names only, never a value."""

    seq: int
    at: datetime
    case_code: str
    username: str
    full_name: str
    action: str
    action_label: str
    fields: list[str]
    refused: bool
    detail: str


def _text_key(expression: Any) -> Cast:
    return Cast(expression, output_field=CharField())


def _entries_about(cases: QuerySet[Case]) -> QuerySet[AuditEntry]:
    """Every protection entry about these cases: on the case itself (reads, edits, consent,
    referrals sent), on its referrals (the receiver's answers), and the refused attempts
    logged with its code or its referral's label. Each branch starts from an index (the
    target's, or the action's), so the whole log is never scanned."""
    referrals = Referral.objects.filter(case__in=cases)
    referral_labels = referrals.annotate(
        key=Concat(Value("referral:"), _text_key("pk"), output_field=CharField())
    ).values("key")
    about = (
        Q(target_type=Case._meta.label_lower,
          target_id__in=cases.annotate(key=_text_key("pk")).values("key"))
        | Q(target_type=Referral._meta.label_lower,
            target_id__in=referrals.annotate(key=_text_key("pk")).values("key"))
        | Q(action=REFUSED, label__in=cases.values("code"))
        | Q(action=REFUSED, target_label__in=referral_labels)
    )  # fmt: skip
    # A refusal keeps the code as it was typed (a page's URL may hold it in lower case).
    return (
        AuditEntry.objects.alias(label=Upper("target_label"))
        .filter(about, action__startswith="protection.")
        .select_related("actor")
        .order_by("-seq")
    )


def _detail(entry: AuditEntry, changes: dict[str, Any]) -> str:
    """What a refused attempt tried and why; for consent and referrals, the purpose, service
    type and status (choices, never free text)."""
    if entry.action == REFUSED:
        attempted = str(changes.get("attempted", ""))
        why = (
            _("accès refusé")
            if changes.get("reason") in ACCESS_REASONS
            else _("refusé par une règle")
        )
        return f"{ATTEMPT_LABELS.get(attempted, attempted)} — {why}"
    purposes, service_types = dict(Consent.Purpose.choices), dict(ServiceType.choices)
    statuses = dict(Referral.Status.choices)
    parts = [
        str(purposes.get(changes.get("purpose", ""), "")),
        str(service_types.get(changes.get("service_type", ""), "")),
        str(statuses.get(changes.get("status", ""), "")) if "referral" in entry.action else "",
    ]
    return ", ".join(part for part in parts if part)


def _rows(entries: Sequence[AuditEntry]) -> list[AuditRow]:
    """Audit entries as rows, the case code of a referral's entries found in one query."""
    referral_ids = set()
    for entry in entries:
        if entry.target_type == Referral._meta.label_lower and entry.target_id.isdigit():
            referral_ids.add(int(entry.target_id))
        elif entry.action == REFUSED and entry.target_label.startswith("referral:"):
            referral_ids.add(_int_or_zero(entry.target_label.removeprefix("referral:")))
    codes = dict(
        Referral.objects.filter(pk__in=referral_ids).values_list("pk", "case__code")
        if referral_ids
        else []
    )
    rows = []
    for entry in entries:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        if entry.target_type == Referral._meta.label_lower:
            code = codes.get(_int_or_zero(entry.target_id), "")
        elif entry.target_label.startswith("referral:"):
            code = codes.get(_int_or_zero(entry.target_label.removeprefix("referral:")), "")
        else:
            code = entry.target_label.upper()
        names = changes.get("fields") or changes.get("sealed_fields") or []
        rows.append(
            AuditRow(
                seq=entry.seq,
                at=entry.at,
                case_code=code,
                username=entry.actor.username if entry.actor else entry.actor_label,
                full_name=entry.actor.get_full_name() if entry.actor else "",
                action=entry.action,
                action_label=str(ACTION_LABELS.get(entry.action, entry.action)),
                fields=[
                    str(FIELD_LABELS.get(name, name)) for name in names if isinstance(name, str)
                ],
                refused=entry.action == REFUSED,
                detail=_detail(entry, changes),
            )
        )
    return rows


def _int_or_zero(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _page_of_rows(entries: QuerySet[AuditEntry], number: Any) -> Page[AuditRow]:
    """One page of entries as rows; the page keeps its paginator for counts and links."""
    paginator: Paginator[Any] = Paginator(entries, AUDIT_PAGE_SIZE)
    page = paginator.get_page(number)
    return Page(_rows(list(page.object_list)), page.number, paginator)


def case_history(user: User, case: Case, *, page: Any = 1) -> Page[AuditRow]:
    """Every audit entry about one case, newest first, for a supervisor of its site (NotFound,
    logged, for anyone else); reading it is logged against the case."""
    require_case_audit(user, case)
    rows = _page_of_rows(_entries_about(Case.objects.filter(pk=case.pk)), page)
    with transaction.atomic():
        record(actor=user, action="protection.read_case_audit", target=case,
               changes={"page": rows.number})  # fmt: skip
    return rows


def case_audit_for(user: User, code: str, *, page: Any = 1) -> tuple[Case, Page[AuditRow]]:
    """A case's access history by its code, for a supervisor of its site only."""
    case = audited_case_or_404(user, code.strip().upper())
    return case, case_history(user, case, page=page)


def site_audit_for(user: User, filters: AuditFilters, *, page: Any = 1) -> Page[AuditRow]:
    """The protection entries about the cases of the supervisor's sites, newest first, by case
    code, user and dates (Bamako days). Other sites' cases never appear; reading is logged
    (as protection's, so masked on the general audit page)."""
    sites = audited_sites(user)
    cases = Case.objects.filter(site_id__in=sites)
    code = filters.case_code.strip().upper().replace(" ", "")
    if code:
        cases = cases.filter(code__icontains=code)
    entries = _entries_about(cases)
    who = filters.user.strip()
    if who:
        entries = entries.filter(Q(actor_label__icontains=who) | Q(actor__first_name__icontains=who)
                                 | Q(actor__last_name__icontains=who))  # fmt: skip
    zone = timezone.get_current_timezone()
    if filters.since:
        entries = entries.filter(at__gte=datetime.combine(filters.since, time.min, tzinfo=zone))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=zone)
        entries = entries.filter(at__lt=end)
    rows = _page_of_rows(entries, page)
    with transaction.atomic():
        record(actor=user, action="protection.read_site_audit", target=None,
               target_label="audit", changes={"sites": sites, "filters": filters.as_dict(),
                                              "page": rows.number})  # fmt: skip
    return rows
