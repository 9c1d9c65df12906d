"""Deployment check (`jigi check --deploy`): a production configuration without a protection
key is reported before the first survivor's name fails to be sealed. A deploy check, not a
start-up one: commands such as `jigi protection new-key` must run before a key exists."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from jigi.protection import crypto


@register(deploy=True)
def protection_key(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.JIGI_MODE != "production":
        return []
    try:
        crypto.configured_keys()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="protection.E001")]
    return []
