"""The household page's "Programmes" panel: the household's enrolments in every programme."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.panels import Panel, register_panel
from jigi.programmes.selectors import household_enrolments
from jigi.registry.models import Household


def household_programmes(request: HttpRequest, household: Household) -> Panel | None:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, Perm.PROGRAMMES_VIEW):
        return None
    return Panel(
        title=_("Programmes"),
        template="programmes/household_panel.html",
        context={"enrolments": household_enrolments(user, household)},
    )


register_panel("registry.household", household_programmes)
