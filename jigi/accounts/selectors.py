"""Reads on users, already filtered for the asking user."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jigi.accounts.models import ApiToken, User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.errors import NotFound
from jigi.core.models import AdminArea


def scope_label(user: User) -> str:
    """Words for the user's scope, as shown in the top bar ("Région de Kayes")."""
    if user.national_scope:
        return _("National")
    parts: list[str] = []
    for area in AdminArea.objects.filter(pcode__in=user.scope_area_codes()).order_by("pcode"):
        if area.pcode == "ML09":
            parts.append(_("District de Bamako"))
        elif area.level == AdminArea.Level.REGION:
            parts.append(_("Région de %(name)s") % {"name": area.name})
        elif area.level == AdminArea.Level.CERCLE:
            parts.append(_("Cercle de %(name)s") % {"name": area.name})
        else:
            parts.append(_("Commune de %(name)s") % {"name": area.name})
    parts.extend(str(site) for site in user.scope_sites.all())
    return ", ".join(parts) or _("Aucune portée")


def users_for(
    viewer: User, *, search: str = "", role: str = "", active: bool | None = None
) -> QuerySet[User]:
    """Accounts an administrator may manage, filtered; nobody else sees the list."""
    if not has_perm(viewer, Perm.USERS_MANAGE):
        return User.objects.none()
    users = User.objects.prefetch_related("scope_areas", "scope_sites").order_by("username")
    if search:
        term = search.strip()
        users = users.filter(
            Q(username__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
        )
    if role:
        users = users.filter(role=role)
    if active is not None:
        users = users.filter(is_active=active)
    return users


def get_user_for(viewer: User, user_id: int) -> User:
    try:
        return users_for(viewer).get(pk=user_id)
    except User.DoesNotExist:
        raise NotFound(_("utilisateur·rice")) from None


def tokens_for(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def get_token_for(user: User, token_id: int) -> ApiToken:
    """The user's own token, or (for administrators) an API-client account's token."""
    tokens = (
        ApiToken.objects.filter(Q(user=user) | Q(user__role="api_client"))
        if has_perm(user, Perm.USERS_MANAGE)
        else tokens_for(user)
    )
    try:
        return tokens.get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFound(_("jeton API")) from None
