"""Writes of the grievances app: recording, the lifecycle, escalation, bulk actions, the
bridges to the register and to protection, attachments and the public form's throttle.

Each service checks the role, validates everything first, writes in one transaction and
records the audit entry. Audit entries name complaints by their code only: the narrative and
the complainant's name stay in the complaint.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.accounts.models import User
from jigi.accounts.policy import can, has_perm
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.codes import is_valid_code, make_code, normalise_code
from jigi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from jigi.core.handoffs import Handoff, register_handoff_source
from jigi.core.jobs import Progress, job_kind, start_job
from jigi.core.models import AdminArea, Job
from jigi.core.phones import normalise_phone
from jigi.grievances.models import (
    PAYMENT_CATEGORIES,
    SENSITIVE_CATEGORIES,
    AppealOffer,
    AssignmentRule,
    Attachment,
    Category,
    Channel,
    Complaint,
    Deadline,
    Event,
    Level,
    ProtectionReferral,
    PublicAttempt,
)
from jigi.payments.models import PaymentCycle, PaymentLine
from jigi.programmes.models import Enrolment, HouseholdScore
from jigi.registry import services as registry
from jigi.registry.models import ChangeRequest, Household, Individual

Actor = User | None  # None: the system (public form, escalation job, CLI, demo)

CODE_PREFIX = "PT"  # "plainte" (L is not a code symbol); no region uses it (KY, MP, …)
CODE_WIDTH = 6
# Days to resolve when no Deadline row names the category (payment issues: 15, issue 8).
DEFAULT_DAYS = {
    Category.PAYMENT_NOT_RECEIVED: 15,
    Category.WRONG_AMOUNT: 15,
    Category.AGENCY_CONDUCT: 15,
    Category.INFORMATION: 7,
    Category.SEA: 7,
}
DEFAULT_OTHER_DAYS = 30
DEFAULT_ESCALATION_DAYS = 7
DESCRIPTION_MAX = 5000

T = Complaint.Status
# The one transitions table: status → statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    T.NEW: frozenset({T.ASSIGNED, T.IN_PROGRESS, T.RESOLVED}),
    T.ASSIGNED: frozenset({T.ASSIGNED, T.IN_PROGRESS, T.RESOLVED}),
    T.IN_PROGRESS: frozenset({T.ASSIGNED, T.RESOLVED}),
    T.APPEALED: frozenset({T.ASSIGNED, T.IN_PROGRESS, T.RESOLVED}),
    T.RESOLVED: frozenset({T.CLOSED, T.APPEALED}),
    T.CLOSED: frozenset({T.APPEALED}),
}

REQUIRED = gettext_lazy("Champ obligatoire.")
ALLOWED_TYPES = {  # content type → file name endings accepted for it
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/pdf": (".pdf",),
}


def _require(actor: Actor, perm: str) -> None:
    if actor is not None and not has_perm(actor, perm):
        raise Forbidden(_("Votre rôle ne permet pas cette action sur les plaintes."))


def _require_access(actor: Actor, complaint: Complaint, perm: str) -> None:
    """The actor may act on this complaint: role, scope, and for a sensitive case the focal
    point's permission (others are told it does not exist)."""
    if actor is None:
        return
    if complaint.is_sensitive and not has_perm(actor, Perm.GRIEVANCES_SENSITIVE):
        raise NotFound(_("plainte"))
    if not can(actor, Perm.GRIEVANCES_VIEW, complaint):
        raise NotFound(_("plainte"))
    _require(actor, perm)


def _event(
    complaint: Complaint,
    kind: str,
    actor: Actor,
    *,
    text: str = "",
    from_status: str = "",
    to_status: str = "",
    at: datetime | None = None,
) -> Event:
    return Event.objects.create(
        complaint=complaint, kind=kind, text=text, from_status=from_status,
        to_status=to_status, actor=actor, at=at or timezone.now(),
    )  # fmt: skip


def _audit(actor: Actor, action: str, complaint: Complaint, changes: dict[str, Any]) -> None:
    record(
        actor=actor,
        action=f"grievances.{action}",
        target=complaint,
        changes=changes,
        target_label=complaint.code,
    )


# Codes and deadlines ------------------------------------------------------------------------


def new_tracking_code() -> str:
    """A random code ("PL-7K3QX2-M"): unguessable, so the public status page cannot be walked
    through in order; checked against the ones already given."""
    while True:
        code = make_code(CODE_PREFIX, secrets.randbelow(32**CODE_WIDTH), CODE_WIDTH)
        if not Complaint.objects.filter(code=code).exists():
            return code


def read_tracking_code(raw: str) -> str | None:
    """The code as typed (spaces, lower case, O for 0 …) in its stored form, or None when the
    check character does not match."""
    if not is_valid_code(raw, frozenset({CODE_PREFIX})):
        return None
    return normalise_code(raw)


def deadline_days(category: str) -> tuple[int, int]:
    """Days to resolve the category, and days each level has before the next escalation."""
    row = Deadline.objects.filter(category=category).first()
    if row is not None:
        return row.days, row.escalation_days
    return DEFAULT_DAYS.get(category, DEFAULT_OTHER_DAYS), DEFAULT_ESCALATION_DAYS  # type: ignore[call-overload]


