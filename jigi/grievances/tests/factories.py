"""Complaints recorded through the service, as a person taking a call would (Kayes)."""

from __future__ import annotations

from typing import Any

from jigi.accounts.models import User
from jigi.accounts.tests.factories import UserFactory
from jigi.grievances import services
from jigi.grievances.models import AssignmentRule, Category, Channel, Complaint, Level
from jigi.programmes.tests.factories import household

KAYES_REGION = "ML01"
KAYES_COMMUNE = "ML010312"
MOPTI_COMMUNE = "ML050609"


def complaint(
    actor: User | None = None, *, category: str = Category.PAYMENT_NOT_RECEIVED, **values: Any
) -> Complaint:
    """A complaint in the Kayes commune (no household unless one is named)."""
    data = services.NewComplaint(
        channel=values.pop("channel", Channel.HOTLINE),
        category=category,
        description=values.pop("description", "Pas reçu le paiement du dernier cycle."),
        area_code=values.pop("area_code", KAYES_COMMUNE),
        **values,
    )
    return services.record_complaint(actor=actor, data=data)


def officer(
    username: str = "plaintes.kayes", *, areas: list[str] | None = None, **values: Any
) -> User:
    if areas is None and "national_scope" not in values:
        areas = [KAYES_REGION]
    return UserFactory.create(
        username=username, role=values.pop("role", "grievance_officer"),
        scope_areas=areas or [], **values,
    )  # fmt: skip


def focal_point(username: str = "plaintes.eas") -> User:
    return UserFactory.create(username=username, role="grievance_focal_point", national_scope=True)


def rule(assignee: User, level: int = Level.LOCAL, **values: Any) -> AssignmentRule:
    return AssignmentRule.objects.create(assignee=assignee, level=level, **values)


__all__ = ["complaint", "focal_point", "household", "officer", "rule"]
