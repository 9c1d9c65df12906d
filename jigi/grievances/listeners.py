"""How a community-validation rejection reaches grievances: programmes calls its exclusion
listeners (`programmes.services.EXCLUSION_LISTENERS`) inside the rejection's transaction.

Decision: the rejection becomes an *offer* to appeal, not a complaint. Not every household
struck off a list contests it, and the complaint statistics count people who complained; the
offer waits on the grievance dashboard, and when the household appeals the officer records it
in one click as an exclusion complaint carrying the list entry (programme, reason).
"""

from __future__ import annotations

from jigi.grievances.services import offer_appeal
from jigi.programmes.models import HouseholdScore
from jigi.programmes.services import EXCLUSION_LISTENERS


def on_exclusion(score: HouseholdScore) -> None:
    offer_appeal(score)


if on_exclusion not in EXCLUSION_LISTENERS:
    EXCLUSION_LISTENERS.append(on_exclusion)
