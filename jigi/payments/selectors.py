"""Reads of the payments app: cycles, their totals, anomalies and changes from the last cycle.
Lines are limited to the user's scope (by the commune they were generated in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm, visible
from jigi.accounts.roles import Perm
from jigi.core.errors import Forbidden, NotFound
from jigi.core.models import AdminArea
from jigi.payments.models import AgencyAssignment, Budget, PaymentAgency, PaymentCycle, PaymentLine
from jigi.programmes.models import Programme
from jigi.programmes.services.common import ADULT_AGE
from jigi.programmes.targeting import years_before
from jigi.registry.models import Individual


def _require_view(user: User) -> None:
    if not has_perm(user, Perm.PAYMENTS_VIEW):
        raise Forbidden(_("Votre rôle ne permet pas de consulter les paiements."))


def cycles_for(user: User, *, programme: str = "", status: str = "") -> QuerySet[PaymentCycle]:
    _require_view(user)
    rows = PaymentCycle.objects.select_related("programme", "funding_source")
    if programme:
        rows = rows.filter(programme__code=programme)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-due_on", "-id")


def get_cycle_for(user: User, cycle_id: int) -> PaymentCycle:
    _require_view(user)
    cycle = (
        PaymentCycle.objects.select_related(
            "programme", "funding_source", "submitted_by", "approved_by"
        )
        .filter(pk=cycle_id)
        .first()
    )
    if cycle is None:
        raise NotFound(_("cycle de paiement"))
    return cycle


def lines_for(user: User, cycle: PaymentCycle) -> QuerySet[PaymentLine]:
    return visible(user, cycle.lines.all()).select_related("household", "commune", "agency")


def totals_by(user: User, cycle: PaymentCycle, group: str) -> list[dict[str, Any]]:
    """Lines and amounts by region, commune or agency."""
    key = {
        "region": "commune__parent__parent__name",
        "commune": "commune__name",
        "agency": "agency__name",
    }[group]
    rows = (
        lines_for(user, cycle)
        .values(key)
        .annotate(lines=Count("id"), amount=Sum("amount_xof"))
        .order_by(key)
    )
    return [
        {"name": row[key] or _("(aucune agence)"), "lines": row["lines"], "amount": row["amount"]}
        for row in rows
    ]


@dataclass(frozen=True)
class Anomaly:
    kind: str
    label: str
    lines: list[PaymentLine]


def anomalies(user: User, cycle: PaymentCycle, limit: int = 50) -> list[Anomaly]:
    """What a payment officer checks before submitting: one number paying several
    households, amounts other than the programme's rule, recipients who are not (or no
    longer) adult members of the household."""
    lines = lines_for(user, cycle)
    shared = (
        lines.exclude(payment_number="")
        .values("payment_number")
        .annotate(households=Count("household", distinct=True))
        .filter(households__gt=1)
        .values("payment_number")
    )
    found = [
        Anomaly(
            "shared_number",
            _("Un même numéro reçoit pour plusieurs ménages"),
            list(lines.filter(payment_number__in=shared).order_by("payment_number")[:limit]),
        ),
        Anomaly(
            "amount",
            _("Montant différent de la règle du programme (compléments d'urgence, arriérés)"),
            list(lines.filter(Q(emergency_xof__gt=0) | Q(arrears_xof__gt=0))[:limit]),
        ),
        Anomaly(
            "not_adult_member",
            _("Récipiendaire qui n'est pas un membre adulte du ménage"),
            list(
                lines.filter(
                    ~Q(recipient__household_id=F("household_id"))
                    | Q(recipient__birth_date__gt=years_before(cycle.cycle_on, ADULT_AGE))
                )[:limit]
            ),
        ),
        Anomaly(
            "recipient_gone",
            _("Récipiendaire décédé ou parti du ménage"),
            list(lines.exclude(recipient__status=Individual.Status.ALIVE)[:limit]),
        ),
    ]
    return [anomaly for anomaly in found if anomaly.lines]


def changes_from_previous(user: User, cycle: PaymentCycle) -> dict[str, Any] | None:
    """Households paid in the previous cycle and not in this one, and the other way round."""
    previous = (
        PaymentCycle.objects.filter(programme=cycle.programme, number__lt=cycle.number)
        .order_by("-number")
        .first()
    )
    if previous is None:
        return None
    now = set(lines_for(user, cycle).values_list("household_id", flat=True))
    before = set(lines_for(user, previous).values_list("household_id", flat=True))
    before_total = lines_for(user, previous).aggregate(total=Sum("amount_xof"))["total"] or 0
    now_total = lines_for(user, cycle).aggregate(total=Sum("amount_xof"))["total"] or 0
    return {
        "previous": previous,
        "added": len(now - before),
        "removed": len(before - now),
        "amount_change": now_total - before_total,
    }


def reconciliation(user: User, cycle: PaymentCycle) -> dict[str, Any]:
    """Expected, paid, failed, uncollected and still outstanding, by agency and in all, to
    the franc (the four outcomes always add up to what was expected)."""
    _require_view(user)
    statuses = {
        "paid": PaymentLine.Status.PAID,
        "failed": PaymentLine.Status.FAILED,
        "uncollected": PaymentLine.Status.UNCOLLECTED,
        "outstanding": PaymentLine.Status.PENDING,
    }
    sums = {
        f"{name}_xof": Sum("amount_xof", filter=Q(status=status), default=0)
        for name, status in statuses.items()
    }
    counts = {
        f"{name}_lines": Count("id", filter=Q(status=status)) for name, status in statuses.items()
    }
    lines = lines_for(user, cycle)
    rows = (
        lines.values("agency__name")
        .annotate(
            expected_xof=Sum("amount_xof", default=0), expected_lines=Count("id"), **sums, **counts
        )  # fmt: skip
        .order_by("agency__name")
    )
    total = lines.aggregate(
        expected_xof=Sum("amount_xof", default=0), expected_lines=Count("id"), **sums, **counts
    )
    return {"agencies": list(rows), "total": total}


COMMITTED = ("approved", "sent", "reconciled", "closed")


def budgets_for(user: User) -> list[dict[str, Any]]:
    """Each budget line with what approved payrolls commit and what was actually paid."""
    _require_view(user)
    rows = []
    for budget in Budget.objects.select_related("funding_source", "programme").order_by(
        "-year", "programme__name", "funding_source__name"
    ):
        lines = PaymentLine.objects.filter(
            cycle__programme=budget.programme,
            cycle__funding_source=budget.funding_source,
            cycle__due_on__year=budget.year,
            cycle__status__in=COMMITTED,
        ).aggregate(
            committed=Sum("amount_xof", default=0),
            disbursed=Sum("amount_xof", filter=Q(status=PaymentLine.Status.PAID), default=0),
        )
        rows.append(
            {
                "budget": budget,
                "committed_xof": lines["committed"],
                "disbursed_xof": lines["disbursed"],
                "remaining_xof": budget.amount_xof - lines["committed"],
            }
        )
    return rows


def compliance_summary(cycle: PaymentCycle) -> dict[str, int]:
    """How many households of the cycle have a compliance record, and how many failed."""
    counts = cycle.compliance.aggregate(
        households=Count("id"), non_compliant=Count("id", filter=Q(compliant=False))
    )
    return {"households": counts["households"] or 0, "non_compliant": counts["non_compliant"] or 0}


def agencies_for(user: User) -> list[dict[str, Any]]:
    """Every agency with its contract and the regions it pays, by programme."""
    _require_view(user)
    agencies = PaymentAgency.objects.prefetch_related(
        "assignments__programme", "assignments__region"
    )
    rows = []
    for agency in agencies:
        by_programme: dict[str, list[str]] = {}
        for assignment in agency.assignments.all():
            by_programme.setdefault(assignment.programme.name, []).append(assignment.region.name)
        rows.append({"agency": agency, "programmes": sorted(by_programme.items())})
    return rows


def assignment_table(user: User) -> list[dict[str, Any]]:
    """For each launched programme, every region and the agency paying it (or none)."""
    _require_view(user)
    regions = list(AdminArea.objects.filter(level=AdminArea.Level.REGION).order_by("pcode"))
    current = {
        (row.programme_id, row.region_id): row.agency
        for row in AgencyAssignment.objects.select_related("agency")
    }
    return [
        {
            "programme": programme,
            "regions": [(region, current.get((programme.pk, region.pk))) for region in regions],
        }
        for programme in Programme.objects.filter(status=Programme.Status.ACTIVE).order_by("name")
    ]
