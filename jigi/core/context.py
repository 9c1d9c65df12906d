"""Where the current action comes from ("web 10.0.0.4", "cli root"), set once per request or
command and read by the audit log, so services need not pass requests around."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

_source: ContextVar[str] = ContextVar("jigi_action_source", default="")


def current_source() -> str:
    return _source.get()


@contextmanager
def action_source(source: str) -> Iterator[None]:
    token = _source.set(source[:120])
    try:
        yield
    finally:
        _source.reset(token)


@contextmanager
def cli_source() -> Iterator[None]:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    with action_source(f"cli {who}"):
        yield


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ``JIGI_TRUSTED_PROXIES`` reverse proxies
    the address those proxies saw (counted from the right of X-Forwarded-For, which a client
    cannot forge past a trusted proxy). Used by the audit log and by login throttling alike."""
    proxies: int = settings.JIGI_TRUSTED_PROXIES
    if proxies:
        hops = [
            hop.strip()
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        if len(hops) >= proxies:
            return str(hops[-proxies])
    address: str | None = request.META.get("REMOTE_ADDR") or None
    return address


class ActionSourceMiddleware:
    """Records the client address of each request as the source of its audit entries, and
    refuses input carrying NUL characters (no field legitimately holds one, and PostgreSQL
    rejects them) with a plain 400 rather than an error deep in a query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get(
            "QUERY_STRING", ""
        ):
            return HttpResponseBadRequest("NUL characters are not accepted in the address.")
        with action_source(f"web {client_address(request) or '?'}"):
            return self.get_response(request)
