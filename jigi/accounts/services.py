"""Writes on users and API tokens. Each one is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jigi.accounts.models import ApiToken, User, hash_token
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm, Role
from jigi.audit.services import record
from jigi.core.errors import InvalidInput
from jigi.core.models import AdminArea, Site

TOKEN_PREFIX = "jigi_"  # noqa: S105 (a public marker, not a secret)

# Accounts that open GBV cases. Granting, widening or taking one over is not a web
# administrator's to do (they would read the cases of any site, "administrators included"
# notwithstanding): the server's operator does it with `jigi gbvuser` (decision 0008).
GBV_ROLES = frozenset({Role.GBV_CASE_WORKER, Role.GBV_SUPERVISOR})


def _guard_gbv(actor: User | None, *roles: str) -> None:
    if actor is not None and GBV_ROLES.intersection(roles):
        raise InvalidInput(
            _(
                "Les comptes VBG (gestion de cas, supervision) ne se créent, ne se modifient et "
                "ne se réinitialisent pas ici : l'exploitant du serveur le fait avec "
                "« jigi gbvuser ». Vous pouvez seulement les désactiver."
            ),
            {"role": [_("Rôle réservé : voir « jigi gbvuser ».")]},
        )


@dataclass(frozen=True)
class Scope:
    national: bool
    areas: tuple[str, ...] = ()
    sites: tuple[int, ...] = ()


def _scope_snapshot(user: User) -> dict[str, object]:
    return {
        "national": user.national_scope,
        "areas": sorted(user.scope_areas.values_list("pcode", flat=True)),
        "sites": sorted(user.scope_sites.values_list("code", flat=True)),
    }


def _check_scope(role: str, scope: Scope) -> None:
    if role == Role.ADMINISTRATOR and not scope.national:
        raise InvalidInput(
            _("Un·e administrateur·rice doit avoir une portée nationale."),
            {"national_scope": [_("Cochez « portée nationale » pour ce rôle.")]},
        )
    if not scope.national and not scope.areas and not scope.sites:
        raise InvalidInput(
            _("Choisissez une portée : nationale, ou au moins une zone ou un site."),
            {
                "scope_areas": [
                    _("Choisissez au moins une zone ou un site, ou la portée nationale.")
                ]
            },
        )
    unknown = set(scope.areas) - set(
        AdminArea.objects.filter(pcode__in=scope.areas).values_list("pcode", flat=True)
    )
    if unknown:
        raise InvalidInput(
            _("Zones inconnues : %(codes)s.") % {"codes": ", ".join(sorted(unknown))},
            {
                "scope_areas": [
                    _("Zones inconnues : %(codes)s.") % {"codes": ", ".join(sorted(unknown))}
                ]
            },
        )
    if len(set(scope.sites)) != Site.objects.filter(id__in=scope.sites).count():
        raise InvalidInput(_("Site inconnu."), {"scope_sites": [_("Site inconnu.")]})


def _apply_scope(user: User, scope: Scope) -> None:
    user.national_scope = scope.national
    user.save(update_fields=["national_scope"])
    user.scope_areas.set(AdminArea.objects.filter(pcode__in=scope.areas))
    user.scope_sites.set(scope.sites)
    user.forget_scope_cache()


def create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    scope: Scope,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    language: str = "fr",
    must_change_password: bool = True,
) -> User:
    """Create an active user with a role and a scope; the password must pass the validators."""
    if role not in Role.values:
        raise InvalidInput(
            _("Rôle inconnu : %(role)s.") % {"role": role}, {"role": [_("Rôle inconnu.")]}
        )
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(
            _("L'identifiant « %(username)s » est déjà pris.") % {"username": username},
            {"username": [_("Cet identifiant est déjà pris.")]},
        )
    _guard_gbv(actor, role)
    _check_scope(role, scope)
    candidate = User(username=username, first_name=first_name, last_name=last_name, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), {"password": list(exc.messages)}) from None
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=first_name,
            last_name=last_name,
            email=email,
            role=role,
            language=language,
            must_change_password=must_change_password,
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=False,
        )
        _apply_scope(user, scope)
        record(
            actor=actor,
            action="accounts.user_created",
            target=user,
            changes={"role": role, "scope": _scope_snapshot(user)},
        )
    return user


def update_user(
    *,
    actor: User | None,
    user: User,
    role: str,
    scope: Scope,
    first_name: str,
    last_name: str,
    email: str,
) -> User:
    """Change a user's identity, role or scope; the audit entry lists old → new values."""
    if role not in Role.values:
        raise InvalidInput(
            _("Rôle inconnu : %(role)s.") % {"role": role}, {"role": [_("Rôle inconnu.")]}
        )
    _guard_gbv(actor, user.role, role)
    _check_scope(role, scope)
    with transaction.atomic():
        before = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "role": user.role,
            "scope": _scope_snapshot(user),
        }
        user.first_name, user.last_name, user.email, user.role = first_name, last_name, email, role
        user.is_staff = role == Role.ADMINISTRATOR
        user.save(update_fields=["first_name", "last_name", "email", "role", "is_staff"])
        _apply_scope(user, scope)
        after = {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "role": role,
            "scope": _scope_snapshot(user),
        }
        changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
        if changed:
            record(actor=actor, action="accounts.user_updated", target=user, changes=changed)
    return user


