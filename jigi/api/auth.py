from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from jigi.accounts.services import user_for_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer jigi_…`` with a personal API token; acts as its user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user
