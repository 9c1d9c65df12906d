"""The scope and permission policy: the one place that says who may do what to which record.

`can` answers "may this user do X (to this record)?"; `visible` answers "which records may this
user see?". `in_scope` is `visible` applied to one record, so the two never disagree. Scoped
models name the paths to their area P-code and site in ``SCOPE_AREA_PATH`` and
``SCOPE_SITE_PATH``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.db.models import Model, Q, QuerySet

from jigi.accounts.roles import ROLE_PERMISSIONS
from jigi.core.errors import NotFound
from jigi.core.text import prefix_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from jigi.accounts.models import User

M = TypeVar("M", bound=Model)


class ScopedModel(Protocol):
    SCOPE_AREA_PATH: str
    SCOPE_SITE_PATH: str | None


def has_perm(user: User | AnonymousUser, perm: str) -> bool:
    """Whether the user's role grants ``perm`` (inactive and anonymous users have none)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return perm in ROLE_PERMISSIONS.get(user.role, frozenset())


def scope_q(user: User, *, area_path: str, site_path: str | None = None) -> Q:
    """A filter matching the rows inside the user's scope; matches nothing for an empty scope."""
    if user.national_scope:
        return Q()
    condition = Q(pk__in=[])
    for pcode in user.scope_area_codes():
        condition |= prefix_q(area_path, pcode)
    site_ids = user.scope_site_ids()
    if site_path and site_ids:
        condition |= Q(**{f"{site_path}__in": site_ids})
    return condition


def visible(user: User | AnonymousUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of ``queryset`` the user may see."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    model: Any = queryset.model
    return queryset.filter(
        scope_q(
            user, area_path=model.SCOPE_AREA_PATH, site_path=getattr(model, "SCOPE_SITE_PATH", None)
        )
    )


def in_scope(user: User | AnonymousUser, obj: Model) -> bool:
    return visible(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def can(user: User | AnonymousUser, perm: str, obj: Model | None = None) -> bool:
    """Whether the user may use ``perm``, on ``obj`` when given (which must then be in scope)."""
    if not has_perm(user, perm):
        return False
    return obj is None or in_scope(user, obj)


def get_visible_or_404(user: User | AnonymousUser, queryset: QuerySet[M], **lookup: Any) -> M:
    """One row the user may see; missing and out-of-scope rows both raise `NotFound`."""
    row = visible(user, queryset).filter(**lookup).first()
    if row is None:
        raise NotFound(str(queryset.model._meta.verbose_name))
    return row
