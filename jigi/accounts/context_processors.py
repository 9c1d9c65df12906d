"""The navigation and scope label shown on every page, filtered by the user's role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.accounts.selectors import scope_label


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    perm: str | None
    group: str | Promise


# Apps add their entries here as they are built; an entry shows only when the role allows it.
NAVIGATION = (
    NavItem(_("Accueil"), "core:home", None, ""),
    NavItem(_("Tâches"), "core:jobs", None, ""),
    NavItem(_("Ménages"), "registry:households", Perm.REGISTRY_VIEW, _("Registre")),
    NavItem(
        _("Demandes de modification"), "registry:change_requests", Perm.REGISTRY_VIEW, _("Registre")
    ),
    NavItem(_("Nouveau ménage"), "dedup:register", Perm.REGISTRY_EDIT, _("Registre")),
    NavItem(_("Imports"), "intake:batches", Perm.INTAKE_IMPORT, _("Registre")),
    NavItem(_("Doublons"), "dedup:queue", Perm.DEDUP_REVIEW, _("Registre")),
    NavItem(_("Programmes"), "programmes:list", Perm.PROGRAMMES_VIEW, _("Programmes")),
    NavItem(_("Inscriptions"), "programmes:enrolments", Perm.PROGRAMMES_VIEW, _("Programmes")),
    NavItem(_("Cycles de paiement"), "payments:cycles", Perm.PAYMENTS_VIEW, _("Paiements")),
    NavItem(_("Budgets"), "payments:budgets", Perm.PAYMENTS_VIEW, _("Paiements")),
    NavItem(_("Agences de paiement"), "payments:agencies", Perm.PAYMENTS_VIEW, _("Paiements")),
    NavItem(_("Plaintes"), "grievances:list", Perm.GRIEVANCES_VIEW, _("Plaintes")),
    NavItem(
        _("Enregistrer une plainte"), "grievances:create", Perm.GRIEVANCES_RECORD, _("Plaintes")
    ),
    NavItem(_("Cas sensibles"), "grievances:sensitive", Perm.GRIEVANCES_SENSITIVE, _("Plaintes")),
    NavItem(_("Tableau de bord"), "grievances:dashboard", Perm.GRIEVANCES_VIEW, _("Plaintes")),
    NavItem(_("Dossiers VBG"), "protection:list", Perm.PROTECTION_CASES, _("Protection")),
    NavItem(_("Ouvrir un dossier"), "protection:create", Perm.PROTECTION_CASES, _("Protection")),
    NavItem(
        _("Orientations reçues"), "protection:referrals", Perm.PROTECTION_CASES, _("Protection")
    ),
    NavItem(_("Prestataires"), "protection:providers", Perm.PROTECTION_CASES, _("Protection")),
    NavItem(
        _("Statistiques VBG"), "protection:statistics", Perm.PROTECTION_STATISTICS, _("Protection")
    ),
    NavItem(
        _("Journal d'accès VBG"), "protection:audit", Perm.PROTECTION_SUPERVISE, _("Protection")
    ),
    NavItem(_("Zones administratives"), "core:areas", Perm.REFERENCE_VIEW, _("Référentiel")),
    NavItem(_("Sites"), "core:sites", Perm.REFERENCE_VIEW, _("Référentiel")),
    NavItem(_("Organisations"), "core:organisations", Perm.REFERENCE_VIEW, _("Référentiel")),
    NavItem(
        _("Sources de financement"), "core:funding_sources", Perm.REFERENCE_VIEW, _("Référentiel")
    ),
    NavItem(_("Utilisateur·rice·s"), "accounts:users", Perm.USERS_MANAGE, _("Administration")),
    NavItem(_("Journal d'audit"), "audit:entries", Perm.AUDIT_VIEW, _("Administration")),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    groups: dict[str, list[dict[str, str]]] = {}
    for item in NAVIGATION:
        if item.perm is None or has_perm(user, item.perm):
            url = reverse(item.url_name)
            groups.setdefault(str(item.group), []).append(
                {
                    "label": str(item.label),
                    "url": url,
                    "current": "page" if request.path == url else "",
                }
            )
    return {"nav_groups": groups, "scope_label": scope_label(user)}
