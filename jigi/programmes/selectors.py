"""Reads of the programmes app, already limited to what the user may see.

Programmes themselves are visible to every role that may read them (they are public rules);
the households on their lists, their scores and their enrolments are limited to the user's
scope, like the register."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm, visible
from jigi.accounts.roles import Perm
from jigi.core.errors import Forbidden, NotFound
from jigi.programmes.models import (
    EmergencyResponse,
    Enrolment,
    HouseholdScore,
    PriorityReferral,
    Programme,
    TargetingRun,
)
from jigi.registry.models import Household

MARGIN = 3  # households each side of a commune's quota line shown as "marginal"


def _require_view(user: User) -> None:
    if not has_perm(user, Perm.PROGRAMMES_VIEW):
        raise Forbidden(_("Votre rôle ne permet pas de consulter les programmes."))


def programmes_for(user: User, *, status: str = "", kind: str = "") -> QuerySet[Programme]:
    _require_view(user)
    rows = Programme.objects.select_related("organisation").annotate(
        communes=Count("coverage", distinct=True)
    )
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("name")


def get_programme_for(user: User, code: str) -> Programme:
    _require_view(user)
    programme = Programme.objects.select_related("organisation").filter(code=code).first()
    if programme is None:
        raise NotFound(_("programme"))
    return programme


def priority_referrals_for(user: User, programme: Programme) -> QuerySet[PriorityReferral]:
    """Priority referrals to the programme in the user's scope (never a reason or sender)."""
    _require_view(user)
    rows = programme.priority_referrals.select_related("commune", "household")
    return visible(user, rows)


def cash_programmes_open_to_referral() -> list[tuple[str, str]]:
    """(code, name) of the launched cash programmes a household may be referred to."""
    rows = Programme.objects.filter(
        status=Programme.Status.ACTIVE,
        kind__in=[Programme.Kind.CASH_TRANSFER, Programme.Kind.MULTIPURPOSE_CASH],
    ).order_by("name")
    return list(rows.values_list("code", "name"))


def coverage_of(programme: Programme) -> QuerySet[Any]:
    return programme.coverage.select_related("commune__parent__parent").order_by("commune_id")


def runs_of(programme: Programme) -> QuerySet[TargetingRun]:
    return programme.runs.select_related("formula", "created_by", "job").order_by(
        "-created_at", "-id"
    )


def get_run_for(user: User, programme: Programme, run_id: int) -> TargetingRun:
    _require_view(user)
    run = runs_of(programme).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("ciblage"))
    return run


def adopted_run(programme: Programme) -> TargetingRun | None:
    return (
        programme.runs.filter(status=TargetingRun.Status.ADOPTED).select_related("formula").first()
    )


@dataclass(frozen=True)
class ScoreFilters:
    commune: str = ""
    village: str = ""
    selected_only: bool = False
    validation: str = ""


def scores_for(
    user: User, run: TargetingRun, filters: ScoreFilters | None = None
) -> QuerySet[HouseholdScore]:
    """The run's households the user may see, in commune and rank order."""
    _require_view(user)
    filters = filters or ScoreFilters()
    rows = visible(user, HouseholdScore.objects.filter(run=run)).select_related(
        "household", "commune"
    )
    if filters.commune:
        rows = rows.filter(commune_id=filters.commune)
    if filters.village:
        rows = rows.filter(household__village_folded=filters.village)
    if filters.selected_only:
        rows = rows.filter(is_selected=True)
    if filters.validation:
        rows = rows.filter(validation=filters.validation)
    return rows.order_by("commune_id", "rank", "id")


def marginal_for(
    user: User, run: TargetingRun, commune: str, quota: int | None
) -> QuerySet[HouseholdScore]:
    """The households each side of the commune's quota line: the first to drop out or come in
    when the quota or the cut-off moves."""
    rows = scores_for(user, run, ScoreFilters(commune=commune)).filter(is_eligible=True)
    if quota is None:
        return rows.order_by("-rank")[:MARGIN]
    return rows.filter(rank__gt=max(quota - MARGIN, 0), rank__lte=quota + MARGIN)


