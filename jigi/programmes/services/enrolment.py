"""Enrolment of validated households, status changes and recipients."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Conflict, InvalidInput
from jigi.core.jobs import Progress, job_kind, start_job
from jigi.core.models import Job
from jigi.core.phones import normalise_phone
from jigi.programmes.models import (
    EmergencyResponse,
    Enrolment,
    EnrolmentEvent,
    HouseholdScore,
    Programme,
    TargetingRun,
)
from jigi.programmes.services.common import (
    ADULT_AGE,
    Actor,
    require,
    require_household,
)
from jigi.registry.models import Household, Individual

# ---------------------------------------------------------------------------------------------
# Enrolment


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # noqa: EM101 (28 exists in every month)


def _age(person: Individual, on: date) -> int:
    return person.age_on(on)


def default_recipients(
    household: Household, on: date
) -> tuple[Individual | None, Individual | None]:
    """The recipient is the head when adult, else the eldest adult; the alternate is the eldest
    other adult, a spouse first (documented rule; officers may change both)."""
    adults = [
        person
        for person in household.members.filter(status=Individual.Status.ALIVE).order_by(
            "birth_date", "id"
        )
        if _age(person, on) >= ADULT_AGE
    ]
    if not adults:
        return None, None
    head = next((p for p in adults if p.relationship == Individual.Relationship.HEAD), None)
    recipient = head or adults[0]
    others = [p for p in adults if p.pk != recipient.pk]
    spouse = next((p for p in others if p.relationship == Individual.Relationship.SPOUSE), None)
    return recipient, spouse or (others[0] if others else None)


def _check_member(
    person: Individual | None,
    household: Household,
    on: date,
    field: str,
    errors: dict[str, list[str]],
) -> None:
    if person is None:
        return
    if person.household_id != household.pk or person.status != Individual.Status.ALIVE:
        errors.setdefault(field, []).append(
            _("%(name)s n'est pas un membre présent du ménage %(code)s.")
            % {"name": person, "code": household.code}
        )
    elif _age(person, on) < ADULT_AGE:
        errors.setdefault(field, []).append(
            _("%(name)s a moins de %(age)s ans.") % {"name": person, "age": ADULT_AGE}
        )


def _clean_payment(channel: str, number: str, errors: dict[str, list[str]]) -> str:
    if channel not in Enrolment.Channel.values:
        errors.setdefault("channel", []).append(_("Canal de paiement inconnu."))
        return ""
    number = number.strip()
    if channel == Enrolment.Channel.MOBILE_MONEY:
        if not number:
            errors.setdefault("payment_number", []).append(
                _("Le paiement mobile demande un numéro de téléphone.")
            )
            return ""
        try:
            return normalise_phone(number)
        except InvalidInput as exc:
            errors.setdefault("payment_number", []).append(str(exc))
            return ""
    if channel == Enrolment.Channel.BANK and not number:
        errors.setdefault("payment_number", []).append(_("Numéro de compte obligatoire."))
    return number[:40]


def write_enrolment(
    *,
    actor: Actor,
    programme: Programme,
    household: Household,
    start_on: date,
    recipient: Individual | None,
    alternate: Individual | None,
    channel: str | None,
    payment_number: str,
    run: TargetingRun | None,
    emergency: EmergencyResponse | None = None,
    end_on: date | None = None,
    communes: set[str] | None = None,
) -> Enrolment:
    """Check and write one enrolment; the caller holds the transaction."""
    errors: dict[str, list[str]] = {}
    if programme.status != Programme.Status.ACTIVE:
        raise InvalidInput(_("Le programme doit être lancé pour inscrire des ménages."))
    if household.status != Household.Status.ACTIVE:
        raise InvalidInput(
            _("Le ménage %(code)s n'est pas actif dans le registre.") % {"code": household.code}
        )
    covered = (
        communes
        if communes is not None
        else set(programme.coverage.values_list("commune_id", flat=True))
    )
    if household.commune_id not in covered:
        raise InvalidInput(
            _("Le ménage %(code)s est hors de la couverture du programme %(programme)s.")
            % {"code": household.code, "programme": programme.name}
        )
    planned_end = end_on or _add_months(start_on, programme.duration_months)
    if planned_end <= start_on:
        raise InvalidInput(
            _("La fin prévue doit suivre le début."), {"end_on": [_("Date invalide.")]}
        )
    if programme.ends_on and start_on > programme.ends_on:
        raise InvalidInput(_("Le programme se termine avant cette date de début."))
    previous = Enrolment.objects.filter(programme=programme, household=household)
    if previous.filter(status__in=Enrolment.OPEN_STATUSES).exists():
        raise InvalidInput(
            _("Le ménage %(code)s est déjà inscrit à ce programme.") % {"code": household.code}
        )
    overlap = previous.filter(start_on__lt=planned_end, ended_on__gt=start_on).first()
    if overlap is not None:
        raise InvalidInput(
            _(
                "Le ménage %(code)s a déjà été inscrit sur une période qui chevauche celle-ci "
                "(%(start)s – %(end)s)."
            )
            % {"code": household.code, "start": overlap.start_on, "end": overlap.ended_on}
        )
    if recipient is None:  # the documented default; an alternate named by the officer stays
        recipient, default_alternate = default_recipients(household, start_on)
        alternate = alternate or default_alternate
    if recipient is None:
        errors.setdefault("recipient", []).append(
            _("Le ménage %(code)s n'a aucun membre adulte pour recevoir les paiements.")
            % {"code": household.code}
        )
    _check_member(recipient, household, start_on, "recipient", errors)
    _check_member(alternate, household, start_on, "alternate", errors)
    if recipient is not None and alternate is not None and recipient.pk == alternate.pk:
        errors.setdefault("alternate", []).append(
            _("Le suppléant doit être une autre personne que le récipiendaire.")
        )
    if channel is None:  # default: mobile money when the recipient has a phone
        phone = recipient.phone if recipient is not None else ""
        channel = Enrolment.Channel.MOBILE_MONEY if phone else Enrolment.Channel.CASH_POINT
        payment_number = payment_number or phone
    number = _clean_payment(channel, payment_number, errors)
    if errors:
        raise InvalidInput(
            _("L'inscription du ménage %(code)s n'est pas valide.") % {"code": household.code},
            errors,
        )
    assert recipient is not None  # noqa: S101 (refused above otherwise)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                programme=programme,
                household=household,
                start_on=start_on,
                planned_end_on=planned_end,
                recipient=recipient,
                alternate=alternate,
                channel=channel,
                payment_number=number,
                run=run,
                emergency=emergency,
                created_by=actor,
            )
    except IntegrityError:  # enrolled at the same moment by someone else
        raise InvalidInput(
            _("Le ménage %(code)s est déjà inscrit à ce programme.") % {"code": household.code}
        ) from None
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        kind=EnrolmentEvent.Kind.ENROLLED,
        on=start_on,
        reason=_("Réponse aux urgences") if emergency else _("Liste validée"),
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="programmes.enrol",
        target=household,
        changes={
            "programme": [None, programme.code],
            "start_on": [None, start_on.isoformat()],
            "planned_end_on": [None, planned_end.isoformat()],
            "recipient": [None, recipient.pk],
        },
    )
    return enrolment


def enrol_household(
    *,
    actor: Actor,
    programme: Programme,
    household: Household,
    start_on: date,
    recipient: Individual | None = None,
    alternate: Individual | None = None,
    channel: str | None = None,
    payment_number: str = "",
) -> Enrolment:
    """Enrol one household (validated on the list, or decided by an officer)."""
    require_household(actor, Perm.PROGRAMMES_ENROL, household)
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        run = programme.runs.filter(status=TargetingRun.Status.ADOPTED).first()
        return write_enrolment(
            actor=actor,
            programme=programme,
            household=household,
            start_on=start_on,
            recipient=recipient,
            alternate=alternate,
            channel=channel,
            payment_number=payment_number,
            run=run,
        )


def start_bulk_enrolment(
    *, actor: Actor, programme: Programme, start_on: date, enqueue: bool = True
) -> Job:
    """Queue the enrolment of every validated household of the adopted list (one job)."""
    require(actor, Perm.PROGRAMMES_ENROL)
    if programme.status != Programme.Status.ACTIVE:
        raise InvalidInput(_("Le programme doit être lancé pour inscrire des ménages."))
    if not programme.runs.filter(status=TargetingRun.Status.ADOPTED).exists():
        raise InvalidInput(_("Ce programme n'a pas de liste adoptée à inscrire."))
    return start_job(
        actor=actor,
        kind="programmes.enrol",
        params={"programme": programme.pk, "start_on": start_on.isoformat()},
        enqueue=enqueue,
    )


BULK_CHUNK = 200


def enrol_validated(
    *, actor: Actor, programme: Programme, start_on: date, progress: Progress | None = None
) -> dict[str, Any]:
    """Enrol the validated households of the adopted list not yet enrolled; safe to rerun.

    Households outside the actor's scope are left to an officer whose scope covers them;
    households that cannot be enrolled (no adult, left the register) are counted with why.
    """
    run = programme.runs.filter(status=TargetingRun.Status.ADOPTED).first()
    if run is None:
        raise InvalidInput(_("Ce programme n'a pas de liste adoptée à inscrire."))
    enrolled_households = Enrolment.objects.filter(
        programme=programme, status__in=Enrolment.OPEN_STATUSES
    ).values("household_id")
    pending = HouseholdScore.objects.filter(
        run=run, validation=HouseholdScore.Validation.VALIDATED
    ).exclude(household_id__in=enrolled_households)
    if actor is not None and not actor.national_scope:
        from jigi.accounts.policy import scope_q

        pending = pending.filter(scope_q(actor, area_path="commune_id"))
    ids = list(pending.order_by("commune_id", "rank", "id").values_list("household_id", flat=True))
    if progress:
        progress.start(len(ids), _("Inscription des ménages validés"))
    covered = set(programme.coverage.values_list("commune_id", flat=True))
    refused: list[dict[str, str]] = []
    enrolled = 0
    for offset in range(0, len(ids), BULK_CHUNK):
        chunk = ids[offset : offset + BULK_CHUNK]
        with transaction.atomic():
            households = Household.objects.select_for_update().in_bulk(chunk)
            for household_id in chunk:
                household = households[household_id]
                try:
                    with transaction.atomic():
                        write_enrolment(
                            actor=actor,
                            programme=programme,
                            household=household,
                            start_on=start_on,
                            recipient=None,
                            alternate=None,
                            channel=None,
                            payment_number="",
                            run=run,
                            communes=covered,
                        )
                    enrolled += 1
                except InvalidInput as exc:
                    refused.append({"household": household.code, "reason": exc.full_message()})
        if progress:
            progress.advance(len(chunk))
    return {"enrolled": enrolled, "refused": refused[:500], "refused_count": len(refused)}


@job_kind(
    "programmes.enrol",
    label=gettext_lazy("Inscription des ménages validés"),
    permission=Perm.PROGRAMMES_ENROL,
)
def _enrol_job(job: Job, progress: Progress) -> dict[str, Any]:
    programme = Programme.objects.get(pk=job.params["programme"])
    return enrol_validated(
        actor=job.created_by,
        programme=programme,
        start_on=date.fromisoformat(job.params["start_on"]),
        progress=progress,
    )


# One transitions table: from each status, the events allowed and the status they lead to.
TRANSITIONS: dict[str, dict[str, str]] = {
    Enrolment.Status.ACTIVE: {
        EnrolmentEvent.Kind.SUSPENDED: Enrolment.Status.SUSPENDED,
        EnrolmentEvent.Kind.EXITED: Enrolment.Status.EXITED,
        EnrolmentEvent.Kind.GRADUATED: Enrolment.Status.GRADUATED,
    },
    Enrolment.Status.SUSPENDED: {
        EnrolmentEvent.Kind.REACTIVATED: Enrolment.Status.ACTIVE,
        EnrolmentEvent.Kind.EXITED: Enrolment.Status.EXITED,
    },
    Enrolment.Status.EXITED: {},
    Enrolment.Status.GRADUATED: {},
}


def change_enrolment_status(
    *,
    actor: Actor,
    enrolment: Enrolment,
    event: str,
    on: date,
    reason: str,
    version: int | None = None,
) -> Enrolment:
    """Suspend, reactivate, exit or graduate an enrolment, with a reason and a date."""
    require_household(actor, Perm.PROGRAMMES_ENROL, enrolment.household)
    if not reason.strip():
        raise InvalidInput(_("Motif obligatoire."), {"reason": [_("Motif obligatoire.")]})
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if version is not None and locked.version != version:
            raise Conflict(_("Cette inscription a été modifiée entre-temps : rechargez la page."))
        target = TRANSITIONS[locked.status].get(event)
        if target is None:
            raise InvalidInput(
                _("« %(event)s » n'est pas possible pour une inscription « %(status)s ».")
                % {
                    "event": EnrolmentEvent.Kind(event).label
                    if event in EnrolmentEvent.Kind.values
                    else event,
                    "status": locked.get_status_display(),
                }
            )
        if on < locked.start_on:
            raise InvalidInput(
                _("La date précède le début de l'inscription."), {"on": [_("Date invalide.")]}
            )
        before = locked.status
        locked.status = target
        if target in (Enrolment.Status.EXITED, Enrolment.Status.GRADUATED):
            locked.ended_on = on
        locked.version += 1
        locked.save()
        EnrolmentEvent.objects.create(
            enrolment=locked,
            kind=event,
            on=on,
            reason=reason.strip()[:300],
            changes={"status": [before, target]},
            recorded_by=actor,
        )
        record(
            actor=actor,
            action=f"programmes.enrolment_{event}",
            target=locked.household,
            changes={
                "programme": [None, locked.programme.code],
                "status": [before, target],
                "reason": [None, reason.strip()[:300]],
            },
        )
    return locked


def change_recipient(
    *,
    actor: Actor,
    enrolment: Enrolment,
    recipient: Individual,
    alternate: Individual | None,
    channel: str,
    payment_number: str,
    on: date,
    reason: str,
    version: int | None = None,
) -> Enrolment:
    """Name another recipient (the recipient died, moved away, asked for it): reason required."""
    require_household(actor, Perm.PROGRAMMES_ENROL, enrolment.household)
    if not reason.strip():
        raise InvalidInput(_("Motif obligatoire."), {"reason": [_("Motif obligatoire.")]})
    errors: dict[str, list[str]] = {}
    _check_member(recipient, enrolment.household, on, "recipient", errors)
    _check_member(alternate, enrolment.household, on, "alternate", errors)
    if alternate is not None and alternate.pk == recipient.pk:
        errors.setdefault("alternate", []).append(
            _("Le suppléant doit être une autre personne que le récipiendaire.")
        )
    number = _clean_payment(channel, payment_number, errors)
    if errors:
        raise InvalidInput(_("Le changement de récipiendaire n'est pas valide."), errors)
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if version is not None and locked.version != version:
            raise Conflict(_("Cette inscription a été modifiée entre-temps : rechargez la page."))
        if not locked.is_open:
            raise InvalidInput(_("Cette inscription est close."))
        changes: dict[str, list[Any]] = {
            "recipient": [locked.recipient_id, recipient.pk],
            "alternate": [locked.alternate_id, alternate.pk if alternate else None],
            "channel": [locked.channel, channel],
            "payment_number": [locked.payment_number, number],
        }
        changes = {key: value for key, value in changes.items() if value[0] != value[1]}
        locked.recipient, locked.alternate = recipient, alternate
        locked.channel, locked.payment_number = channel, number
        locked.version += 1
        locked.save()
        EnrolmentEvent.objects.create(
            enrolment=locked,
            kind=EnrolmentEvent.Kind.RECIPIENT_CHANGED,
            on=on,
            reason=reason.strip()[:300],
            changes=changes,
            recorded_by=actor,
        )
        record(
            actor=actor,
            action="programmes.recipient_changed",
            target=locked.household,
            changes={**changes, "reason": [None, reason.strip()[:300]]},
        )
    return locked
