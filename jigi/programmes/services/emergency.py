"""Emergency response (Component 4): top-ups and horizontal expansion for shocked communes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Forbidden, InvalidInput
from jigi.core.models import AdminArea
from jigi.programmes.models import (
    EmergencyResponse,
    Enrolment,
    HouseholdScore,
    Programme,
    TargetingRun,
    TopUp,
)
from jigi.programmes.services.common import (
    Actor,
    covers,
    require,
    whole_xof,
)
from jigi.programmes.services.enrolment import write_enrolment

# ---------------------------------------------------------------------------------------------
# Emergency response (Component 4)


def _clean_emergency_communes(programme: Programme, communes: list[str], actor: Actor) -> list[str]:
    covered = set(programme.coverage.values_list("commune_id", flat=True))
    if not communes:
        raise InvalidInput(
            _("Choisissez au moins une commune touchée."), {"communes": [_("Obligatoire.")]}
        )
    outside = sorted(set(communes) - covered)
    if outside:
        raise InvalidInput(
            _("Communes hors de la couverture du programme : %(codes)s.")
            % {"codes": ", ".join(outside)},
            {"communes": [_("Choisissez des communes couvertes par le programme.")]},
        )
    if not covers(actor, communes):
        raise Forbidden(_("Certaines communes sont hors de votre zone d'intervention."))
    return sorted(set(communes))


def emergency_top_up(
    *,
    actor: Actor,
    programme: Programme,
    communes: list[str],
    shock: str,
    amount_xof: Any,
    cycles: int,
    ends_on: date,
) -> EmergencyResponse:
    """Vertical expansion: every open enrolment of the communes gets ``amount_xof`` more for
    ``cycles`` payment cycles. All of it or nothing."""
    require(actor, Perm.PROGRAMMES_MANAGE)
    errors: dict[str, list[str]] = {}
    amount = whole_xof(amount_xof, "amount_xof", errors, required=True)
    if amount <= 0 and "amount_xof" not in errors:
        errors["amount_xof"] = [_("Le montant doit être positif.")]
    if not isinstance(cycles, int) or cycles < 1:
        errors["cycles"] = [_("Au moins un cycle.")]
    if not shock.strip():
        errors["shock"] = [_("Décrivez le choc (inondation, sécheresse, déplacement…).")]
    if errors:
        raise InvalidInput(_("La réponse aux urgences n'est pas valide."), errors)
    if programme.status != Programme.Status.ACTIVE:
        raise InvalidInput(_("Le programme doit être lancé."))
    pcodes = _clean_emergency_communes(programme, communes, actor)
    with transaction.atomic():
        response = EmergencyResponse.objects.create(
            programme=programme,
            kind=EmergencyResponse.Kind.TOP_UP,
            shock=shock.strip()[:200],
            top_up_xof=amount,
            cycles=cycles,
            ends_on=ends_on,
            created_by=actor,
        )
        response.communes.set(AdminArea.objects.filter(pcode__in=pcodes))
        enrolments = Enrolment.objects.filter(
            programme=programme, household__commune_id__in=pcodes, status=Enrolment.Status.ACTIVE
        ).values_list("pk", flat=True)
        TopUp.objects.bulk_create(
            TopUp(emergency=response, enrolment_id=pk, amount_xof=amount, cycles=cycles)
            for pk in enrolments.iterator(chunk_size=2000)
        )
        response.summary = {"households": response.top_ups.count()}
        response.save(update_fields=["summary"])
        record(
            actor=actor,
            action="programmes.emergency_top_up",
            target=programme,
            changes={
                "communes": [None, pcodes],
                "amount_xof": [None, amount],
                "cycles": [None, cycles],
                "households": [None, response.summary["households"]],
            },
        )
    return response


def emergency_expansion(
    *,
    actor: Actor,
    programme: Programme,
    communes: list[str],
    shock: str,
    extra_quota: int,
    start_on: date,
    ends_on: date,
) -> EmergencyResponse:
    """Horizontal expansion: in each commune, enrol the next-ranked eligible households of the
    adopted list (not yet enrolled) up to ``extra_quota``, until ``ends_on``. A household that
    cannot be enrolled (no adult) is passed over for the next one. All of it or nothing."""
    require(actor, Perm.PROGRAMMES_MANAGE)
    require(actor, Perm.PROGRAMMES_ENROL)
    errors: dict[str, list[str]] = {}
    if isinstance(extra_quota, bool) or not isinstance(extra_quota, int) or extra_quota < 1:
        errors["extra_quota"] = [_("Le quota temporaire est un nombre entier positif.")]
    if ends_on <= start_on:
        errors["ends_on"] = [_("La fin doit suivre le début.")]
    if not shock.strip():
        errors["shock"] = [_("Décrivez le choc (inondation, sécheresse, déplacement…).")]
    if errors:
        raise InvalidInput(_("La réponse aux urgences n'est pas valide."), errors)
    if programme.status != Programme.Status.ACTIVE:
        raise InvalidInput(_("Le programme doit être lancé."))
    pcodes = _clean_emergency_communes(programme, communes, actor)
    run = programme.runs.filter(status=TargetingRun.Status.ADOPTED).first()
    if run is None:
        raise InvalidInput(
            _("L'extension suit le classement de la liste adoptée : il n'y en a pas.")
        )
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=programme.pk)
        response = EmergencyResponse.objects.create(
            programme=programme,
            kind=EmergencyResponse.Kind.EXPANSION,
            shock=shock.strip()[:200],
            extra_quota=extra_quota,
            ends_on=ends_on,
            created_by=actor,
        )
        response.communes.set(AdminArea.objects.filter(pcode__in=pcodes))
        taken = set(
            Enrolment.objects.filter(
                programme=programme, status__in=Enrolment.OPEN_STATUSES
            ).values_list("household_id", flat=True)
        )
        per_commune: dict[str, int] = defaultdict(int)
        candidates = (
            HouseholdScore.objects.filter(
                run=run, commune_id__in=pcodes, is_eligible=True, is_selected=False
            )
            .exclude(validation=HouseholdScore.Validation.REJECTED)
            .select_related("household")
            .order_by("commune_id", "rank")
        )
        for score in candidates.iterator(chunk_size=1000):
            if per_commune[score.commune_id] >= extra_quota or score.household_id in taken:
                continue
            try:
                with transaction.atomic():
                    write_enrolment(
                        actor=actor,
                        programme=programme,
                        household=score.household,
                        start_on=start_on,
                        recipient=None,
                        alternate=None,
                        channel=None,
                        payment_number="",
                        run=run,
                        emergency=response,
                        end_on=ends_on,
                        communes=set(pcodes),
                    )
            except InvalidInput:
                continue
            per_commune[score.commune_id] += 1
        response.summary = {"households": sum(per_commune.values()), "communes": dict(per_commune)}
        response.save(update_fields=["summary"])
        record(
            actor=actor,
            action="programmes.emergency_expansion",
            target=programme,
            changes={
                "communes": [None, pcodes],
                "extra_quota": [None, extra_quota],
                "households": [None, response.summary["households"]],
            },
        )
    return response