def list_villages(user: User, run: TargetingRun) -> list[dict[str, Any]]:
    """The villages of the list (households on it, by validation state), for printing."""
    rows = (
        scores_for(user, run)
        .exclude(validation=HouseholdScore.Validation.NONE)
        .values("commune_id", "commune__name", "household__village", "household__village_folded")
        .annotate(
            households=Count("id"),
            pending=Count("id", filter=Q(validation=HouseholdScore.Validation.PENDING)),
            validated=Count("id", filter=Q(validation=HouseholdScore.Validation.VALIDATED)),
            rejected=Count("id", filter=Q(validation=HouseholdScore.Validation.REJECTED)),
        )
        .order_by("commune__name", "household__village")
    )
    return list(rows)


def village_list(
    user: User, run: TargetingRun, commune: str, village: str
) -> QuerySet[HouseholdScore]:
    """One village's list, with the head of each household, in rank order (additions last)."""
    rows = (
        scores_for(user, run, ScoreFilters(commune=commune, village=village))
        .exclude(validation=HouseholdScore.Validation.NONE)
        .prefetch_related("household__members")
    )
    return rows.order_by("is_community_addition", "rank", "id")


@dataclass(frozen=True)
class CommuneComparison:
    commune: str
    name: str
    quota: int | None
    left_eligible: int
    left_selected: int
    right_eligible: int
    right_selected: int
    both: int  # selected by both runs


def compare_runs(user: User, left: TargetingRun, right: TargetingRun) -> list[CommuneComparison]:
    """Side by side per commune: who qualifies and who is selected under each run."""
    _require_view(user)
    if left.programme_id != right.programme_id:
        raise NotFound(_("ciblage"))
    names = dict(left.programme.coverage.values_list("commune_id", "commune__name"))
    quotas = dict(left.programme.coverage.values_list("commune_id", "quota"))

    def counts(run: TargetingRun) -> dict[str, dict[str, int]]:
        rows = (
            visible(user, HouseholdScore.objects.filter(run=run))
            .values("commune_id")
            .annotate(
                eligible=Count("id", filter=Q(is_eligible=True)),
                selected=Count("id", filter=Q(is_selected=True)),
            )
        )
        return {row["commune_id"]: row for row in rows}

    a, b = counts(left), counts(right)
    right_selected = visible(user, HouseholdScore.objects.filter(run=right, is_selected=True))
    both = dict(
        visible(user, HouseholdScore.objects.filter(run=left, is_selected=True))
        .filter(household_id__in=right_selected.values("household_id"))
        .values("commune_id")
        .annotate(n=Count("id"))
        .values_list("commune_id", "n")
    )
    communes = sorted(set(a) | set(b), key=lambda code: names.get(code, code))
    return [
        CommuneComparison(
            commune=code,
            name=names.get(code, code),
            quota=quotas.get(code),
            left_eligible=a.get(code, {}).get("eligible", 0),
            left_selected=a.get(code, {}).get("selected", 0),
            right_eligible=b.get(code, {}).get("eligible", 0),
            right_selected=b.get(code, {}).get("selected", 0),
            both=both.get(code, 0),
        )
        for code in communes
    ]


@dataclass(frozen=True)
class EnrolmentFilters:
    programme: str = ""
    status: str = ""
    commune: str = ""


def enrolments_for(user: User, filters: EnrolmentFilters | None = None) -> QuerySet[Enrolment]:
    _require_view(user)
    filters = filters or EnrolmentFilters()
    rows = visible(user, Enrolment.objects.all()).select_related(
        "programme", "household__commune", "recipient"
    )
    if filters.programme:
        rows = rows.filter(programme__code=filters.programme)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.commune:
        rows = rows.filter(household__commune_id=filters.commune)
    return rows.order_by("programme__name", "household__code")


def get_enrolment_for(user: User, enrolment_id: int) -> Enrolment:
    _require_view(user)
    enrolment = (
        visible(user, Enrolment.objects.all())
        .select_related("programme", "household__commune", "recipient", "alternate", "emergency")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        raise NotFound(_("inscription"))
    return enrolment


def household_enrolments(user: User, household: Household) -> list[Enrolment]:
    """A household's enrolments in every programme, newest first (for the household page)."""
    if not has_perm(user, Perm.PROGRAMMES_VIEW):
        return []
    return list(
        visible(user, Enrolment.objects.filter(household=household))
        .select_related("programme", "recipient")
        .order_by("-start_on", "-id")
    )


def emergencies_of(programme: Programme) -> QuerySet[EmergencyResponse]:
    return programme.emergencies.prefetch_related("communes").order_by("-created_at", "-id")


def enrolment_counts(programme: Programme) -> dict[str, int]:
    rows = programme.enrolments.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}
