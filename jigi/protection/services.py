"""Writes of the protection app: cases, incidents, consent, assessments, services, plans,
follow-ups, referrals, closure and key rotation.

Each service checks who may act, validates everything first, writes in one transaction and
records the audit entry. Audit entries name cases by their code and list changed field names,
never a name, contact or narrative. A refused request on a case is logged as
``protection.refused`` (in its own transaction) and leaves nothing changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm, Role
from jigi.audit.services import record
from jigi.core import handoffs
from jigi.core.codes import make_code
from jigi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from jigi.core.models import AdminArea
from jigi.programmes.services import refer_priority_household, withdraw_priority_referral
from jigi.protection import classifier, crypto
from jigi.protection.access import is_supervisor_of, may_open, refuse, require, staff_providers
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
    ServiceKind,
    ServiceType,
    Sex,
)

CODE_PREFIX = "VB"  # "VBG"; random, so codes say nothing about order or volume
CODE_WIDTH = 6
REQUIRED = gettext_lazy("Champ obligatoire.")
TEXT_MAX = 5000

# Every sealed field, for key rotation: model, field, associated data.
SEALED_FIELDS: tuple[tuple[type[Model], str], ...] = (
    (Case, "name_sealed"),
    (Case, "contact_sealed"),
    (Assessment, "notes_sealed"),
    (Incident, "narrative_sealed"),
    (Plan, "content_sealed"),
    (Referral, "message_sealed"),
    (Referral, "feedback_sealed"),
    (Referral, "override_reason_sealed"),
    (Referral, "revoked_note_sealed"),
    (Consent, "scope_note_sealed"),
    (FollowUp, "purpose_sealed"),
)


def sealed_field(model: type[Model], name: str) -> str:
    return f"{model._meta.label_lower}.{name}"


def _seal(model: type[Model], name: str, text: str, case: Case | str) -> str:
    """``text`` sealed for this field of this case (``case``: the case or its code)."""
    code = case if isinstance(case, str) else case.code
    return crypto.seal(text.strip(), field=sealed_field(model, name), case=code)


def _errors_or_raise(errors: dict[str, list[str]], message: str) -> None:
    if errors:
        raise InvalidInput(message, errors)


def _act_on(actor: User, case: Case, *, action: str) -> None:
    """The actor may work on this case; otherwise it "does not exist" (logged)."""
    if not may_open(actor, case):
        refuse(actor, action=action, code=case.code, reason="not_allowed")
        raise NotFound(_("dossier"))


def _work_on(actor: User, case: Case, *, action: str, needs_consent: bool = True) -> None:
    """`_act_on`, for new work on the case: refused (logged) while the case is closed, and
    without the survivor's standing consent to services (withdrawing it stops the work; what
    was done stays on file)."""
    _act_on(actor, case, action=action)
    errors: dict[str, list[str]] = {}
    if not case.is_open:
        errors["case"] = [_("Le dossier est clôturé : rouvrez-le d'abord.")]
    elif needs_consent and standing_consent(case, Consent.Purpose.SERVICES) is None:
        errors["case"] = [_("La survivante n'a pas (ou plus) donné son consentement aux services.")]
    if errors:
        raise _refused(actor, case, action, InvalidInput(_("Rien n'a été enregistré."), errors))


def _refused(actor: User, case: Case, action: str, error: InvalidInput) -> InvalidInput:
    refuse(actor, action=action, code=case.code, reason="; ".join(sorted(error.errors)) or "rule")
    return error


def _text(
    value: str,
    name: str,
    errors: dict[str, list[str]],
    *,
    required: bool = False,
    limit: int = TEXT_MAX,
) -> str:
    """The text stripped; a missing or too long one is an error (never cut short)."""
    text = (value or "").strip()
    if required and not text:
        errors.setdefault(name, []).append(str(REQUIRED))
    if len(text) > limit:
        errors.setdefault(name, []).append(
            _("Texte trop long (%(max)s caractères au plus).") % {"max": limit}
        )
    return text


def _long_text_or_raise(actor: User, case: Case, action: str, **texts: str) -> None:
    errors: dict[str, list[str]] = {}
    for name, value in texts.items():
        _text(value, name, errors)
    if errors:
        raise _refused(actor, case, action, InvalidInput(_("Rien n'a été enregistré."), errors))


# Cases -------------------------------------------------------------------------------------


def new_case_code() -> str:
    while True:
        code = make_code(CODE_PREFIX, secrets.randbelow(32**CODE_WIDTH), CODE_WIDTH)
        if not Case.objects.filter(code=code).exists():
            return code


@dataclass(frozen=True)
class NewCase:
    provider_id: int
    survivor_sex: str
    risk_level: str
    services_consent_on: date | None
    survivor_birth_year: int | None = None
    name: str = ""
    contact: str = ""
    opened_on: date | None = None
    assigned_worker_id: int | None = None
    statistics_consent: bool = False
    handoff_ref: str = ""


def open_case(*, actor: User, data: NewCase) -> Case:
    """Open a survivor's file at one of the actor's providers, with the consent to services.

    The case worker who opens it is assigned; a supervisor may assign a case worker of the
    site. Name and contact are optional and sealed."""
    require(actor, Perm.PROTECTION_CASES)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    provider = staff_providers(actor).filter(pk=data.provider_id, is_active=True).first()
    if provider is None or provider.site_id is None:
        errors["provider_id"] = [_("Choisissez un prestataire de votre site.")]
    if data.survivor_sex not in Sex.values:
        errors["survivor_sex"] = [str(REQUIRED)]
    if data.risk_level not in Case.Risk.values:
        errors["risk_level"] = [str(REQUIRED)]
    if data.services_consent_on is None:
        errors["services_consent_on"] = [
            _("Le consentement éclairé aux services est nécessaire pour ouvrir un dossier.")
        ]
    elif data.services_consent_on > today:
        errors["services_consent_on"] = [_("La date ne peut pas être dans le futur.")]
    opened_on = data.opened_on or today
    if opened_on > today:
        errors["opened_on"] = [_("La date ne peut pas être dans le futur.")]
    if data.survivor_birth_year is not None and not 1900 <= data.survivor_birth_year <= today.year:
        errors["survivor_birth_year"] = [_("Année de naissance invalide.")]
    worker = actor
    if data.assigned_worker_id is not None and data.assigned_worker_id != actor.pk:
        candidate = User.objects.filter(
            pk=data.assigned_worker_id, role=Role.GBV_CASE_WORKER, is_active=True
        ).first()
        if (
            not has_perm(actor, Perm.PROTECTION_SUPERVISE)
            or candidate is None
            or provider is None
            or provider.site_id not in candidate.scope_site_ids()
        ):
            errors["assigned_worker_id"] = [_("Choisissez un·e gestionnaire de cas de ce site.")]
        else:
            worker = candidate
    name = _text(data.name, "name", errors)
    contact = _text(data.contact, "contact", errors)
    if data.handoff_ref and data.handoff_ref not in {
        handoff.ref for handoff in handoffs.pending_handoffs("protection", handoff_areas(actor))
    }:
        errors["handoff_ref"] = [_("Ce signalement n'est plus en attente dans votre région.")]
    _errors_or_raise(errors, _("Le dossier n'a pas été ouvert."))
    assert provider is not None  # noqa: S101 (checked above)
    assert provider.site_id is not None  # noqa: S101 (checked above)
    assert data.services_consent_on is not None  # noqa: S101 (checked above)
    code = new_case_code()
    with transaction.atomic():
        case = Case.objects.create(
            code=code,
            provider=provider,
            site_id=provider.site_id,
            assigned_worker=worker,
            survivor_sex=data.survivor_sex,
            survivor_birth_year=data.survivor_birth_year,
            risk_level=data.risk_level,
            name_sealed=_seal(Case, "name_sealed", name, code),
            contact_sealed=_seal(Case, "contact_sealed", contact, code),
            opened_on=opened_on,
            handoff_ref=data.handoff_ref,
        )
        if data.handoff_ref and not handoffs.take_up(data.handoff_ref):
            raise Conflict(_("Ce signalement vient d'être pris en charge par quelqu'un d'autre."))
        Consent.objects.create(
            case=case, purpose=Consent.Purpose.SERVICES, given_on=data.services_consent_on,
            recorded_by=actor,
        )  # fmt: skip
        if data.statistics_consent:
            Consent.objects.create(
                case=case, purpose=Consent.Purpose.STATISTICS, given_on=data.services_consent_on,
                recorded_by=actor,
            )  # fmt: skip
        record(
            actor=actor,
            action="protection.open_case",
            target=case,
            changes={
                "provider": provider.pk,
                "assigned_worker": worker.pk,
                "sealed_fields": [n for n, v in (("name", name), ("contact", contact)) if v],
                "handoff": data.handoff_ref,
            },
        )
    return case


def handoff_areas(actor: User) -> list[str]:
    """The regions of the providers the actor works at: where their hand-offs come from."""
    areas = staff_providers(actor).values_list("area_id", flat=True)
    return sorted({pcode[:4] for pcode in areas})


def site_case_workers(case: Case) -> list[User]:
    """The active case workers of the case's site: whom a supervisor may assign it to."""
    rows = User.objects.filter(
        role=Role.GBV_CASE_WORKER, is_active=True, scope_sites=case.site_id
    ).order_by("username")
    return list(rows)


