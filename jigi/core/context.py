"""Where the current action comes from ("web 10.0.0.4", "cli root"), set once per request or
command and read by the audit log, so services need not pass requests around."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

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


class ActionSourceMiddleware:
    """Records the client address of each request as the source of its audit entries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = request.META.get("REMOTE_ADDR", "") or "?"
        with action_source(f"web {address}"):
            return self.get_response(request)