def set_user_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate or reactivate an account; deactivation also revokes its API tokens."""
    if user.pk == actor.pk and not active:
        raise InvalidInput(_("Vous ne pouvez pas désactiver votre propre compte."))
    if user.is_active == active:
        return user
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        record(
            actor=actor,
            action="accounts.user_activated" if active else "accounts.user_deactivated",
            target=user,
            changes={"is_active": [not active, active]},
        )
    return user


def reset_password(*, actor: User | None, user: User) -> str:
    """Give the user a new temporary password, shown once; they must change it at next login."""
    _guard_gbv(actor, user.role)
    temporary = "-".join(secrets.token_urlsafe(4) for _part in range(4))
    with transaction.atomic():
        user.set_password(temporary)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        record(actor=actor, action="accounts.password_reset", target=user)
    return temporary


def change_own_password(*, user: User, new_password: str) -> None:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), {"new_password1": list(exc.messages)}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        record(actor=user, action="accounts.password_changed", target=user)


def set_language(*, user: User, language: str) -> None:
    if language not in {"fr", "en"}:
        raise InvalidInput(_("Langue inconnue : %(language)s.") % {"language": language})
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str


def create_api_token(
    *, actor: User, name: str, expires_on: date | None = None, owner: User | None = None
) -> NewToken:
    """Create an API token; the secret is returned once and only its hash is kept.

    A token belongs to its creator, except that administrators issue the tokens of API-client
    accounts (which cannot sign in to the web UI).
    """
    owner = owner or actor
    if owner.pk != actor.pk and not (
        has_perm(actor, Perm.USERS_MANAGE) and owner.role == Role.API_CLIENT
    ):
        raise InvalidInput(
            _("Seuls les comptes « Client API » reçoivent un jeton d'un·e administrateur·rice.")
        )
    if not has_perm(owner, Perm.API_TOKENS):
        raise InvalidInput(_("Ce rôle ne peut pas avoir de jeton API."))
    name = name.strip()
    if not name:
        raise InvalidInput(_("Donnez un nom au jeton."), {"name": [_("Ce champ est obligatoire.")]})
    if expires_on is not None and expires_on < timezone.localdate():
        raise InvalidInput(
            _("La date d'expiration est passée."), {"expires_on": [_("Date passée.")]}
        )
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=owner, name=name, prefix=prefix, key_hash=hash_token(secret), expires_on=expires_on
        )
        record(actor=actor, action="accounts.api_token_created", target=token, target_label=name)
    return NewToken(token=token, secret=secret)


def revoke_api_token(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk and not has_perm(actor, Perm.USERS_MANAGE):
        raise InvalidInput(_("Ce jeton ne vous appartient pas."))
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            actor=actor, action="accounts.api_token_revoked", target=token, target_label=token.name
        )


def user_for_token(secret: str) -> User | None:
    """The active user owning this API token, or None; a revoked or expired token gives None,
    and so does the token of a user whose role no longer has tokens (moved to a role with a
    second factor, which a token would bypass)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    prefix = secret[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not token.is_active or not has_perm(token.user, Perm.API_TOKENS):
        return None
    if not secrets.compare_digest(token.key_hash, hash_token(secret)):
        return None
    if token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def record_second_factor_enabled(*, user: User) -> None:
    record(actor=user, action="accounts.second_factor_enabled", target=user)