def reassign_case(*, actor: User, case: Case, worker_id: int) -> Case:
    """A supervisor of the site hands the case to another case worker of the site; the
    previous worker no longer opens it."""
    _act_on(actor, case, action="reassign")
    if not is_supervisor_of(actor, case):
        raise Forbidden(_("Seul·e un·e superviseur·e du site réassigne un dossier."))
    worker = next((w for w in site_case_workers(case) if w.pk == worker_id), None)
    if worker is None:
        raise _refused(actor, case, "reassign", InvalidInput(
            _("Dossier non réassigné."),
            {"worker": [_("Choisissez un·e gestionnaire de cas de ce site.")]},
        ))  # fmt: skip
    with transaction.atomic():
        previous = case.assigned_worker_id
        case.assigned_worker = worker
        case.save(update_fields=["assigned_worker"])
        record(actor=actor, action="protection.reassign_case", target=case,
               changes={"assigned_worker": [previous, worker.pk]})  # fmt: skip
    return case


def update_identity(
    *,
    actor: User,
    case: Case,
    name: str | None = None,
    contact: str | None = None,
    risk_level: str | None = None,
) -> Case:
    """Change the sealed name and contact and the risk level: only what is given (``None``
    leaves a field as it is; an empty text clears it)."""
    _work_on(actor, case, action="edit", needs_consent=False)
    errors: dict[str, list[str]] = {}
    given = {
        name_: value
        for name_, value in (("name", name), ("contact", contact), ("risk_level", risk_level))
        if value is not None
    }
    if not given:
        errors["risk_level"] = [_("Rien à modifier : donnez au moins un champ.")]
    texts = {
        field: _text(given[field], field, errors) for field in ("name", "contact") if field in given
    }
    if "risk_level" in given and given["risk_level"] not in Case.Risk.values:
        errors["risk_level"] = [str(REQUIRED)]
    if errors:
        raise _refused(actor, case, "edit", InvalidInput(_("Dossier non modifié."), errors))
    updated = []
    with transaction.atomic():
        for field, text in texts.items():
            setattr(case, f"{field}_sealed", _seal(Case, f"{field}_sealed", text, case))
            updated.append(f"{field}_sealed")
        if "risk_level" in given:
            case.risk_level = given["risk_level"]
            updated.append("risk_level")
        case.save(update_fields=updated)
        record(actor=actor, action="protection.edit_case", target=case,
               changes={"fields": sorted(given)})  # fmt: skip
    return case


