"""Panels that apps above a page's own app add to it, so the page never imports them.

The register's household page shows a household's enrolments, payments and complaints, but
the registry sits below programmes, payments and grievances (DESIGN §6). Those apps register a
provider here when they load; the page asks for its panels and renders each one's template.
A provider returns None when it has nothing to show or the user may not see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelProvider = Callable[[HttpRequest, Any], Panel | None]

_PROVIDERS: dict[str, list[PanelProvider]] = {}


def register_panel(page: str, provider: PanelProvider) -> None:
    providers = _PROVIDERS.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def panels_for(page: str, request: HttpRequest, obj: Any) -> list[Panel]:
    found = (provider(request, obj) for provider in _PROVIDERS.get(page, []))
    return [panel for panel in found if panel is not None]