def assignee_for(category: str, area_code: str, level: int) -> User | None:
    """The most specific active rule's assignee for the category, the place's region and the
    level, among those who may handle the category and whose scope holds the place (a rule
    for "any region" never hands a complaint to someone who could not open it)."""
    rules = (
        AssignmentRule.objects.filter(level=level, is_active=True, assignee__is_active=True)
        .filter(Q(category=category) | Q(category=""))
        .filter(Q(region_id=area_code[:4]) | Q(region__isnull=True))
        .select_related("assignee")
    )
    ranked = sorted(rules, key=lambda rule: (rule.category == "", rule.region_id is None, rule.pk))
    for rule in ranked:
        if _may_handle(rule.assignee, category) and _covers(rule.assignee, area_code):
            return rule.assignee
    return None


def _covers(user: User, area_code: str) -> bool:
    """Whether the place is in the user's scope (the prefix test `visible` applies)."""
    return user.national_scope or any(area_code.startswith(c) for c in user.scope_area_codes())


def _may_handle(user: User, category: str) -> bool:
    if not has_perm(user, Perm.GRIEVANCES_MANAGE):
        return False
    return category not in SENSITIVE_CATEGORIES or has_perm(user, Perm.GRIEVANCES_SENSITIVE)


# Attachments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def sniff_type(content: bytes) -> str | None:
    """The file's type from its first bytes (its name can say anything)."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check_upload(upload: Upload, errors: dict[str, list[str]], field: str = "attachments") -> str:
    """The upload's content type, or an error naming the file: too large, or not a photo
    (JPEG, PNG) or PDF by its content and its name alike."""
    limit: int = settings.JIGI_GRIEVANCE_FILE_MAX_BYTES
    if len(upload.content) > limit:
        errors.setdefault(field, []).append(
            _("« %(name)s » dépasse la taille maximale de %(max)s Mo.")
            % {"name": upload.name, "max": limit // (1024 * 1024)}
        )
        return ""
    kind = sniff_type(upload.content)
    if kind is None or not upload.name.lower().endswith(ALLOWED_TYPES[kind]):
        errors.setdefault(field, []).append(
            _("« %(name)s » n'est pas une photo (JPEG, PNG) ni un PDF.") % {"name": upload.name}
        )
        return ""
    return kind


def attachment_path(attachment: Attachment) -> Path:
    return Path(settings.JIGI_GRIEVANCE_FILES_DIR) / attachment.stored_name


def _store(
    complaint: Complaint, actor: Actor, upload: Upload, kind: str, written: list[Path]
) -> Attachment:
    stored = f"{secrets.token_hex(16)}{ALLOWED_TYPES[kind][0]}"
    directory = Path(settings.JIGI_GRIEVANCE_FILES_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / stored
    path.write_bytes(upload.content)
    written.append(path)
    return Attachment.objects.create(
        complaint=complaint,
        file_name=Path(upload.name).name[:200],
        content_type=kind,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        stored_name=stored,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )


def _discard(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def add_attachment(*, actor: Actor, complaint: Complaint, upload: Upload) -> Attachment:
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    errors: dict[str, list[str]] = {}
    kind = check_upload(upload, errors)
    if errors:
        raise InvalidInput(_("La pièce jointe est refusée."), errors)
    written: list[Path] = []
    try:
        with transaction.atomic():
            attachment = _store(complaint, actor, upload, kind, written)
            _event(complaint, Event.Kind.ATTACHMENT, actor, text=attachment.file_name)
            _audit(actor, "attach", complaint, {"file": [None, attachment.sha256]})
    except BaseException:
        _discard(written)
        raise
    return attachment


# Recording -----------------------------------------------------------------------------------


@dataclass
class NewComplaint:
    """What the person taking the complaint writes down (forms and the API fill it)."""

    channel: str
    category: str
    description: str
    household_code: str = ""
    individual_id: int | None = None
    complainant_name: str = ""
    complainant_phone: str = ""
    area_code: str = ""
    village: str = ""
    payment_line_id: int | None = None
    cycle_id: int | None = None
    enrolment_id: int | None = None
    attachments: Sequence[Upload] = ()


def find_household(actor: Actor, code: str) -> Household | None:
    """The household of a code as typed, if the actor may see it (the public form: any)."""
    text = code.strip()
    if not text:
        return None
    household = (
        Household.objects.select_related("commune").filter(code=normalise_code(text)).first()
    )
    if household is None or (actor is not None and not can(actor, Perm.REGISTRY_VIEW, household)):
        return None
    return household


def _links(
    actor: Actor, data: NewComplaint, household: Household | None, errors: dict[str, list[str]]
) -> dict[str, Any]:
    """The enrolment, payment line, cycle and person the complaint names; each must belong
    to the household (and be visible to the actor)."""
    links: dict[str, Any] = {"individual": None, "enrolment": None, "payment_line": None,
                             "cycle": None}  # fmt: skip
    if data.individual_id is not None:
        person = Individual.objects.filter(pk=data.individual_id).first()
        if person is None or household is None or person.household_id != household.pk:
            errors["individual_id"] = [_("Cette personne n'est pas membre du ménage indiqué.")]
        links["individual"] = person
    if data.enrolment_id is not None:
        enrolment = Enrolment.objects.filter(pk=data.enrolment_id).first()
        if enrolment is None or household is None or enrolment.household_id != household.pk:
            errors["enrolment_id"] = [_("Cette inscription n'est pas celle du ménage indiqué.")]
        links["enrolment"] = enrolment
    if data.payment_line_id is not None:
        line = PaymentLine.objects.filter(pk=data.payment_line_id).first()
        if line is None or household is None or line.household_id != household.pk:
            errors["payment_line_id"] = [_("Ce paiement n'est pas celui du ménage indiqué.")]
        else:
            links["cycle"] = line.cycle
            links["enrolment"] = links["enrolment"] or line.enrolment
        links["payment_line"] = line
    elif household is not None and data.category in PAYMENT_CATEGORIES:
        # A payment complaint names the household's latest payment sent out, when it has one.
        line = (
            PaymentLine.objects.filter(household=household)
            .exclude(cycle__status__in=[PaymentCycle.Status.DRAFT, PaymentCycle.Status.SUBMITTED])
            .select_related("cycle")
            .order_by("-cycle__due_on", "-id")
            .first()
        )
        if line is not None:
            links.update(payment_line=line, cycle=line.cycle, enrolment=line.enrolment)
    if data.cycle_id is not None and links["cycle"] is None:
        cycle = PaymentCycle.objects.filter(pk=data.cycle_id).first()
        if cycle is None:
            errors["cycle_id"] = [_("Cycle de paiement inconnu.")]
        links["cycle"] = cycle
    return links


def _area_in_scope(actor: Actor, area: AdminArea) -> bool:
    if actor is None or actor.national_scope:
        return True
    return any(area.pcode.startswith(code) for code in actor.scope_area_codes())


def _validate(
    actor: Actor, data: NewComplaint, errors: dict[str, list[str]]
) -> tuple[Household | None, AdminArea | None, str, list[str]]:
    if data.channel not in Channel.values:
        errors["channel"] = [_("Canal inconnu.")]
    if data.category not in Category.values:
        errors["category"] = [_("Catégorie inconnue.")]
    description = data.description.strip()
    if not description:
        errors["description"] = [_("Décrivez la plainte : que s'est-il passé, où, quand ?")]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("%(max)s caractères au plus.") % {"max": DESCRIPTION_MAX}]
    household = find_household(actor, data.household_code)
    if data.household_code.strip() and household is None:
        errors["household_code"] = [
            _("Aucun ménage n'a le code « %(code)s ».") % {"code": data.household_code.strip()}
        ]
    area: AdminArea | None = household.commune if household else None
    if area is None and data.area_code:
        area = AdminArea.objects.filter(pcode=data.area_code).first()
        if area is None:
            errors["area_code"] = [_("Lieu inconnu.")]
    if area is None and "household_code" not in errors and "area_code" not in errors:
        errors["area_code"] = [_("Indiquez le ménage, ou au moins la région ou la commune.")]
    if area is not None and household is None and not _area_in_scope(actor, area):
        # Staff record in their own scope (the public form and the system record anywhere).
        errors["area_code"] = [_("Ce lieu est hors de votre portée.")]
    phone = ""
    if data.complainant_phone.strip():
        try:
            phone = normalise_phone(data.complainant_phone)
        except InvalidInput as exc:
            errors["complainant_phone"] = [str(exc)]
    kinds = [check_upload(upload, errors) for upload in data.attachments]
    return household, area, phone, kinds


def record_complaint(
    *, actor: Actor, data: NewComplaint, score: HouseholdScore | None = None
) -> Complaint:
    """Record a complaint from any channel: a tracking code, the category's deadline, and
    the assignee of the matching rule. Nothing is written when anything is refused."""
    _require(actor, Perm.GRIEVANCES_RECORD)
    errors: dict[str, list[str]] = {}
    household, area, phone, kinds = _validate(actor, data, errors)
    links = _links(actor, data, household, errors)
    if errors:
        raise InvalidInput(
            _("La plainte n'est pas enregistrée : corrigez les champs signalés."), errors
        )
    assert area is not None  # noqa: S101 (no errors means a place was found)
    now = timezone.now()
    days, _escalation = deadline_days(data.category)
    region_id = area.pcode[:4]
    name = data.complainant_name.strip()[:200]
    if household is not None or links["individual"] is not None:
        complainant = Complaint.Complainant.REGISTERED
    elif name or phone:
        complainant = Complaint.Complainant.NAMED
    else:
        complainant = Complaint.Complainant.ANONYMOUS
    assignee = assignee_for(data.category, area.pcode, Level.LOCAL)
    written: list[Path] = []
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                code=new_tracking_code(),
                channel=data.channel,
                category=data.category,
                is_sensitive=data.category in SENSITIVE_CATEGORIES,
                description=data.description.strip(),
                complainant=complainant,
                complainant_name=name,
                complainant_phone=phone,
                household=household,
                area=area,
                region_id=region_id,
                village=data.village.strip()[:120],
                score=score,
                status=T.ASSIGNED if assignee else T.NEW,
                assigned_to=assignee,
                received_at=now,
                deadline_at=now + timedelta(days=days),
                escalate_at=now + timedelta(days=days),
                created_by=actor,
                **links,
            )
            _event(complaint, Event.Kind.RECEIVED, actor, to_status=T.NEW, at=now)
            if assignee is not None:
                _event(complaint, Event.Kind.ASSIGNED, None, text=assignee.get_username(),
                       from_status=T.NEW, to_status=T.ASSIGNED, at=now)  # fmt: skip
            for upload, kind in zip(data.attachments, kinds, strict=True):
                _store(complaint, actor, upload, kind, written)
            changes: dict[str, Any] = {
                "channel": [None, complaint.channel],
                "assigned_to": [None, assignee.get_username() if assignee else None],
            }
            if not complaint.is_sensitive:
                # A sensitive case's entry names neither its category nor the household:
                # the audit log is read by administrators, who are not focal points.
                changes["category"] = [None, complaint.category]
                changes["household"] = [None, household.code if household else None]
            _audit(actor, "record", complaint, changes)
    except BaseException:
        _discard(written)
        raise
    return complaint


# The lifecycle -------------------------------------------------------------------------------


def _move(complaint: Complaint, target: str, **values: Any) -> str:
    """Change the status along TRANSITIONS, refusing a complaint that changed meanwhile."""
    source = complaint.status
    if target not in TRANSITIONS.get(source, frozenset()):
        raise Conflict(
            _("Une plainte « %(status)s » ne peut pas passer à « %(target)s ».")
            % {"status": complaint.get_status_display(), "target": T(target).label}
        )
    updated = Complaint.objects.filter(pk=complaint.pk, status=source).update(
        status=target, **values
    )
    if not updated:
        raise Conflict(_("Cette plainte a changé entre-temps ; rechargez la page."))
    complaint.refresh_from_db()
    return source


def assign_complaint(
    *, actor: Actor, complaint: Complaint, assignee: User, note: str = ""
) -> Complaint:
    """Give the complaint to someone who may handle its category (a focal point for a
    sensitive one)."""
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    if not complaint.is_open:
        # Handled: only an appeal reopens it (and the appeal's level picks the assignee).
        raise Conflict(
            _("Une plainte résolue ou clôturée ne se réassigne pas : un recours la rouvre.")
        )
    if not assignee.is_active or not _may_handle(assignee, complaint.category):
        raise InvalidInput(
            _("Cette personne ne peut pas traiter cette plainte."),
            {"assignee": [_("Choisissez un·e chargé·e des plaintes (point focal si sensible).")]},
        )
    if not can(assignee, Perm.GRIEVANCES_VIEW, complaint):
        raise InvalidInput(
            _("Cette personne ne peut pas traiter cette plainte."),
            {"assignee": [_("La plainte est hors de la portée de cette personne.")]},
        )
    with transaction.atomic():
        target = (
            T.ASSIGNED if complaint.status in {T.NEW, T.ASSIGNED, T.APPEALED} else complaint.status
        )
        before = complaint.assigned_to.get_username() if complaint.assigned_to else None
        if target == complaint.status and target != T.ASSIGNED:
            Complaint.objects.filter(pk=complaint.pk).update(assigned_to=assignee)
            complaint.refresh_from_db()
            source = complaint.status
        else:
            source = _move(complaint, target, assigned_to=assignee)
        _event(complaint, Event.Kind.ASSIGNED, actor, text=note.strip() or assignee.get_username(),
               from_status=source, to_status=complaint.status)  # fmt: skip
        _audit(actor, "assign", complaint, {"assigned_to": [before, assignee.get_username()]})
    return complaint


REFERRED_STAYS_SENSITIVE = gettext_lazy(
    "Cette plainte a été référée à la protection : elle reste dans une catégorie sensible "
    "(exploitation et abus sexuels, fraude ou mauvaise conduite du personnel), réservée aux "
    "points focaux. Choisissez l'une de ces catégories."
)
REFERRAL_NEEDS_SENSITIVE = gettext_lazy(
    "Seule une plainte sensible peut être référée à la protection : le référencement "
    "révélerait la violence subie à tous ceux qui voient cette plainte. Changez d'abord sa "
    "catégorie (exploitation et abus sexuels, fraude ou mauvaise conduite du personnel), avec "
    "un motif : elle sera réservée aux points focaux."
)


def _lock(complaint: Complaint) -> bool:
    """Lock the complaint's row until the end of the transaction; its sensitivity as stored."""
    stored = (
        Complaint.objects.select_for_update()
        .filter(pk=complaint.pk)
        .values_list("is_sensitive", flat=True)
        .first()
    )
    return bool(stored)


