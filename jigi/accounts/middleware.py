"""Language choice and the account gate (forced password change, second factor)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from jigi.accounts.roles import SECOND_FACTOR_ROLES

LANGUAGES = {code for code, _name in settings.LANGUAGES}


class UserLanguageMiddleware:
    """French unless the user chose otherwise: their saved choice, else the language cookie.

    The browser's Accept-Language is deliberately ignored: staff share computers set up in
    other languages, and the programmes work in French.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.language
        else:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in LANGUAGES:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# Pages reachable before the second factor is confirmed.
_OPEN_PREFIXES = ("/static/", "/accounts/logout/", "/accounts/language/", "/accounts/2fa/")
_PASSWORD_PAGE = "/accounts/password/"  # noqa: S105 (a URL, not a password)


class AccountGateMiddleware:
    """Sends signed-in users to change a temporary password, then to the second factor when
    their role requires it (or they enabled one), before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(_OPEN_PREFIXES):
            return self.get_response(request)
        if user.role in SECOND_FACTOR_ROLES:
            # Protection staff are signed out after a shorter idle time (UI.md, protection).
            request.session.set_expiry(settings.JIGI_PROTECTION_IDLE_SECONDS)
        if needs_second_factor(request) and not user.is_verified():
            return HttpResponseRedirect(reverse("accounts:otp_verify"))
        if user.must_change_password and request.path != _PASSWORD_PAGE:
            return HttpResponseRedirect(reverse("accounts:password_change"))
        return self.get_response(request)


def needs_second_factor(request: HttpRequest) -> bool:
    from django_otp import user_has_device

    role: str = getattr(request.user, "role", "")
    return role in SECOND_FACTOR_ROLES or bool(user_has_device(request.user))
