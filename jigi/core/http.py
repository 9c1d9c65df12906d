"""The one mapping from domain errors to web responses, shared by every app's views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jigi.core.errors import Forbidden, InvalidInput, NotFound

P = ParamSpec("P")
R = TypeVar("R")

PAGE_SIZE = 50


def domain_errors(view: Callable[P, R]) -> Callable[P, R]:
    """NotFound → 404 and Forbidden → 403, so views need not repeat the mapping."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return view(*args, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from None

    return wrapper


def add_errors_to_form(form: forms.BaseForm, error: InvalidInput) -> None:
    """Show a service's InvalidInput next to the fields it names (or at the top)."""
    placed = False
    for field, messages in error.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, str(error))


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page[Any]:
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def render_list(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A list page, or only its ``#results`` partial when htmx refreshes the results."""
    if getattr(request, "htmx", False):
        template = f"{template}#results"
    return render(request, template, context)
