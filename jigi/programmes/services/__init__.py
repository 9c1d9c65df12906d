"""Writes of the programmes app. Each checks role and scope, validates everything first,
writes in one transaction and records the audit entry. Managing a programme needs a scope that
covers every commune of it; validating and enrolling need the household's commune."""

from jigi.programmes.services.emergency import emergency_expansion, emergency_top_up
from jigi.programmes.services.enrolment import (
    TRANSITIONS,
    change_enrolment_status,
    change_recipient,
    default_recipients,
    enrol_household,
    enrol_validated,
    start_bulk_enrolment,
)
from jigi.programmes.services.priority import (
    refer_priority_household,
    settle_priority_referral,
    withdraw_priority_referral,
)
from jigi.programmes.services.programmes import (
    CoverageLine,
    FundingLine,
    create_programme,
    launch_programme,
    snapshot,
    update_programme,
)
from jigi.programmes.services.targeting import (
    EXCLUSION_LISTENERS,
    add_community_household,
    adopt_run,
    compute_run,
    create_formula,
    notify_exclusion,
    start_targeting,
    validate_household,
)

__all__ = [
    "refer_priority_household",
    "settle_priority_referral",
    "withdraw_priority_referral",
    "EXCLUSION_LISTENERS",
    "TRANSITIONS",
    "CoverageLine",
    "FundingLine",
    "add_community_household",
    "adopt_run",
    "change_enrolment_status",
    "change_recipient",
    "compute_run",
    "create_formula",
    "create_programme",
    "default_recipients",
    "emergency_expansion",
    "emergency_top_up",
    "enrol_household",
    "enrol_validated",
    "launch_programme",
    "notify_exclusion",
    "snapshot",
    "start_bulk_enrolment",
    "start_targeting",
    "update_programme",
    "validate_household",
]
