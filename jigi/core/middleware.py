"""No page of a signed-in user is kept by the browser or a proxy.

The register, payments, complaints and above all GBV case files are personal data; on a
shared computer in an antenna or a One Stop Center, "Back" after signing out (or the
"Sortie rapide" link) must not show the last survivor's file from the cache. Every response
to a signed-in user, and every response under a protection address, carries
``Cache-Control: no-cache, no-store, must-revalidate, private`` (Django's
``add_never_cache_headers``); static files (served by WhiteNoise before this middleware)
keep their long cache.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

PROTECTED_PREFIXES = ("/protection/", "/api/v1/protection/")


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(
            PROTECTED_PREFIXES
        ):
            add_never_cache_headers(response)
        return response
