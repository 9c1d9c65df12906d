"""The one door another service uses to send a household to a cash programme: a priority
referral that carries no reason and no referrer (protection uses it for survivors; the
programme must not learn why)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jigi.accounts.models import User
from jigi.accounts.policy import can
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import InvalidInput, NotFound
from jigi.core.models import AdminArea
from jigi.core.phones import normalise_phone
from jigi.programmes.models import PriorityReferral, Programme
from jigi.programmes.services.common import require
from jigi.registry.models import Household

CASH_KINDS = frozenset({Programme.Kind.CASH_TRANSFER, Programme.Kind.MULTIPURPOSE_CASH})


def refer_priority_household(
    *,
    actor: User,
    programme_code: str,
    commune_code: str,
    household_code: str = "",
    phone: str = "",
) -> PriorityReferral:
    """Ask an active cash programme to consider a household with priority. The referral
    names the commune and a household code or phone, never the reason or who sent it."""
    require(actor, Perm.PROGRAMMES_PRIORITY_REFERRAL)
    errors: dict[str, list[str]] = {}
    programme = Programme.objects.filter(
        code=programme_code, kind__in=CASH_KINDS, status=Programme.Status.ACTIVE
    ).first()
    if programme is None:
        errors["programme"] = [_("Choisissez un programme de transferts monétaires lancé.")]
    commune = AdminArea.objects.filter(pcode=commune_code.strip().upper(),
                                       level=AdminArea.Level.COMMUNE).first()  # fmt: skip
    if commune is None:
        errors["commune"] = [_("P-code de commune inconnu.")]
    household = None
    if household_code.strip() and commune is not None:
        # Looked up in the commune named only: a referral reaches the right antenna, and the
        # sender (who may not read the register) learns nothing of households elsewhere.
        household = Household.objects.filter(
            code=household_code.strip().upper(), commune=commune
        ).first()
        if household is None:
            errors["household_code"] = [_("Aucun ménage de cette commune n'a ce code.")]
    number = ""
    if phone.strip():
        try:
            number = normalise_phone(phone)
        except InvalidInput as exc:
            errors["phone"] = [str(exc)]
    if household is None and not number and "household_code" not in errors:
        errors["household_code"] = [_("Donnez le code du ménage ou un téléphone.")]
    if errors:
        raise InvalidInput(_("Orientation non envoyée."), errors)
    assert programme is not None  # noqa: S101 (checked above)
    assert commune is not None  # noqa: S101 (checked above)
    with transaction.atomic():
        referral = PriorityReferral.objects.create(
            programme=programme, commune=commune, household=household, phone=number,
            received_on=timezone.localdate(),
        )  # fmt: skip
        record(actor=actor, action="programmes.priority_referral", target=referral,
               changes={"programme": programme.code, "commune": commune.pcode})  # fmt: skip
    return referral


def settle_priority_referral(
    *, actor: User, referral: PriorityReferral, status: str
) -> PriorityReferral:
    """Programme staff of the commune record what became of a priority referral: the
    household enrolled, or not selected."""
    require(actor, Perm.PROGRAMMES_ENROL)
    if not can(actor, Perm.PROGRAMMES_ENROL, referral):
        raise NotFound(_("orientation"))
    if status not in {PriorityReferral.Status.ENROLLED, PriorityReferral.Status.NOT_ELIGIBLE}:
        raise InvalidInput(_("Choisissez « Inscrit » ou « Non retenu »."))
    if referral.status != PriorityReferral.Status.PENDING:
        raise InvalidInput(_("Cette orientation est déjà traitée."))
    with transaction.atomic():
        referral.status = status
        referral.save(update_fields=["status"])
        record(actor=actor, action="programmes.settle_priority_referral", target=referral,
               changes={"status": status})  # fmt: skip
    return referral


def withdraw_priority_referral(*, actor: User, referral_id: int) -> bool:
    """The sender takes back a priority referral still waiting (the person withdrew their
    consent): the programme keeps neither the household nor the phone, still no reason.
    False when it was already settled (an enrolment is not undone here)."""
    require(actor, Perm.PROGRAMMES_PRIORITY_REFERRAL)
    with transaction.atomic():
        referral = (
            PriorityReferral.objects.select_for_update()
            .filter(pk=referral_id, status=PriorityReferral.Status.PENDING)
            .first()
        )
        if referral is None:
            return False
        referral.status = PriorityReferral.Status.WITHDRAWN
        referral.household = None
        referral.phone = ""
        referral.save(update_fields=["status", "household", "phone"])
        record(actor=actor, action="programmes.withdraw_priority_referral", target=referral,
               changes={"status": referral.status})  # fmt: skip
    return True
