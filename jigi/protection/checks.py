"""Start-up check: a production server refuses to run without a protection key, rather than
failing on the first survivor's name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from jigi.protection import crypto


@register()
def protection_key(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.JIGI_MODE != "production":
        return []
    try:
        crypto.configured_keys()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="protection.E001")]
    return []