# Incidents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewIncident:
    reported_on: date | None
    incident_on: date | None
    region_code: str
    survivor_age: int | None
    perpetrator_relationship: str
    answers: dict[str, Any] = field(default_factory=dict)
    narrative: str = ""


def record_incident(*, actor: User, case: Case, data: NewIncident) -> Incident:
    """Record one incident; its type comes from the classifier, never typed by hand."""
    _work_on(actor, case, action="record_incident")
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    reported_on = data.reported_on or today
    if reported_on > today:
        errors["reported_on"] = [_("La date ne peut pas être dans le futur.")]
    if data.incident_on is None:
        errors["incident_on"] = [str(REQUIRED)]
    elif data.incident_on > today:
        errors["incident_on"] = [_("La date de l'incident ne peut pas être dans le futur.")]
    elif data.incident_on > reported_on:
        errors["incident_on"] = [_("L'incident ne peut pas être postérieur au signalement.")]
    region = AdminArea.objects.filter(pcode=data.region_code, level=AdminArea.Level.REGION).first()
    if region is None:
        errors["region_code"] = [_("Choisissez la région de l'incident.")]
    if data.survivor_age is not None and not 0 <= data.survivor_age <= 120:
        errors["survivor_age"] = [_("Âge invalide.")]
    if data.perpetrator_relationship not in Incident.Relationship.values:
        errors["perpetrator_relationship"] = [str(REQUIRED)]
    missing = classifier.missing_answers(data.answers)
    for key in missing:
        errors[key] = [_("Répondez par oui ou non.")]
    narrative = _text(data.narrative, "narrative", errors)
    if errors:
        raise _refused(actor, case, "record_incident",
                       InvalidInput(_("L'incident n'a pas été enregistré."), errors))  # fmt: skip
    answers = {key: bool(data.answers[key]) for key in data.answers if key not in missing}
    result = classifier.classify(
        answers,
        survivor_age=data.survivor_age,
        perpetrator_relationship=data.perpetrator_relationship,
    )
    assert data.incident_on is not None  # noqa: S101 (checked above)
    assert region is not None  # noqa: S101 (checked above)
    with transaction.atomic():
        incident = Incident.objects.create(
            case=case,
            reported_on=reported_on,
            incident_on=data.incident_on,
            region=region,
            survivor_age=data.survivor_age,
            perpetrator_relationship=data.perpetrator_relationship,
            answers=answers,
            classifier_version=result.version,
            gbv_type=result.gbv_type,
            decided_by=result.decided_by,
            contexts=list(result.contexts),
            narrative_sealed=_seal(Incident, "narrative_sealed", narrative, case),
            recorded_by=actor,
        )
        record(
            actor=actor, action="protection.record_incident", target=case,
            changes={"incident": incident.pk, "type": result.gbv_type,
                     "decided_by": result.decided_by, "version": result.version},
        )  # fmt: skip
    return incident