def _is_referred(complaint: Complaint) -> bool:
    """Whether the complaint was handed to protection (pending or taken up)."""
    return ProtectionReferral.objects.filter(complaint_id=complaint.pk).exists()


def reclassify_complaint(
    *, actor: Actor, complaint: Complaint, category: str, reason: str
) -> Complaint:
    """Correct a complaint's category, with a reason. Moving it into a sensitive category
    (a disclosure of exploitation or abuse recorded as something else) restricts it at once:
    it leaves every general list, count and export, and goes to a focal point (the one of the
    matching rule, or nobody until a focal point takes it); only a focal point moves a
    sensitive case back out. The deadline set at receipt does not move (statistics measure
    against it). A complaint referred to protection never leaves the sensitive categories:
    its referral would then show to every officer who opens it."""
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    errors: dict[str, list[str]] = {}
    if category not in Category.values:
        errors["category"] = [_("Catégorie inconnue.")]
    elif category == complaint.category:
        errors["category"] = [_("C'est déjà sa catégorie.")]
    if not reason.strip():
        errors["reason"] = [str(REQUIRED)]
    if errors:
        raise InvalidInput(_("Le changement de catégorie n'est pas valide."), errors)
    if not complaint.is_open:
        raise Conflict(_("Une plainte résolue ou clôturée garde sa catégorie."))
    sensitive = category in SENSITIVE_CATEGORIES
    assignee = complaint.assigned_to
    if assignee is not None and not _may_handle(assignee, category):
        assignee = assignee_for(category, complaint.area_id, complaint.level)
    was = {"sensitive": complaint.is_sensitive, "category": complaint.category}
    with transaction.atomic():
        # The row lock orders this against a referral being made (it takes the same lock):
        # a referral committed meanwhile is seen here, and keeps the complaint sensitive.
        _lock(complaint)
        if not sensitive and _is_referred(complaint):
            # Only a focal point may learn why (an ordinary officer can reach a referred
            # complaint only if older data left it outside the sensitive categories).
            if actor is None or has_perm(actor, Perm.GRIEVANCES_SENSITIVE):
                raise Conflict(str(REFERRED_STAYS_SENSITIVE))
            raise Conflict(_("Seul un point focal peut changer la catégorie de cette plainte."))
        updated = Complaint.objects.filter(pk=complaint.pk, status=complaint.status).update(
            category=category,
            is_sensitive=sensitive,
            assigned_to=assignee,
        )
        if not updated:
            raise Conflict(_("Cette plainte a changé entre-temps ; rechargez la page."))
        complaint.refresh_from_db()
        _event(complaint, Event.Kind.RECLASSIFIED, actor, text=reason.strip()[:DESCRIPTION_MAX])
        # The audit log is read by administrators: a sensitive side is named only as such.
        changes: dict[str, Any] = {"sensitive": [was["sensitive"], sensitive]}
        if not was["sensitive"] and not sensitive:
            changes["category"] = [was["category"], category]
        _audit(actor, "reclassify", complaint, changes)
    return complaint


