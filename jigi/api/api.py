"""The versioned API: `/api/v1/`, schema at `/api/v1/openapi.json`, docs at `/api/v1/docs`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from jigi.accounts.api import router as accounts_router
from jigi.api.auth import TokenAuth
from jigi.core.api import router as core_router
from jigi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from jigi.dedup.api import router as dedup_router
from jigi.grievances.api import router as grievances_router
from jigi.payments.api import router as payments_router
from jigi.programmes.api import router as programmes_router
from jigi.protection.api import router as protection_router
from jigi.registry.api import router as registry_router

api = NinjaAPI(
    title="Jigi API",
    version="1.0.0",
    description=(
        "Jigi's JSON API. Authenticate with a personal API token "
        "(`Authorization: Bearer jigi_…`, created under *Mes jetons API*) or the browser session. "
        "Every list is paginated and limited to the caller's scope; records outside it answer 404."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), django_auth],
)
api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/", registry_router)
api.add_router("/", dedup_router)
api.add_router("/", payments_router)
api.add_router("/", programmes_router)
api.add_router("/", grievances_router)
api.add_router("/", protection_router)


@api.exception_handler(NotFound)
def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(Forbidden)
def forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden."}, status=403)


@api.exception_handler(Conflict)
def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc), "errors": exc.errors}, status=422)