# Consent -----------------------------------------------------------------------------------


def standing_consent(case: Case, purpose: str, service_type: str = "") -> Consent | None:
    return Consent.objects.filter(
        case=case, purpose=purpose, service_type=service_type, withdrawn_at__isnull=True
    ).first()


def give_consent(
    *,
    actor: User,
    case: Case,
    purpose: str,
    given_on: date | None,
    service_type: str = "",
    scope_note: str = "",
) -> Consent:
    """Record a consent for one purpose (a referral consent names its service type)."""
    _act_on(actor, case, action="give_consent")
    errors: dict[str, list[str]] = {}
    if purpose not in Consent.Purpose.values:
        errors["purpose"] = [str(REQUIRED)]
    if purpose == Consent.Purpose.REFERRAL and service_type not in ServiceType.values:
        errors["service_type"] = [_("Précisez pour quel type de service.")]
    if purpose != Consent.Purpose.REFERRAL:
        service_type = ""
    if given_on is None:
        errors["given_on"] = [str(REQUIRED)]
    elif given_on > timezone.localdate():
        errors["given_on"] = [_("La date ne peut pas être dans le futur.")]
    scope_note = _text(scope_note, "scope_note", errors, limit=200)
    if not errors and standing_consent(case, purpose, service_type) is not None:
        errors["purpose"] = [_("Ce consentement est déjà enregistré.")]
    if errors:
        raise _refused(actor, case, "give_consent",
                       InvalidInput(_("Consentement non enregistré."), errors))  # fmt: skip
    assert given_on is not None  # noqa: S101 (checked above)
    with transaction.atomic():
        consent = Consent.objects.create(
            case=case, purpose=purpose, service_type=service_type, given_on=given_on,
            scope_note_sealed=_seal(Consent, "scope_note_sealed", scope_note, case),
            recorded_by=actor,
        )  # fmt: skip
        record(actor=actor, action="protection.give_consent", target=case,
               changes={"purpose": purpose, "service_type": service_type})  # fmt: skip
    return consent


@dataclass(frozen=True)
class Withdrawal:
    consent: Consent
    revoked_referrals: int


def withdraw_consent(*, actor: User, consent: Consent) -> Withdrawal:
    """Withdraw a consent; it takes effect at once everywhere: open referrals it covered are
    revoked (all of them for the consent to services), and a statistics consent takes the
    case's incidents out of every published figure from now on."""
    case = consent.case
    _act_on(actor, case, action="withdraw_consent")
    if consent.withdrawn_at is not None:
        raise InvalidInput(_("Ce consentement est déjà retiré."))
    now = timezone.now()
    open_statuses = [Referral.Status.PENDING, Referral.Status.ACCEPTED]
    with transaction.atomic():
        consent.withdrawn_at = now
        consent.withdrawn_by = actor
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        referrals = Referral.objects.filter(case=case, status__in=open_statuses)
        if consent.purpose == Consent.Purpose.REFERRAL:
            referrals = referrals.filter(service_type=consent.service_type)
        elif consent.purpose == Consent.Purpose.STATISTICS:
            referrals = referrals.none()
        revoked = referrals.update(
            status=Referral.Status.REVOKED, closed_at=now, revoked_reason="consent_withdrawn"
        )
        # A priority cash referral rests on the livelihoods consent (and on the consent to
        # services): the programme's pending row is withdrawn with it.
        if consent.purpose == Consent.Purpose.SERVICES or (
            consent.purpose == Consent.Purpose.REFERRAL
            and consent.service_type == ServiceType.LIVELIHOODS
        ):
            for cash in case.cash_referrals.all():
                revoked += withdraw_priority_referral(
                    actor=actor, referral_id=cash.priority_referral_id
                )
        record(
            actor=actor, action="protection.withdraw_consent", target=case,
            changes={"purpose": consent.purpose, "service_type": consent.service_type,
                     "revoked_referrals": revoked},
        )  # fmt: skip
    return Withdrawal(consent=consent, revoked_referrals=revoked)


# Assessment, services, plans, follow-ups ----------------------------------------------------


@dataclass(frozen=True)
class NewAssessment:
    risk_level: str
    assessed_on: date | None = None
    safety_needs: bool = False
    health_needs: bool = False
    psychosocial_needs: bool = False
    legal_needs: bool = False
    material_needs: bool = False
    notes: str = ""


