"""Reads of the grievances app, limited to the user's scope.

General lists, counts, statistics, exports and search never hold sensitive cases, whoever
asks: focal points see those only in their own list (`sensitive_for`). Loading one complaint
goes through `get_complaint_for`, which answers "not found" for a sensitive case to anyone but
a focal point and audit-logs each opening of one. A hand-off to protection (the referral, its
status and its timeline entries) is for focal points alone, whatever the complaint's category:
`protection_referral_for` and `timeline_for` hold it back from everyone else.
"""

from __future__ import annotations

import statistics as stats
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm, visible
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Forbidden, NotFound
from jigi.core.text import fold
from jigi.grievances.models import (
    AppealOffer,
    Category,
    Channel,
    Complaint,
    Event,
    ProtectionReferral,
)
from jigi.payments import selectors as payments
from jigi.payments.models import PaymentLine


def _require_view(user: User) -> None:
    if not has_perm(user, Perm.GRIEVANCES_VIEW):
        raise Forbidden(_("Votre rôle ne permet pas de consulter les plaintes."))


@dataclass(frozen=True)
class Filters:
    status: str = ""
    category: str = ""
    channel: str = ""
    region: str = ""
    level: str = ""
    overdue: bool = False
    query: str = ""
    assigned_to: int | None = None


def _filtered(rows: QuerySet[Complaint], filters: Filters) -> QuerySet[Complaint]:
    if filters.status == "open":
        rows = rows.exclude(status__in=[Complaint.Status.RESOLVED, Complaint.Status.CLOSED])
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.region:
        rows = rows.filter(region_id=filters.region)
    if filters.level:
        rows = rows.filter(level=filters.level)
    if filters.assigned_to is not None:
        rows = rows.filter(assigned_to_id=filters.assigned_to)
    if filters.overdue:
        rows = rows.filter(
            deadline_at__lt=timezone.now(),
            status__in=[Complaint.Status.NEW, Complaint.Status.ASSIGNED,
                        Complaint.Status.IN_PROGRESS, Complaint.Status.APPEALED],
        )  # fmt: skip
    query = filters.query.strip()
    if query:
        folded = fold(query)
        rows = rows.filter(
            Q(code__iexact=query.upper().replace(" ", ""))
            | Q(household__code__iexact=query.upper().replace(" ", ""))
            | Q(complainant_name__icontains=query)
            | Q(household__members__names_folded__contains=folded)
        ).distinct()
    return rows


def complaints_for(user: User, filters: Filters | None = None) -> QuerySet[Complaint]:
    """The ordinary complaints in the user's scope (never a sensitive one)."""
    _require_view(user)
    rows = visible(user, Complaint.objects.filter(is_sensitive=False))
    return _filtered(rows, filters or Filters()).select_related(
        "area", "region", "assigned_to", "household"
    )


def sensitive_for(user: User, filters: Filters | None = None) -> QuerySet[Complaint]:
    """The focal point's own list of sensitive cases in their scope."""
    if not has_perm(user, Perm.GRIEVANCES_SENSITIVE):
        raise NotFound(_("plaintes sensibles"))
    rows = visible(user, Complaint.objects.filter(is_sensitive=True))
    return _filtered(rows, filters or Filters()).select_related("area", "region", "assigned_to")


def get_complaint_for(user: User, code: str) -> Complaint:
    """One complaint by its code; missing, out-of-scope and (for anyone but a focal point)
    sensitive complaints alike raise NotFound. Opening a sensitive case is audit-logged."""
    _require_view(user)
    complaint = (
        visible(user, Complaint.objects.filter(code=code))
        .select_related(
            "area",
            "region",
            "assigned_to",
            "household",
            "individual",
            "payment_line__cycle",
            "cycle",
            "enrolment__programme",
            "score__run__programme",
            "change_request",
        )  # fmt: skip
        .first()
    )
    if complaint is None:
        raise NotFound(_("plainte"))
    if complaint.is_sensitive:
        if not has_perm(user, Perm.GRIEVANCES_SENSITIVE):
            raise NotFound(_("plainte"))
        with transaction.atomic():
            record(actor=user, action="grievances.open_sensitive", target=complaint,
                   target_label=complaint.code)  # fmt: skip
    return complaint


def protection_referral_for(user: User, complaint: Complaint) -> ProtectionReferral | None:
    """The complaint's hand-off to protection, for a focal point only. Referrals are made on
    sensitive complaints alone, but a row that is not (older data) must not tell an ordinary
    officer that the complainant disclosed violence."""
    if not has_perm(user, Perm.GRIEVANCES_SENSITIVE):
        return None
    return ProtectionReferral.objects.filter(complaint_id=complaint.pk).first()


def timeline_for(user: User, complaint: Complaint) -> QuerySet[Event]:
    """The complaint's timeline; its protection entries (referral, taken up) for focal points
    only."""
    rows = complaint.events.select_related("actor")
    if not has_perm(user, Perm.GRIEVANCES_SENSITIVE):
        rows = rows.exclude(kind=Event.Kind.REFERRAL)
    return rows


