"""The household page's "Paiements" panel: what the household was paid, cycle by cycle."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm, visible
from jigi.accounts.roles import Perm
from jigi.core.panels import Panel, register_panel
from jigi.payments.models import PaymentLine
from jigi.registry.models import Household


def household_payments(request: HttpRequest, household: Household) -> Panel | None:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, Perm.PAYMENTS_VIEW):
        return None
    lines = (
        visible(user, PaymentLine.objects.filter(household=household))
        .select_related("cycle__programme", "agency")
        .order_by("-cycle__due_on", "-id")[:50]
    )
    return Panel(
        title=_("Paiements"), template="payments/household_panel.html", context={"lines": lines}
    )


register_panel("registry.household", household_payments)