def record_assessment(*, actor: User, case: Case, data: NewAssessment) -> Assessment:
    """Intake and assessment of needs; the case takes the assessed risk level."""
    _work_on(actor, case, action="assess")
    errors: dict[str, list[str]] = {}
    assessed_on = data.assessed_on or timezone.localdate()
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("La date ne peut pas être dans le futur.")]
    if data.risk_level not in Case.Risk.values:
        errors["risk_level"] = [str(REQUIRED)]
    notes = _text(data.notes, "notes", errors)
    if errors:
        raise _refused(
            actor, case, "assess", InvalidInput(_("Évaluation non enregistrée."), errors)
        )
    with transaction.atomic():
        assessment = Assessment.objects.create(
            case=case, assessed_on=assessed_on, safety_needs=data.safety_needs,
            health_needs=data.health_needs, psychosocial_needs=data.psychosocial_needs,
            legal_needs=data.legal_needs, material_needs=data.material_needs,
            risk_level=data.risk_level, notes_sealed=_seal(Assessment, "notes_sealed", notes, case),
            assessed_by=actor,
        )  # fmt: skip
        case.risk_level = data.risk_level
        case.save(update_fields=["risk_level"])
        record(actor=actor, action="protection.assess", target=case,
               changes={"risk_level": data.risk_level})  # fmt: skip
    return assessment


def record_service(
    *,
    actor: User,
    case: Case,
    kind: str,
    provider_id: int,
    started_on: date | None,
    outcome: str,
    ended_on: date | None = None,
) -> ServiceDelivery:
    """A service delivered (medical, psychosocial, legal, safety, reinsertion, kits …)."""
    _work_on(actor, case, action="record_service")
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if kind not in ServiceKind.values:
        errors["kind"] = [str(REQUIRED)]
    provider = Provider.objects.filter(pk=provider_id, is_active=True).first()
    if provider is None:
        errors["provider_id"] = [str(REQUIRED)]
    if started_on is None:
        errors["started_on"] = [str(REQUIRED)]
    elif started_on > today:
        errors["started_on"] = [_("La date ne peut pas être dans le futur.")]
    if ended_on is not None and (ended_on > today or (started_on and ended_on < started_on)):
        errors["ended_on"] = [_("Date de fin invalide.")]
    if outcome not in ServiceDelivery.Outcome.values:
        errors["outcome"] = [str(REQUIRED)]
    if errors:
        raise _refused(actor, case, "record_service",
                       InvalidInput(_("Service non enregistré."), errors))  # fmt: skip
    assert provider is not None  # noqa: S101 (checked above)
    assert started_on is not None  # noqa: S101 (checked above)
    with transaction.atomic():
        service = ServiceDelivery.objects.create(
            case=case, kind=kind, provider=provider, started_on=started_on, ended_on=ended_on,
            outcome=outcome, recorded_by=actor,
        )  # fmt: skip
        record(actor=actor, action="protection.record_service", target=case,
               changes={"kind": kind, "provider": provider.pk, "outcome": outcome})  # fmt: skip
    return service


def submit_plan(*, actor: User, case: Case, kind: str, content: str) -> Plan:
    """Submit a case plan or safety plan for a supervisor's approval."""
    _work_on(actor, case, action="submit_plan")
    errors: dict[str, list[str]] = {}
    if kind not in Plan.Kind.values:
        errors["kind"] = [str(REQUIRED)]
    text = _text(content, "content", errors, required=True)
    if errors:
        raise _refused(actor, case, "submit_plan", InvalidInput(_("Plan non soumis."), errors))
    with transaction.atomic():
        plan = Plan.objects.create(
            case=case, kind=kind, content_sealed=_seal(Plan, "content_sealed", text, case),
            submitted_by=actor, submitted_at=timezone.now(),
        )  # fmt: skip
        record(actor=actor, action="protection.submit_plan", target=case, changes={"kind": kind})
    return plan


def decide_plan(*, actor: User, plan: Plan, approve: bool) -> Plan:
    """A supervisor of the case's site approves a submitted plan or returns it."""
    case = plan.case
    _act_on(actor, case, action="decide_plan")
    if not is_supervisor_of(actor, case):
        raise Forbidden(_("Seul·e un·e superviseur·e du site approuve les plans."))
    if plan.status != Plan.Status.SUBMITTED:
        raise InvalidInput(_("Ce plan a déjà été traité."))
    if plan.submitted_by_id == actor.pk:  # four eyes: the author does not approve
        raise _refused(actor, case, "decide_plan", InvalidInput(
            _("Vous avez soumis ce plan : un·e autre superviseur·e du site le décide."),
        ))  # fmt: skip
    with transaction.atomic():
        plan.status = Plan.Status.APPROVED if approve else Plan.Status.RETURNED
        plan.decided_by = actor
        plan.decided_at = timezone.now()
        plan.save(update_fields=["status", "decided_by", "decided_at"])
        record(actor=actor, action="protection.decide_plan", target=case,
               changes={"kind": plan.kind, "status": plan.status})  # fmt: skip
    return plan