def start_work(*, actor: Actor, complaint: Complaint) -> Complaint:
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    with transaction.atomic():
        source = _move(complaint, T.IN_PROGRESS)
        _event(complaint, Event.Kind.STATUS, actor, from_status=source, to_status=T.IN_PROGRESS)
        _audit(actor, "start", complaint, {"status": [source, T.IN_PROGRESS]})
    return complaint


def add_note(
    *, actor: Actor, complaint: Complaint, text: str, kind: str = Event.Kind.NOTE
) -> Event:
    """A note or an action taken (a call, a visit) on the timeline."""
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    if kind not in {Event.Kind.NOTE, Event.Kind.ACTION}:
        raise InvalidInput(_("Type d'entrée inconnu."), {"kind": [_("Note ou action.")]})
    if not text.strip():
        raise InvalidInput(_("La note est vide."), {"text": [str(REQUIRED)]})
    with transaction.atomic():
        event = _event(complaint, kind, actor, text=text.strip()[:DESCRIPTION_MAX])
        _audit(actor, "note", complaint, {"kind": [None, kind]})
    return event


def resolve_complaint(
    *, actor: Actor, complaint: Complaint, resolution: str, note: str
) -> Complaint:
    """Record how the complaint was resolved; a rejection, like every resolution, says why.
    A correction waits for the register's change request to be approved."""
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    errors: dict[str, list[str]] = {}
    if resolution not in Complaint.Resolution.values:
        errors["resolution"] = [_("Choisissez le type de résolution.")]
    if not note.strip():
        errors["note"] = [
            _("Motif du rejet obligatoire.")
            if resolution == Complaint.Resolution.REJECTED
            else _("Décrivez la résolution donnée au / à la plaignant·e.")
        ]
    change = complaint.change_request
    if (
        resolution == Complaint.Resolution.CORRECTED
        and change is not None
        and change.status != ChangeRequest.Status.APPROVED
    ):
        errors["resolution"] = [
            _("La demande de modification du registre n'est pas encore approuvée.")
        ]
    if errors:
        raise InvalidInput(_("La résolution n'est pas enregistrée."), errors)
    with transaction.atomic():
        source = _move(
            complaint, T.RESOLVED, resolution=resolution, resolution_note=note.strip(),
            resolved_at=timezone.now(),
        )  # fmt: skip
        _event(complaint, Event.Kind.STATUS, actor, text=note.strip(), from_status=source,
               to_status=T.RESOLVED)  # fmt: skip
        _audit(actor, "resolve", complaint, {"status": [source, T.RESOLVED],
                                             "resolution": [None, resolution]})  # fmt: skip
    return complaint


