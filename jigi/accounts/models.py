"""Users with a role and a scope, and their personal API tokens."""

from __future__ import annotations

import hashlib
from typing import ClassVar, TypeVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jigi.accounts.roles import Role
from jigi.core.models import AdminArea, Site

M = TypeVar("M", bound=Model)


class User(AbstractUser):
    """A person (or machine client) who uses Jigi.

    ``national_scope`` users see every area; others see only the areas in ``scope_areas``
    (any level: a region includes its cercles and communes) and the ``scope_sites``.
    """

    role = models.CharField(_("rôle"), max_length=30, choices=Role.choices)
    national_scope = models.BooleanField(
        _("portée nationale"), default=False, help_text=_("Voit les données de tout le pays.")
    )
    scope_areas = models.ManyToManyField(
        AdminArea, verbose_name=_("zones"), blank=True, related_name="+"
    )
    scope_sites = models.ManyToManyField(
        Site, verbose_name=_("sites"), blank=True, related_name="+"
    )
    language = models.CharField(
        _("langue"), max_length=5, choices=[("fr", "Français"), ("en", "English")], default="fr"
    )
    must_change_password = models.BooleanField(_("doit changer son mot de passe"), default=False)

    class Meta:
        ordering: ClassVar = ["username"]
        verbose_name = _("utilisateur·rice")
        verbose_name_plural = _("utilisateur·rice·s")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def scope_area_codes(self) -> list[str]:
        """P-codes of the user's areas, read once per request and then cached on the object."""
        cached: list[str] | None = getattr(self, "_scope_area_codes", None)
        if cached is None:
            cached = list(self.scope_areas.values_list("pcode", flat=True))
            self._scope_area_codes = cached
        return cached

    def scope_site_ids(self) -> list[int]:
        cached: list[int] | None = getattr(self, "_scope_site_ids", None)
        if cached is None:
            cached = list(self.scope_sites.values_list("id", flat=True))
            self._scope_site_ids = cached
        return cached

    def visible(self, queryset: QuerySet[M]) -> QuerySet[M]:
        """The rows of ``queryset`` inside this user's scope (see `jigi.accounts.policy`)."""
        from jigi.accounts.policy import visible

        return visible(self, queryset)

    def forget_scope_cache(self) -> None:
        self.__dict__.pop("_scope_area_codes", None)
        self.__dict__.pop("_scope_site_ids", None)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token: only its SHA-256 hash and a short prefix are stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nom"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    expires_on = models.DateField(_("expire le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("jeton API")
        verbose_name_plural = _("jetons API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_on is None or self.expires_on >= timezone.localdate()
