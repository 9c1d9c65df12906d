"""Roles and what each may do. This table is the only place that grants permissions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrateur·rice")
    PROGRAMME_OFFICER = "programme_officer", _("Chargé·e de programme")
    ENUMERATOR = "enumerator", _("Enquêteur·rice")
    PAYMENT_OFFICER = "payment_officer", _("Chargé·e des paiements")
    GRIEVANCE_OFFICER = "grievance_officer", _("Chargé·e des plaintes")
    # Designated for sexual exploitation and abuse, fraud and staff misconduct complaints.
    GRIEVANCE_FOCAL_POINT = "grievance_focal_point", _("Point focal plaintes sensibles (EAS)")
    GBV_CASE_WORKER = "gbv_case_worker", _("Gestionnaire de cas VBG")
    GBV_SUPERVISOR = "gbv_supervisor", _("Superviseur·e VBG")
    CNR_AGENT = "cnr_agent", _("Agent de la CNR")
    REINTEGRATION_OFFICER = "reintegration_officer", _("Chargé·e de la réintégration")
    ME_VIEWER = "me_viewer", _("Suivi-évaluation (lecture)")
    API_CLIENT = "api_client", _("Client API")


class Perm:
    """Permission names. Apps add theirs here as they are built."""

    REFERENCE_VIEW = "reference.view"
    REFERENCE_MANAGE = "reference.manage"
    USERS_MANAGE = "accounts.manage_users"
    AUDIT_VIEW = "audit.view"
    AUDIT_VERIFY = "audit.verify"
    JOBS_VIEW_ALL = "jobs.view_all"
    API_TOKENS = "api.tokens"
    REGISTRY_VIEW = "registry.view"
    REGISTRY_EDIT = "registry.edit"
    REGISTRY_PROPOSE = "registry.propose"
    REGISTRY_APPROVE = "registry.approve"
    REGISTRY_EXPORT = "registry.export"
    INTAKE_IMPORT = "intake.import"
    DEDUP_REVIEW = "dedup.review"  # review candidate pairs, merge and un-merge
    DEDUP_MANAGE = "dedup.manage"  # train the model, run it, set thresholds
    PROGRAMMES_VIEW = "programmes.view"
    PROGRAMMES_MANAGE = "programmes.manage"  # define programmes and formulas, run targeting
    PROGRAMMES_VALIDATE = "programmes.validate"  # record the community's validation of lists
    PROGRAMMES_ENROL = "programmes.enrol"  # enrol, suspend, exit, change recipients
    PAYMENTS_VIEW = "payments.view"
    PAYMENTS_PREPARE = "payments.prepare"  # create cycles, generate and submit payrolls
    PAYMENTS_APPROVE = "payments.approve"  # approve a payroll someone else submitted
    GRIEVANCES_RECORD = "grievances.record"  # record a complaint from any channel
    GRIEVANCES_VIEW = "grievances.view"  # lists, complaints and statistics in the scope
    GRIEVANCES_MANAGE = "grievances.manage"  # assign, work, resolve, close, bulk actions
    GRIEVANCES_EXPORT = "grievances.export"  # the XLSX export (never holds sensitive cases)
    # Sensitive cases (SEA, fraud, staff misconduct): only designated focal points open them.
    GRIEVANCES_SENSITIVE = "grievances.sensitive"
    # Protection (GBV). Opening a case also needs to be its assigned worker or a supervisor of
    # its site (jigi.protection.selectors); these permissions alone open nothing.
    PROTECTION_CASES = "protection.cases"  # intake, own cases, referrals, services, follow-ups
    PROTECTION_SUPERVISE = "protection.supervise"  # the site's cases; approve plans, closures
    # Refer without the survivor's consent for that service type (logged; supervisors only).
    PROTECTION_CONSENT_OVERRIDE = "protection.consent_override"
    PROTECTION_STATISTICS = "protection.statistics"  # suppressed aggregates only, no case
    PROTECTION_STATISTICS_EXPORT = "protection.statistics_export"  # the same, as XLSX
    # Send a household to a cash programme as "protection referral, priority", never saying why.
    PROGRAMMES_PRIORITY_REFERRAL = "programmes.priority_referral"


_EVERYONE = frozenset({Perm.REFERENCE_VIEW, Perm.API_TOKENS})

_REGISTRY_READ = frozenset({Perm.REGISTRY_VIEW, Perm.PROGRAMMES_VIEW})
_REGISTRY_FIELD = _REGISTRY_READ | {Perm.REGISTRY_PROPOSE}
_PAYMENTS_READ = frozenset({Perm.PAYMENTS_VIEW})
_PAYMENTS_OFFICER = _PAYMENTS_READ | {Perm.PAYMENTS_PREPARE, Perm.PAYMENTS_APPROVE}
_GRIEVANCES_READ = frozenset({Perm.GRIEVANCES_VIEW, Perm.GRIEVANCES_EXPORT})
_GRIEVANCES_OFFICER = _GRIEVANCES_READ | {Perm.GRIEVANCES_RECORD, Perm.GRIEVANCES_MANAGE}
_REGISTRY_OFFICER = _REGISTRY_FIELD | {
    Perm.REGISTRY_EDIT,
    Perm.REGISTRY_APPROVE,
    Perm.REGISTRY_EXPORT,
    Perm.INTAKE_IMPORT,
    Perm.DEDUP_REVIEW,
    Perm.PROGRAMMES_MANAGE,
    Perm.PROGRAMMES_VALIDATE,
    Perm.PROGRAMMES_ENROL,
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: _EVERYONE
    | _REGISTRY_OFFICER
    | {
        Perm.REFERENCE_MANAGE,
        Perm.USERS_MANAGE,
        Perm.AUDIT_VIEW,
        Perm.AUDIT_VERIFY,
        Perm.JOBS_VIEW_ALL,
        Perm.DEDUP_MANAGE,
    }
    | _PAYMENTS_OFFICER
    | _GRIEVANCES_OFFICER
    | {Perm.PROTECTION_STATISTICS},
    Role.PROGRAMME_OFFICER: _EVERYONE
    | _REGISTRY_OFFICER
    | _PAYMENTS_READ
    | {Perm.GRIEVANCES_RECORD, Perm.GRIEVANCES_VIEW},
    # Social workers record the community's validation of lists in the villages, and take
    # complaints there (they do not follow them up).
    Role.ENUMERATOR: _EVERYONE
    | _REGISTRY_FIELD
    | {Perm.PROGRAMMES_VALIDATE, Perm.GRIEVANCES_RECORD},
    Role.PAYMENT_OFFICER: _EVERYONE
    | _REGISTRY_READ
    | _PAYMENTS_OFFICER
    | {Perm.GRIEVANCES_RECORD, Perm.GRIEVANCES_VIEW},
    # Grievance officers read payments to answer "payment not received" complaints.
    Role.GRIEVANCE_OFFICER: _EVERYONE | _REGISTRY_FIELD | _PAYMENTS_READ | _GRIEVANCES_OFFICER,
    # Focal points handle the sensitive cases besides the ordinary ones; no personal API
    # token (it would bypass their second factor, as for GBV staff).
    Role.GRIEVANCE_FOCAL_POINT: frozenset({Perm.REFERENCE_VIEW})
    | _REGISTRY_FIELD
    | _PAYMENTS_READ
    | _GRIEVANCES_OFFICER
    | {Perm.GRIEVANCES_SENSITIVE},
    # GBV staff work in protection only; the register is not theirs to browse.
    # No personal API tokens for GBV staff: a token would bypass their second factor.
    Role.GBV_CASE_WORKER: frozenset(
        {Perm.REFERENCE_VIEW, Perm.PROTECTION_CASES, Perm.PROGRAMMES_PRIORITY_REFERRAL}
    ),
    Role.GBV_SUPERVISOR: frozenset(
        {
            Perm.REFERENCE_VIEW,
            Perm.PROTECTION_CASES,
            Perm.PROTECTION_SUPERVISE,
            Perm.PROTECTION_CONSENT_OVERRIDE,
            Perm.PROTECTION_STATISTICS,
            Perm.PROTECTION_STATISTICS_EXPORT,
            Perm.PROGRAMMES_PRIORITY_REFERRAL,
        }
    ),
    # CNR agents run the multipurpose cash for IDP households they register.
    Role.CNR_AGENT: _EVERYONE
    | _REGISTRY_FIELD
    | {Perm.PROGRAMMES_VALIDATE, Perm.PROGRAMMES_ENROL, Perm.GRIEVANCES_RECORD},
    Role.REINTEGRATION_OFFICER: _EVERYONE | _REGISTRY_READ,
    Role.ME_VIEWER: _EVERYONE
    | _REGISTRY_READ
    | _PAYMENTS_READ
    | _GRIEVANCES_READ
    | {Perm.REGISTRY_EXPORT, Perm.PROTECTION_STATISTICS, Perm.PROTECTION_STATISTICS_EXPORT},
    # Hotline and SMS gateways record complaints through the API.
    Role.API_CLIENT: frozenset({Perm.REFERENCE_VIEW, Perm.API_TOKENS, Perm.GRIEVANCES_RECORD})
    | _REGISTRY_READ,
}

# Roles that work on confidential GBV data must confirm a TOTP code after the password.
SECOND_FACTOR_ROLES = frozenset(
    {Role.GBV_CASE_WORKER, Role.GBV_SUPERVISOR, Role.GRIEVANCE_FOCAL_POINT}
)
