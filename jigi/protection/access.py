"""Who may open which case: the assigned case worker, and the GBV supervisors of the case's
site. Scope (national, areas) opens nothing here: an administrator with national scope sees no
case. Refusals are audit-logged and answer "not found", so a code cannot be probed. Who opened a
case is for the site's supervisors alone to read (its access history, the site audit)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Forbidden, NotFound
from jigi.protection.models import Case, Provider, Referral


def require(user: User, perm: str) -> None:
    if not has_perm(user, perm):
        raise Forbidden(_("Votre rôle ne permet pas cette action en protection."))


def is_supervisor_of(user: User, case: Case) -> bool:
    return has_perm(user, Perm.PROTECTION_SUPERVISE) and case.site_id in user.scope_site_ids()


def may_open(user: User, case: Case) -> bool:
    if not has_perm(user, Perm.PROTECTION_CASES):
        return False
    return case.assigned_worker_id == user.pk or is_supervisor_of(user, case)


def openable_cases(user: User) -> QuerySet[Case]:
    """The cases this user may open (none for a role outside protection)."""
    if not has_perm(user, Perm.PROTECTION_CASES):
        return Case.objects.none()
    condition = Q(assigned_worker=user)
    if has_perm(user, Perm.PROTECTION_SUPERVISE):
        condition |= Q(site_id__in=user.scope_site_ids())
    return Case.objects.filter(condition)


def refuse(user: User | None, *, action: str, code: str, reason: str) -> None:
    """Log a refused attempt on a case (its own transaction: the refusal is what is kept)."""
    with transaction.atomic():
        record(
            actor=user,
            action="protection.refused",
            target=None,
            target_label=code[:40],
            changes={"attempted": action, "reason": reason},
        )


def case_or_404(user: User, code: str, *, action: str) -> Case:
    """The case when the user may open it; otherwise NotFound, and the attempt is logged."""
    case = openable_cases(user).filter(code=code).select_related("provider", "site").first()
    if case is None:
        if user.is_authenticated:
            refuse(user, action=action, code=code, reason="not_allowed_or_missing")
        raise NotFound(_("dossier"))
    return case


def audited_sites(user: User) -> list[int]:
    """The sites whose protection audit the user may read: a supervisor's own sites (an
    administrator's national scope reads none). NotFound otherwise, and the attempt is logged."""
    sites = user.scope_site_ids() if has_perm(user, Perm.PROTECTION_SUPERVISE) else []
    if not sites:
        if user.is_authenticated:
            refuse(user, action="audit", code="audit", reason="not_supervisor")
        raise NotFound(_("page"))
    return sites


def require_case_audit(user: User, case: Case) -> None:
    """Only a supervisor of the case's site reads its access history: its assigned case worker
    may open the case, not read who else did. NotFound otherwise, and the attempt is logged."""
    if not is_supervisor_of(user, case):
        refuse(user, action="audit", code=case.code, reason="not_supervisor")
        raise NotFound(_("dossier"))


def audited_case_or_404(user: User, code: str) -> Case:
    """The case whose access history the user asks for (NotFound, logged, as for opening it)."""
    case = case_or_404(user, code, action="audit")
    require_case_audit(user, case)
    return case


def staff_providers(user: User) -> QuerySet[Provider]:
    """Providers whose site is in the user's scope: the ones they work at."""
    if not has_perm(user, Perm.PROTECTION_CASES):
        return Provider.objects.none()
    return Provider.objects.filter(site_id__in=user.scope_site_ids())


def receivable_referrals(user: User) -> QuerySet[Referral]:
    """Referrals sent to a provider the user works at (they see the referral, not the case)."""
    return Referral.objects.filter(to_provider__in=staff_providers(user))
