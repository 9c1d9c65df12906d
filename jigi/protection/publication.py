"""Which months of GBV statistics are published.

A month is published once it is over and ``LAG_DAYS`` more have passed (late entries of the
month are in by then). The month under way is never shown: between two views of it, a cell
going from 0 to hidden told which type, age group and sex a newly reported incident had
(found by the review). A consent withdrawn later still takes its incidents out at once, as
the survivor's right requires; that residual difference is the only one left (decision 0008).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from jigi.core.errors import InvalidInput

LAG_DAYS = 10


def latest_published_month(today: date | None = None) -> date:
    """The first day of the latest month whose statistics are published."""
    today = today or timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if today.day > LAG_DAYS:
        return last_month
    return (last_month - timedelta(days=1)).replace(day=1)


def published_month(month: date | None, today: date | None = None) -> date:
    """``month`` (any day of it), or the latest published one when none is asked for; a month
    not yet published is refused, naming when it will be."""
    latest = latest_published_month(today)
    if month is None:
        return latest
    month = month.replace(day=1)
    if month > latest:
        opens = (month.replace(day=28) + timedelta(days=4)).replace(day=LAG_DAYS + 1)
        raise InvalidInput(
            _("Les statistiques de ce mois seront publiées le %(date)s.")
            % {"date": f"{opens:%d/%m/%Y}"},
            {"month": [_("Mois pas encore publié (dernier publié : %(latest)s).")
                       % {"latest": f"{latest:%m/%Y}"}]},
        )  # fmt: skip
    return month