def close_complaint(*, actor: Actor, complaint: Complaint, note: str = "") -> Complaint:
    """Close a resolved complaint; one without a resolution cannot be closed."""
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    if complaint.status != T.RESOLVED or not complaint.resolution:
        raise InvalidInput(
            _("Une plainte se clôture une fois résolue."),
            {"resolution": [_("Enregistrez d'abord la résolution (type et explication).")]},
        )
    with transaction.atomic():
        source = _move(complaint, T.CLOSED, closed_at=timezone.now())
        _event(complaint, Event.Kind.STATUS, actor, text=note.strip(), from_status=source,
               to_status=T.CLOSED)  # fmt: skip
        _audit(actor, "close", complaint, {"status": [source, T.CLOSED]})
    return complaint


def appeal_complaint(*, actor: Actor, complaint: Complaint, reason: str) -> Complaint:
    """The complainant contests the resolution: the complaint goes up one level (a new
    assignee by the rules) with a fresh period before the next escalation."""
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    if not reason.strip():
        raise InvalidInput(_("Un recours se motive."), {"reason": [str(REQUIRED)]})
    now = timezone.now()
    level = min(complaint.level + 1, Level.NATIONAL)
    _days, escalation = deadline_days(complaint.category)
    assignee = assignee_for(complaint.category, complaint.area_id, level)
    with transaction.atomic():
        source = _move(
            complaint, T.APPEALED, level=level, appeals=complaint.appeals + 1,
            resolution="", resolved_at=None, closed_at=None, satisfaction="",
            assigned_to=assignee, escalate_at=now + timedelta(days=escalation),
        )  # fmt: skip
        _event(complaint, Event.Kind.APPEALED, actor, text=reason.strip(), from_status=source,
               to_status=T.APPEALED)  # fmt: skip
        _audit(actor, "appeal", complaint, {"status": [source, T.APPEALED], "level": [None, level]})
    return complaint