def schedule_follow_up(*, actor: User, case: Case, due_on: date | None, purpose: str) -> FollowUp:
    _work_on(actor, case, action="schedule_follow_up")
    errors: dict[str, list[str]] = {}
    if due_on is None:
        errors["due_on"] = [str(REQUIRED)]
    text = _text(purpose, "purpose", errors, required=True, limit=120)
    if errors:
        raise _refused(actor, case, "schedule_follow_up",
                       InvalidInput(_("Suivi non planifié."), errors))  # fmt: skip
    assert due_on is not None  # noqa: S101 (checked above)
    with transaction.atomic():
        follow_up = FollowUp.objects.create(
            case=case,
            due_on=due_on,
            purpose_sealed=_seal(FollowUp, "purpose_sealed", text, case),
            created_by=actor,
        )
        record(actor=actor, action="protection.schedule_follow_up", target=case,
               changes={"due_on": due_on})  # fmt: skip
    return follow_up


def complete_follow_up(
    *, actor: User, follow_up: FollowUp, done_on: date | None = None
) -> FollowUp:
    case = follow_up.case
    _act_on(actor, case, action="complete_follow_up")
    done = done_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if follow_up.done_on is not None:
        errors["follow_up"] = [_("Ce suivi est déjà fait (le %(date)s).")
                               % {"date": f"{follow_up.done_on:%d/%m/%Y}"}]  # fmt: skip
    elif done > timezone.localdate():
        errors["done_on"] = [_("La date ne peut pas être dans le futur.")]
    if errors:
        raise _refused(actor, case, "complete_follow_up",
                       InvalidInput(_("Suivi non enregistré."), errors))  # fmt: skip
    with transaction.atomic():
        follow_up.done_on = done
        follow_up.done_by = actor
        follow_up.save(update_fields=["done_on", "done_by"])
        record(actor=actor, action="protection.complete_follow_up", target=case,
               changes={"due_on": follow_up.due_on, "done_on": done})  # fmt: skip
    return follow_up


# Referrals ---------------------------------------------------------------------------------


def _case_age_group(case: Case) -> str:
    latest = case.incidents.order_by("-incident_on").first()
    if latest is not None and latest.survivor_age is not None:
        return classifier.age_group(latest.survivor_age)
    if case.survivor_birth_year:
        return classifier.age_group(timezone.localdate().year - case.survivor_birth_year)
    return classifier.UNKNOWN_AGE


def refer(
    *,
    actor: User,
    case: Case,
    to_provider_id: int,
    service_type: str,
    urgency: str = Referral.Urgency.NORMAL,
    message: str = "",
    override_reason: str = "",
) -> Referral:
    """Refer the survivor to another provider for one service type.

    Needs the survivor's standing consent to a referral of that type; without it only a
    holder of the consent-override permission may refer, with a reason, and the override is
    logged. The receiver is told only the referral's own fields."""
    _act_on(actor, case, action="refer")
    errors: dict[str, list[str]] = {}
    if not case.is_open:
        errors["case"] = [_("Le dossier est clôturé.")]
    provider = Provider.objects.filter(pk=to_provider_id, is_active=True).first()
    if provider is None or provider.pk == case.provider_id:
        errors["to_provider_id"] = [_("Choisissez un autre prestataire.")]
    if service_type not in ServiceType.values:
        errors["service_type"] = [str(REQUIRED)]
    if urgency not in Referral.Urgency.values:
        errors["urgency"] = [str(REQUIRED)]
    text = _text(message, "message", errors)
    override = override_reason.strip()[:300]
    consent = None
    if not errors:
        consent = standing_consent(case, Consent.Purpose.REFERRAL, service_type)
        services = standing_consent(case, Consent.Purpose.SERVICES)
        if consent is None or services is None:
            consent = None
            if not override:
                errors["service_type"] = [
                    _("Pas de consentement de la survivante pour une orientation de ce type.")
                ]
            elif not has_perm(actor, Perm.PROTECTION_CONSENT_OVERRIDE):
                errors["override_reason"] = [
                    _("Votre rôle ne permet pas d'orienter sans consentement.")
                ]
    if errors:
        raise _refused(actor, case, "refer", InvalidInput(_("Orientation refusée."), errors))
    assert provider is not None  # noqa: S101 (checked above)
    with transaction.atomic():
        referral = Referral.objects.create(
            case=case,
            from_provider=case.provider,
            to_provider=provider,
            service_type=service_type,
            urgency=urgency,
            survivor_sex=case.survivor_sex,
            age_group=_case_age_group(case),
            message_sealed=_seal(Referral, "message_sealed", text, case),
            consent=consent,
            override_reason_sealed=(
                _seal(Referral, "override_reason_sealed", override, case) if consent is None else ""
            ),
            created_by=actor,
            created_at=timezone.now(),
        )
        record(
            actor=actor,
            action="protection.consent_override" if consent is None else "protection.refer",
            target=case,
            changes={"referral": referral.pk, "to": provider.pk, "service_type": service_type,
                     **({"override": True} if consent is None else {})},
        )  # fmt: skip
    return referral


def _receiver(actor: User, referral: Referral, action: str) -> None:
    """The receiving provider's staff answer a referral. A provider with no Jigi site (a
    partner clinic, the police) answers by phone or paper: the referring case's worker and
    supervisors record its answer for it."""
    if staff_providers(actor).filter(pk=referral.to_provider_id).exists():
        return
    if referral.to_provider.site_id is None and may_open(actor, referral.case):
        return
    refuse(actor, action=action, code=f"referral:{referral.pk}", reason="not_receiver")
    raise NotFound(_("orientation"))


REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    Referral.Status.PENDING: frozenset(
        {Referral.Status.ACCEPTED, Referral.Status.DECLINED, Referral.Status.REVOKED}
    ),
    Referral.Status.ACCEPTED: frozenset({Referral.Status.COMPLETED, Referral.Status.REVOKED}),
    Referral.Status.DECLINED: frozenset(),
    Referral.Status.COMPLETED: frozenset(),
    Referral.Status.REVOKED: frozenset(),
}


def _move(referral: Referral, to: str) -> None:
    if to not in REFERRAL_TRANSITIONS[referral.status]:
        message = _("Une orientation « %(status)s » ne peut pas passer à « %(to)s ».") % {
            "status": referral.get_status_display(),
            "to": Referral.Status(to).label,
        }
        raise InvalidInput(message, {"status": [message]})


def respond_to_referral(
    *, actor: User, referral: Referral, accept: bool, note: str = ""
) -> Referral:
    """The receiving provider accepts or declines (their note goes back, sealed)."""
    _receiver(actor, referral, "respond_referral")
    to = Referral.Status.ACCEPTED if accept else Referral.Status.DECLINED
    _move(referral, to)
    _long_text_or_raise(actor, referral.case, "respond_referral", note=note)
    with transaction.atomic():
        referral.status = to
        referral.responded_by = actor
        referral.responded_at = timezone.now()
        if note.strip():
            referral.feedback_sealed = _seal(Referral, "feedback_sealed", note, referral.case)
        if not accept:
            referral.closed_at = referral.responded_at
        referral.save()
        record(actor=actor, action="protection.respond_referral", target=referral,
               target_label=f"referral:{referral.pk}", changes={"status": to})  # fmt: skip
    return referral


def complete_referral(*, actor: User, referral: Referral, feedback: str = "") -> Referral:
    """The receiving provider reports the service given: completed, with feedback."""
    _receiver(actor, referral, "complete_referral")
    _move(referral, Referral.Status.COMPLETED)
    _long_text_or_raise(actor, referral.case, "complete_referral", feedback=feedback)
    with transaction.atomic():
        referral.status = Referral.Status.COMPLETED
        referral.closed_at = timezone.now()
        if feedback.strip():
            referral.feedback_sealed = _seal(Referral, "feedback_sealed", feedback, referral.case)
        referral.save()
        record(actor=actor, action="protection.complete_referral", target=referral,
               target_label=f"referral:{referral.pk}", changes={"status": referral.status})  # fmt: skip
    return referral


def revoke_referral(*, actor: User, referral: Referral, reason: str) -> Referral:
    """The case side withdraws a referral still pending or accepted."""
    _act_on(actor, referral.case, action="revoke_referral")
    _move(referral, Referral.Status.REVOKED)
    _long_text_or_raise(actor, referral.case, "revoke_referral", reason=reason)
    with transaction.atomic():
        referral.status = Referral.Status.REVOKED
        referral.closed_at = timezone.now()
        # The reason is the case worker's free text: sealed, the column keeps a code only.
        referral.revoked_reason = "case_worker"
        referral.revoked_note_sealed = _seal(Referral, "revoked_note_sealed", reason, referral.case)
        referral.save()
        record(actor=actor, action="protection.revoke_referral", target=referral.case,
               changes={"referral": referral.pk})  # fmt: skip
    return referral


def refer_to_cash_programme(
    *,
    actor: User,
    case: Case,
    programme_code: str,
    commune_code: str,
    household_code: str = "",
    phone: str = "",
) -> CashReferral:
    """Send the survivor's household to a cash programme with priority, saying nothing of
    why: the programme gets a reasonless priority referral (the only write outside
    protection). Needs the survivor's consent to a livelihoods referral."""
    _work_on(actor, case, action="cash_referral")
    if standing_consent(case, Consent.Purpose.REFERRAL, ServiceType.LIVELIHOODS) is None:
        raise _refused(actor, case, "cash_referral", InvalidInput(
            _("Orientation refusée."),
            {"programme": [_("Pas de consentement de la survivante pour une orientation de ce type.")]},
        ))  # fmt: skip
    with transaction.atomic():
        priority = refer_priority_household(
            actor=actor, programme_code=programme_code, commune_code=commune_code,
            household_code=household_code, phone=phone,
        )  # fmt: skip
        cash = CashReferral.objects.create(
            case=case, programme_code=programme_code, priority_referral_id=priority.pk,
            created_by=actor, created_at=timezone.now(),
        )  # fmt: skip
        record(actor=actor, action="protection.cash_referral", target=case,
               changes={"programme": programme_code})  # fmt: skip
    return cash


# Closure -----------------------------------------------------------------------------------

