from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from jigi.accounts.models import User
from jigi.accounts.roles import ROLE_PERMISSIONS
from jigi.accounts.selectors import scope_label

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    language: str
    national_scope: bool
    scope: str
    scope_areas: list[str]
    permissions: list[str]


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the token or session belongs to, with their role, scope and permissions."""
    user: User = request.user  # type: ignore[assignment]
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "language": user.language,
        "national_scope": user.national_scope,
        "scope": scope_label(user),
        "scope_areas": user.scope_area_codes(),
        "permissions": sorted(ROLE_PERMISSIONS.get(user.role, frozenset())),
    }