def record_satisfaction(*, actor: Actor, complaint: Complaint, satisfaction: str) -> Complaint:
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    if satisfaction not in Complaint.Satisfaction.values:
        raise InvalidInput(_("Réponse inconnue."), {"satisfaction": [_("Choisissez une réponse.")]})
    if complaint.status not in {T.RESOLVED, T.CLOSED}:
        raise InvalidInput(
            _("La satisfaction se recueille après la résolution."),
            {"satisfaction": [_("La plainte n'est pas encore résolue.")]},
        )
    with transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(satisfaction=satisfaction)
        complaint.refresh_from_db()
        _event(complaint, Event.Kind.SATISFACTION, actor, text=satisfaction)
        _audit(actor, "satisfaction", complaint, {"satisfaction": [None, satisfaction]})
    return complaint


# Escalation ----------------------------------------------------------------------------------


def escalate_overdue(*, actor: Actor = None, progress: Progress | None = None) -> dict[str, int]:
    """Move every open complaint whose level's time ran out one level up (local → regional →
    national), assigned by the rules of the new level, with the category's escalation period
    before the next step. Running it twice escalates nothing twice (the period moved on).

    The figures (result and progress) count ordinary complaints only: whoever starts the job
    reads them on its page, and a count of sensitive cases is for focal points alone. The
    sensitive cases are escalated all the same, each with its audit entry."""
    _require(actor, Perm.GRIEVANCES_MANAGE)
    now = timezone.now()
    open_statuses = [T.NEW, T.ASSIGNED, T.IN_PROGRESS, T.APPEALED]
    due = list(
        Complaint.objects.filter(
            status__in=open_statuses, escalate_at__lte=now, level__lt=Level.NATIONAL
        )
        .order_by("escalate_at", "id")
        .values_list("id", "is_sensitive")
    )
    ordinary = sum(1 for _id, is_sensitive in due if not is_sensitive)
    if progress:
        progress.start(ordinary, _("Escalade des plaintes en retard"))
    escalated = 0
    done = 0
    for complaint_id, is_sensitive in due:
        if not is_sensitive:
            done += 1
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
            if complaint.status not in open_statuses or complaint.escalate_at > now:
                continue
            level = complaint.level + 1
            _days, escalation = deadline_days(complaint.category)
            assignee = (
                assignee_for(complaint.category, complaint.area_id, level) or complaint.assigned_to
            )
            before = complaint.level
            # A new complaint that now has someone to handle it is assigned, as by hand.
            status = T.ASSIGNED if complaint.status == T.NEW and assignee else complaint.status
            Complaint.objects.filter(pk=complaint.pk).update(
                level=level, assigned_to=assignee, status=status,
                escalate_at=now + timedelta(days=escalation),
            )  # fmt: skip
            complaint.refresh_from_db()
            _event(complaint, Event.Kind.ESCALATED, actor,
                   text=f"{Level(before).label} → {Level(level).label}")  # fmt: skip
            _audit(actor, "escalate", complaint, {
                "level": [before, level],
                "assigned_to": [None, assignee.get_username() if assignee else None],
            })  # fmt: skip
            if not is_sensitive:
                escalated += 1
        if progress:
            progress.update(done)
    if progress:
        progress.update(ordinary, _("Terminé"), force=True)
    return {"escalated": escalated, "checked": ordinary}


@job_kind(
    "grievances.escalate",
    label=gettext_lazy("Escalade des plaintes en retard"),
    permission=Perm.GRIEVANCES_MANAGE,
)
def _escalate_job(job: Job, progress: Progress) -> dict[str, Any]:
    return escalate_overdue(actor=None, progress=progress)


def start_escalation(*, actor: Actor, enqueue: bool = True) -> Job:
    _require(actor, Perm.GRIEVANCES_MANAGE)
    return start_job(actor=actor, kind="grievances.escalate", enqueue=enqueue)


# Bulk ----------------------------------------------------------------------------------------


def bulk_assign(
    *, actor: User, complaints: Sequence[Complaint], assignee: User, reason: str
) -> int:
    """Assign many complaints at once, with a reason; all are assigned or none."""
    _require(actor, Perm.GRIEVANCES_MANAGE)
    if not reason.strip():
        raise InvalidInput(_("Une action groupée se motive."), {"reason": [str(REQUIRED)]})
    if not complaints:
        raise InvalidInput(_("Cochez au moins une plainte."), {"complaints": [str(REQUIRED)]})
    with transaction.atomic():
        for complaint in complaints:
            assign_complaint(actor=actor, complaint=complaint, assignee=assignee, note=reason)
    return len(complaints)


def bulk_close(
    *, actor: User, complaints: Sequence[Complaint], resolution: str, reason: str
) -> int:
    """Close many complaints at once: the open ones are first resolved with the resolution
    and reason given (e.g. duplicates rejected); all are closed or none."""
    _require(actor, Perm.GRIEVANCES_MANAGE)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [str(REQUIRED)]
    if resolution not in Complaint.Resolution.values:
        errors["resolution"] = [_("Choisissez le type de résolution.")]
    if not complaints:
        errors["complaints"] = [_("Cochez au moins une plainte.")]
    if errors:
        raise InvalidInput(_("L'action groupée n'est pas faite."), errors)
    with transaction.atomic():
        for complaint in complaints:
            if complaint.status != T.RESOLVED:
                resolve_complaint(
                    actor=actor, complaint=complaint, resolution=resolution, note=reason
                )
            close_complaint(actor=actor, complaint=complaint, note=reason)
    return len(complaints)


# Bridges -------------------------------------------------------------------------------------


