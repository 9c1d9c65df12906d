"""What every programmes service checks: role, scope, whole amounts of XOF."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from jigi.accounts.models import User
from jigi.accounts.policy import can, has_perm
from jigi.accounts.roles import Perm
from jigi.core.errors import Forbidden, NotFound
from jigi.programmes.models import (
    Programme,
)
from jigi.registry.models import Household

Actor = User | None  # None: the system (demo loader, CLI run by an administrator)

ADULT_AGE = 18
MAX_DURATION_MONTHS = 120
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


# ---------------------------------------------------------------------------------------------
# Permissions and scope


def require(actor: Actor, perm: str) -> None:
    if actor is not None and not has_perm(actor, perm):
        raise Forbidden(_("Votre rôle ne permet pas cette action sur les programmes."))


def covers(actor: Actor, pcodes: Iterable[str]) -> bool:
    if actor is None or actor.national_scope:
        return True
    scope = actor.scope_area_codes()
    return all(any(pcode.startswith(code) for code in scope) for pcode in pcodes)


def require_manage(actor: Actor, programme: Programme) -> None:
    """Managing a programme needs the permission and a scope covering all of its communes."""
    require(actor, Perm.PROGRAMMES_MANAGE)
    communes = programme.coverage.values_list("commune_id", flat=True)
    if not covers(actor, communes):
        raise Forbidden(
            _(
                "Ce programme couvre des communes hors de votre zone : seul un·e chargé·e dont la "
                "zone les couvre toutes peut le modifier."
            )
        )


def require_household(actor: Actor, perm: str, household: Household) -> None:
    if actor is not None and not can(actor, Perm.REGISTRY_VIEW, household):
        raise NotFound(_("ménage"))
    require(actor, perm)


def whole_xof(value: Any, field: str, errors: dict[str, list[str]], *, required: bool) -> int:
    """Amounts are whole francs: 15000 or "15 000", never 15000.5."""
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("Montant obligatoire."))
        return 0
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        errors.setdefault(field, []).append(_("Le montant est un nombre entier de FCFA."))
        return 0
    text = str(value).replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if isinstance(value, float):
        text = str(int(value))
    if not text.isdigit():
        errors.setdefault(field, []).append(
            _("« %(value)s » n'est pas un montant entier positif en FCFA.") % {"value": value}
        )
        return 0
    return int(text)


def whole_number(
    value: Any, field: str, errors: dict[str, list[str]], *, minimum: int = 0
) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.setdefault(field, []).append(_("Nombre entier attendu."))
        return None
    if number < minimum:
        errors.setdefault(field, []).append(
            _("La valeur doit être au moins %(minimum)s.") % {"minimum": minimum}
        )
        return None
    return number
