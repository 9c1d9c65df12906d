"""The household page's "Plaintes" panel: the household's ordinary complaints (never a
sensitive one) and an exclusion it may still appeal."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.panels import Panel, register_panel
from jigi.grievances.selectors import appeal_offers_for, complaints_for
from jigi.registry.models import Household


def household_complaints(request: HttpRequest, household: Household) -> Panel | None:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, Perm.GRIEVANCES_VIEW):
        return None
    return Panel(
        title=_("Plaintes"),
        template="grievances/household_panel.html",
        context={
            "complaints": complaints_for(user).filter(household=household)[:20],
            "offers": appeal_offers_for(user).filter(household=household),
        },
    )


register_panel("registry.household", household_complaints)