def request_register_correction(
    *,
    actor: User,
    complaint: Complaint,
    kind: str,
    payload: dict[str, Any],
    member: Individual | None = None,
) -> ChangeRequest:
    """A data-correction complaint accepted by the officer becomes a register change request
    (reviewed in the register as any other); the complaint is in progress until it is
    approved and the complaint resolved as corrected."""
    _require_access(actor, complaint, Perm.GRIEVANCES_MANAGE)
    if complaint.category != Category.DATA_CORRECTION or complaint.household is None:
        raise InvalidInput(
            _("Seule une demande de correction liée à un ménage va au registre."),
            {"kind": [_("Liez d'abord la plainte à un ménage.")]},
        )
    if complaint.change_request_id is not None:
        raise Conflict(_("Cette plainte a déjà sa demande de modification."))
    if kind not in {ChangeRequest.Kind.CORRECT_HOUSEHOLD, ChangeRequest.Kind.CORRECT_MEMBER}:
        raise InvalidInput(_("Type de demande inconnu."), {"kind": [_("Ménage ou membre.")]})
    with transaction.atomic():
        change = registry.propose_change(
            actor=actor,
            household=complaint.household,
            kind=kind,
            payload=payload,
            reason=_("Plainte %(code)s") % {"code": complaint.code},
            member=member,
        )
        update: dict[str, Any] = {"change_request": change}
        if complaint.status in {T.NEW, T.ASSIGNED, T.APPEALED}:
            source = _move(complaint, T.IN_PROGRESS, **update)
        else:
            source = complaint.status
            Complaint.objects.filter(pk=complaint.pk).update(**update)
            complaint.refresh_from_db()
        _event(complaint, Event.Kind.CHANGE_REQUEST, actor, text=str(change.get_kind_display()),
               from_status=source, to_status=complaint.status)  # fmt: skip
        _audit(actor, "change_request", complaint, {"change_request": [None, change.pk]})
    return change


def refer_to_protection(
    *, actor: User, complaint: Complaint, has_consent: bool, consent_on: date | None
) -> ProtectionReferral:
    """Refer a GBV disclosure to protection with the complainant's informed consent. The
    referral carries the consent, its date and who referred, never the narrative.

    Only a sensitive complaint is referred (a disclosure recorded under an ordinary category
    is first reclassified, with its reason, which restricts it to focal points): on an
    ordinary one, the referral would tell every officer who opens it that the complainant
    disclosed violence."""
    _require_access(actor, complaint, Perm.GRIEVANCES_SENSITIVE)
    if not complaint.is_sensitive:
        raise Conflict(str(REFERRAL_NEEDS_SENSITIVE))
    errors: dict[str, list[str]] = {}
    if not has_consent:
        errors["has_consent"] = [
            _("Sans le consentement éclairé du / de la plaignant·e, pas de référencement.")
        ]
    if consent_on is None:
        errors["consent_on"] = [str(REQUIRED)]
    elif consent_on > timezone.localdate():
        errors["consent_on"] = [_("La date ne peut pas être dans le futur.")]
    if errors:
        raise InvalidInput(_("Le référencement n'est pas fait."), errors)
    assert consent_on is not None  # noqa: S101 (checked above)
    try:
        with transaction.atomic():
            # Locked and read again: a reclassification out of the sensitive categories
            # committed since the complaint was loaded is seen here (it takes the same lock).
            if not _lock(complaint):
                raise Conflict(str(REFERRAL_NEEDS_SENSITIVE))
            referral = ProtectionReferral.objects.create(
                complaint=complaint, has_consent=True, consent_on=consent_on,
                referred_by=actor, referred_at=timezone.now(),
            )  # fmt: skip
            _event(complaint, Event.Kind.REFERRAL, actor)
            _audit(actor, "refer_protection", complaint, {"consent_on": [None, consent_on]})
    except IntegrityError:
        raise Conflict(_("Cette plainte est déjà référée à la protection.")) from None
    return referral


# Exclusion appeals from community validation -------------------------------------------------


def offer_appeal(score: HouseholdScore) -> AppealOffer:
    """A community rejection lets the household appeal: an offer waits on the grievance
    dashboard (the household decides whether to complain; none is recorded for it)."""
    # The caller's row may predate the decision it just wrote: read the reason as stored.
    reason = HouseholdScore.objects.filter(pk=score.pk).values_list("validation_reason", flat=True)
    offer, _created = AppealOffer.objects.get_or_create(
        score=score,
        defaults={"household_id": score.household_id, "reason": (reason.first() or "")[:300]},
    )
    return offer


def record_appeal_from_offer(
    *, actor: User, offer: AppealOffer, channel: str, description: str
) -> Complaint:
    """The household appeals its exclusion: an exclusion complaint with the list entry."""
    _require(actor, Perm.GRIEVANCES_RECORD)
    if not can(actor, Perm.GRIEVANCES_VIEW, offer):
        raise NotFound(_("recours"))
    if offer.complaint_id is not None or offer.dismissed_at is not None:
        raise Conflict(_("Ce recours a déjà été traité."))
    score = offer.score
    context = _("Rejeté lors de la validation communautaire (%(programme)s) : %(reason)s") % {
        "programme": score.run.programme.name,
        "reason": offer.reason,
    }
    text = description.strip()
    data = NewComplaint(
        channel=channel,
        category=Category.EXCLUSION,
        description=f"{text}\n\n{context}" if text else context,
        household_code=offer.household.code,
    )
    with transaction.atomic():
        complaint = record_complaint(actor=actor, data=data, score=score)
        updated = AppealOffer.objects.filter(
            pk=offer.pk, complaint__isnull=True, dismissed_at__isnull=True
        ).update(complaint=complaint)
        if not updated:
            raise Conflict(_("Ce recours a déjà été traité."))
    return complaint


