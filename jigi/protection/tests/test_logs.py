"""No case code in the logs, no case page in a cache: Django logs a refused attempt on a case
("Not Found: …") and gunicorn every request, and neither line may name the case; no case page
or API answer may be kept by the browser after "Sortie rapide"."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from gunicorn.config import Config  # type: ignore[import-untyped]

from jigi.core.gunicorn import RedactingLogger
from jigi.protection.tests.factories import case, worker
from jigi.protection.tests.test_access import client_for

pytestmark = pytest.mark.django_db


def test_a_refused_case_address_is_logged_without_the_code(areas: None) -> None:
    kase = case()
    stranger = worker("vbg.autre", "osc-kayes", area="ML010101")
    console = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)
                   and h.filters)  # fmt: skip
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        assert client_for(stranger).get(f"/protection/cases/{kase.code}/").status_code == 404
        assert client_for(stranger).get(f"/api/v1/protection/cases/{kase.code}").status_code == 404
    finally:
        console.setStream(previous)
    log = written.getvalue()
    assert "Not Found: /protection/cases/…" in log
    assert kase.code not in log


def test_gunicorn_access_lines_name_no_case() -> None:
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/protection/cases/VBG-7K2M-Q/?tab=plan",
        "PATH_INFO": "/protection/cases/VBG-7K2M-Q/",
        "QUERY_STRING": "tab=plan",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://jigi.example/protection/cases/VBG-7K2M-Q/",
        "REMOTE_ADDR": "10.0.0.7",
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    line = " ".join(str(value) for value in atoms.values())
    assert "VBG-7K2M-Q" not in line
    assert "tab=plan" not in line
    assert atoms["r"] == "GET /protection/cases/… HTTP/1.1"
    assert atoms["h"] == "10.0.0.7"  # the rest of the line is as gunicorn writes it
    other = logger.atoms(response, request, {**environ, "RAW_URI": "/registry/?q=Traoré",
                                             "PATH_INFO": "/registry/", "QUERY_STRING": "q=Traoré"},
                         timedelta(milliseconds=5))  # fmt: skip
    assert other["r"] == "GET /registry/?q=Traoré HTTP/1.1"


def test_case_pages_are_never_kept_by_the_browser(areas: None) -> None:
    kase = case()
    client = client_for(kase.assigned_worker)
    for path in (f"/protection/cases/{kase.code}/", f"/api/v1/protection/cases/{kase.code}",
                 "/protection/exit/"):  # fmt: skip
        control = client.get(path)["Cache-Control"]
        assert "no-store" in control, path
        assert "private" in control, path
    assert "no-store" in Client().get("/protection/exit/")["Cache-Control"]  # signed out too
