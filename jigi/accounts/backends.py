"""Lets Django's ``user.has_perm`` answer from the role table, so apps below accounts (core)
can check permissions without importing accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.db.models import Model

from jigi.accounts.policy import can
from jigi.accounts.roles import Role

# Django admin (reference data and support only) is open to administrators for these apps.
_ADMIN_SITE_APPS = ("core.",)


class RoleBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Model | None = None) -> bool:
        if not getattr(user_obj, "is_active", False):
            return False
        if (
            perm.startswith(_ADMIN_SITE_APPS)
            and getattr(user_obj, "role", None) == Role.ADMINISTRATOR
        ):
            return True
        return can(user_obj, perm, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return (
            getattr(user_obj, "role", None) == Role.ADMINISTRATOR
            and f"{app_label}." in _ADMIN_SITE_APPS
        )