def dismiss_offer(*, actor: User, offer: AppealOffer) -> None:
    """The household does not appeal (asked, it declined)."""
    _require(actor, Perm.GRIEVANCES_MANAGE)
    if not can(actor, Perm.GRIEVANCES_VIEW, offer):
        raise NotFound(_("recours"))
    with transaction.atomic():
        AppealOffer.objects.filter(pk=offer.pk, complaint__isnull=True).update(
            dismissed_at=timezone.now()
        )
        record(actor=actor, action="grievances.dismiss_offer", target=offer.household,
               changes={"score": [None, offer.score_id]})  # fmt: skip


# The public form -----------------------------------------------------------------------------


def _address_key(address: str | None) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (address or "unknown").encode(), hashlib.sha256).hexdigest()


def throttle(*, kind: str, address: str | None, limit: int, field: str = "__all__") -> None:
    """Refuse the address's use of a public page past ``limit`` uses in the last hour."""
    now = timezone.now()
    key = _address_key(address)
    with transaction.atomic():
        PublicAttempt.objects.filter(at__lt=now - timedelta(days=1)).delete()
        recent = PublicAttempt.objects.filter(
            kind=kind, address_hash=key, at__gte=now - timedelta(hours=1)
        ).count()
        if recent >= limit:
            message = _(
                "Trop de demandes depuis votre connexion (%(limit)s par heure) : réessayez "
                "dans une heure, ou appelez le numéro vert."
            ) % {"limit": limit}
            raise InvalidInput(message, {field: [message]})
        PublicAttempt.objects.create(kind=kind, address_hash=key, at=now)


def submit_public_complaint(*, address: str | None, data: NewComplaint) -> Complaint:
    """A complaint from the public web form (no account): throttled per address."""
    throttle(
        kind=PublicAttempt.Kind.SUBMIT,
        address=address,
        limit=settings.JIGI_PUBLIC_SUBMISSIONS_PER_HOUR,
    )
    data.channel = Channel.WEB
    return record_complaint(actor=None, data=data)


# Export --------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    gettext_lazy("Code de suivi"), gettext_lazy("Reçue le"), gettext_lazy("Canal"),
    gettext_lazy("Catégorie"), gettext_lazy("Région"), gettext_lazy("Lieu"),
    gettext_lazy("Code ménage"), gettext_lazy("Statut"), gettext_lazy("Niveau"),
    gettext_lazy("Échéance"), gettext_lazy("Résolue le"), gettext_lazy("Type de résolution"),
    gettext_lazy("Satisfaction"), gettext_lazy("Recours"),
)  # fmt: skip


def export_complaints(*, actor: User, rows: Iterable[Complaint], filters: dict[str, Any]) -> bytes:
    """The listed complaints as XLSX, audited. Rows come from the general list, so a
    sensitive case is never in it; no narrative and no complainant's name or phone."""
    import io

    from openpyxl import Workbook

    from jigi.core.text import spreadsheet_safe

    _require(actor, Perm.GRIEVANCES_EXPORT)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Plaintes"))
    sheet.append([str(column) for column in EXPORT_COLUMNS])
    bamako = timezone.get_current_timezone()
    count = 0

    def local(value: datetime | None) -> Any:
        return value.astimezone(bamako).replace(tzinfo=None) if value else None

    for complaint in rows:
        if complaint.is_sensitive:  # belt and braces: general lists never hold them
            continue
        sheet.append([spreadsheet_safe(value) for value in (
            complaint.code, local(complaint.received_at), complaint.get_channel_display(),
            complaint.get_category_display(), complaint.region.name, complaint.area.name,
            complaint.household.code if complaint.household else "",
            complaint.get_status_display(), complaint.get_level_display(),
            local(complaint.deadline_at), local(complaint.resolved_at),
            complaint.get_resolution_display(), complaint.get_satisfaction_display(),
            complaint.appeals,
        )])  # fmt: skip
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    with transaction.atomic():
        record(actor=actor, action="grievances.export", changes={"rows": count, "filters": filters})
    return buffer.getvalue()


# Hand-off to protection ---------------------------------------------------------------------


def pending_protection_referrals(area_prefixes: Sequence[str]) -> list[Handoff]:
    """Referrals to protection not yet taken up, from complaints under the given areas: the
    complaint's code, place and consent date only."""
    condition = Q(pk__in=[])
    for prefix in area_prefixes:
        condition |= Q(complaint__area__pcode__startswith=prefix)
    rows = ProtectionReferral.objects.filter(condition, status=ProtectionReferral.Status.PENDING)
    return [
        Handoff(ref=f"grievances:{row.pk}", label=row.complaint.code,
                area_code=row.complaint.area_id, consent_on=row.consent_on,
                handed_at_on=timezone.localdate(row.referred_at))
        for row in rows.select_related("complaint")
    ]  # fmt: skip


def take_up_protection_referral(key: str) -> bool:
    """Protection opened a case from this referral: it is taken up (once)."""
    if not key.isdigit():
        return False
    with transaction.atomic():
        updated = ProtectionReferral.objects.filter(
            pk=int(key), status=ProtectionReferral.Status.PENDING
        ).update(status=ProtectionReferral.Status.ACCEPTED)
        if updated:
            referral = ProtectionReferral.objects.select_related("complaint").get(pk=int(key))
            _event(
                referral.complaint,
                Event.Kind.REFERRAL,
                None,
                text=str(_("Pris en charge par la protection")),
            )
    return bool(updated)


register_handoff_source(
    "grievances",
    kind="protection",
    lister=pending_protection_referrals,
    taker=take_up_protection_referral,
)