def public_status(code: str) -> dict[str, Any] | None:
    """What the public status page shows for a code: the status and dates, nothing else
    (no category, place, name or narrative)."""
    complaint = (
        Complaint.objects.filter(code=code)
        .values("code", "status", "received_at", "resolved_at", "closed_at")
        .first()
    )
    if complaint is None:
        return None
    return {**complaint, "status_label": str(Complaint.Status(complaint["status"]).label)}


def payment_context(user: User, complaint: Complaint) -> dict[str, Any] | None:
    """The payment line a payment complaint names and its cycle's reconciliation, for those
    who may read payments."""
    line = complaint.payment_line
    if line is None or not has_perm(user, Perm.PAYMENTS_VIEW):
        return None
    if not visible(user, PaymentLine.objects.filter(pk=line.pk)).exists():
        return None
    cycle = line.cycle
    totals = None
    if cycle.status not in {"draft", "submitted"}:
        totals = payments.reconciliation(user, cycle)["total"]
    return {"line": line, "cycle": cycle, "reconciliation": totals}


def household_lines(user: User, complaint: Complaint) -> QuerySet[PaymentLine]:
    if complaint.household_id is None or not has_perm(user, Perm.PAYMENTS_VIEW):
        return PaymentLine.objects.none()
    return (
        visible(user, PaymentLine.objects.filter(household_id=complaint.household_id))
        .select_related("cycle")
        .order_by("-cycle__due_on", "-id")[:10]
    )


def appeal_offers_for(user: User) -> QuerySet[AppealOffer]:
    """Households struck off a list by the community that have not appealed yet."""
    _require_view(user)
    return (
        visible(user, AppealOffer.objects.filter(complaint__isnull=True, dismissed_at__isnull=True))
        .select_related("household", "score__run__programme")
        .order_by("-created_at")
    )


# Statistics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Statistics:
    total: int
    open: int
    overdue: int
    resolved: int
    resolved_in_time: int
    median_days: float | None
    by_category: list[Bar]
    by_channel: list[Bar]
    by_region: list[Bar]
    by_month: list[Bar]

    @property
    def share_in_time(self) -> float | None:
        """Of the resolved complaints, the share resolved by their deadline."""
        return self.resolved_in_time / self.resolved if self.resolved else None


def _bars(rows: QuerySet[Complaint], key: str, labels: dict[str, str]) -> list[Bar]:
    counted = rows.values(key).annotate(count=Count("id")).order_by("-count", key)
    return [
        Bar(str(row[key]), labels.get(row[key], str(row[key])), row["count"]) for row in counted
    ]


def statistics_for(user: User, filters: Filters | None = None) -> Statistics:
    """Counts by category, channel, region and month (Bamako time), the share resolved within
    the deadline and the median days to resolve, over the user's ordinary complaints."""
    rows = complaints_for(user, filters).order_by()
    now = timezone.now()
    open_statuses = [Complaint.Status.NEW, Complaint.Status.ASSIGNED,
                     Complaint.Status.IN_PROGRESS, Complaint.Status.APPEALED]  # fmt: skip
    resolved = rows.filter(resolved_at__isnull=False)
    durations = [
        (resolved_at - received_at).total_seconds() / 86400
        for received_at, resolved_at in resolved.values_list("received_at", "resolved_at")
        if resolved_at is not None
    ]
    regions = dict(rows.values_list("region_id", "region__name").distinct())
    bamako = ZoneInfo(settings.TIME_ZONE)
    months = (
        rows.annotate(month=TruncMonth("received_at", tzinfo=bamako))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("month")
    )
    return Statistics(
        total=rows.count(),
        open=rows.filter(status__in=open_statuses).count(),
        overdue=rows.filter(status__in=open_statuses, deadline_at__lt=now).count(),
        resolved=len(durations),
        resolved_in_time=resolved.filter(resolved_at__lte=F("deadline_at")).count(),
        median_days=round(stats.median(durations), 1) if durations else None,
        by_category=_bars(rows, "category", {k: str(v) for k, v in Category.choices}),
        by_channel=_bars(rows, "channel", {k: str(v) for k, v in Channel.choices}),
        by_region=_bars(rows, "region_id", regions),
        by_month=[
            Bar(_month_key(row["month"]), _month_key(row["month"]), row["count"]) for row in months
        ],
    )


def _month_key(month: datetime | None) -> str:
    return month.strftime("%Y-%m") if month else ""


def overdue_soon(user: User, days: int = 3) -> QuerySet[Complaint]:
    """Open complaints whose deadline falls in the next ``days`` days."""
    now = timezone.now()
    return complaints_for(user).filter(
        deadline_at__gte=now,
        deadline_at__lt=now + timedelta(days=days),
        status__in=[Complaint.Status.NEW, Complaint.Status.ASSIGNED, Complaint.Status.IN_PROGRESS],
    )


def assignees(sensitive: bool = False) -> QuerySet[User]:
    """Active users whose role may handle complaints (focal points for sensitive ones)."""
    from jigi.accounts.roles import ROLE_PERMISSIONS

    needed = (
        {Perm.GRIEVANCES_MANAGE, Perm.GRIEVANCES_SENSITIVE}
        if sensitive
        else {Perm.GRIEVANCES_MANAGE}
    )
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if needed <= perms]
    return User.objects.filter(is_active=True, role__in=roles).order_by("username")