CLOSURE_CHECKLIST: dict[str, Any] = {
    "needs_reviewed": gettext_lazy(
        "Les besoins et le plan d'action ont été revus avec la survivante."
    ),
    "safety_reviewed": gettext_lazy(
        "Le plan de sécurité a été revu et la survivante sait qui contacter."
    ),
    "referrals_settled": gettext_lazy(
        "Chaque orientation ouverte est terminée, refusée ou révoquée."
    ),
    "survivor_informed": gettext_lazy(
        "La survivante sait qu'elle peut revenir et rouvrir son dossier."
    ),
}


def request_closure(*, actor: User, case: Case, reason: str, checklist: Sequence[str]) -> Case:
    """The case worker asks to close the case: a standard reason and every checklist item."""
    _act_on(actor, case, action="request_closure")
    errors: dict[str, list[str]] = {}
    if case.status != Case.Status.OPEN:
        errors["status"] = [_("Seul un dossier ouvert peut être proposé à la clôture.")]
    if reason not in Case.ClosureReason.values:
        errors["reason"] = [_("Choisissez un motif de clôture.")]
    missing = [item for item in CLOSURE_CHECKLIST if item not in set(checklist)]
    if missing:
        errors["checklist"] = [_("Cochez chaque point de la liste de clôture.")]
    open_referrals = case.referrals.filter(
        status__in=[Referral.Status.PENDING, Referral.Status.ACCEPTED]
    )
    if "referrals_settled" in checklist and open_referrals.exists():
        errors["checklist"] = [_("Des orientations sont encore ouvertes.")]
    if errors:
        raise _refused(actor, case, "request_closure",
                       InvalidInput(_("Clôture refusée."), errors))  # fmt: skip
    with transaction.atomic():
        case.status = Case.Status.CLOSURE_REQUESTED
        case.closure_reason = reason
        case.closure_checklist = dict.fromkeys(CLOSURE_CHECKLIST, True)
        case.closure_requested_by = actor
        case.closure_requested_at = timezone.now()
        case.save()
        record(actor=actor, action="protection.request_closure", target=case,
               changes={"reason": reason})  # fmt: skip
    return case


def decide_closure(*, actor: User, case: Case, approve: bool) -> Case:
    """A supervisor of the site approves the closure, or sends the case back open."""
    _act_on(actor, case, action="decide_closure")
    if not is_supervisor_of(actor, case):
        raise Forbidden(_("Seul·e un·e superviseur·e du site approuve une clôture."))
    if case.status != Case.Status.CLOSURE_REQUESTED:
        raise InvalidInput(_("Aucune clôture n'est demandée pour ce dossier."))
    if case.closure_requested_by_id == actor.pk:  # four eyes: who asks does not approve
        raise _refused(actor, case, "decide_closure", InvalidInput(
            _("Vous avez demandé cette clôture : un·e autre superviseur·e du site la décide."),
        ))  # fmt: skip
    with transaction.atomic():
        if approve:
            case.status = Case.Status.CLOSED
            case.closed_by = actor
            case.closed_at = timezone.now()
        else:
            case.status = Case.Status.OPEN
            case.closure_reason = ""
            case.closure_checklist = {}
        case.save()
        record(actor=actor, action="protection.decide_closure", target=case,
               changes={"approved": approve})  # fmt: skip
    return case


def reopen_case(*, actor: User, case: Case) -> Case:
    """A closed case opens again (the survivor came back); its history stays."""
    _act_on(actor, case, action="reopen")
    if case.status != Case.Status.CLOSED:
        raise InvalidInput(_("Ce dossier n'est pas clôturé."))
    with transaction.atomic():
        case.status = Case.Status.OPEN
        case.reopened_times += 1
        case.closed_at = None
        case.closed_by = None
        case.closure_reason = ""
        case.closure_checklist = {}
        case.save()
        record(actor=actor, action="protection.reopen_case", target=case, changes={})
    return case


# Keys --------------------------------------------------------------------------------------


def rotate_key(*, actor: User | None = None) -> dict[str, int]:
    """Re-seal every sealed value under the current sealing key, in one transaction; a value
    that cannot be opened stops the rotation before anything is written."""
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model, name in SEALED_FIELDS:
            purpose = sealed_field(model, name)
            changed = 0
            rows = model._default_manager.select_for_update().exclude(**{name: ""})
            code = "code" if model is Case else "case__code"
            for pk, value, case_code in rows.values_list("pk", name, code).iterator(chunk_size=500):
                if crypto.needs_reseal(value):
                    clear = crypto.unseal(value, field=purpose, case=case_code)
                    model._default_manager.filter(pk=pk).update(
                        **{name: crypto.seal(clear, field=purpose, case=case_code)}
                    )
                    changed += 1
            counts[purpose] = changed
        record(actor=actor, action="protection.rotate_key", target=None,
               target_label=crypto.configured_keys()[0].id, changes=counts)  # fmt: skip
    return counts
