"""Reads for deduplication: the register as person records, the review queue, the model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from math import log2
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from jigi.accounts.models import User
from jigi.accounts.policy import scope_q
from jigi.core.errors import NotFound
from jigi.core.text import prefix_q
from jigi.dedup.models import CandidatePair, Decision, HouseholdMerge, LinkageModel, Merge, Run
from jigi.dedup.records import PersonRecord
from jigi.registry.models import Household, IdentityDocument, Individual

CHUNK = 20_000


# What the model reads of an individual, in the order `_record` takes it.
RECORD_FIELDS = (
    "pk", "household_id", "given_names", "family_name", "sex", "birth_date", "birth_precision",
    "phone",
)  # fmt: skip


def _record(row: tuple[Any, ...], commune: str, ninas: dict[int, str]) -> PersonRecord:
    pk, household, given, family, sex, birth, precision, phone = row
    return PersonRecord(
        unique_id=pk,
        household_id=household,
        given_names=given,
        family_name=family,
        sex=sex,
        birth_date=birth,
        birth_estimated=precision != Individual.BirthPrecision.EXACT,
        phone=phone,
        nina=ninas.get(pk, ""),
        commune=commune,
    )


def register_records() -> Iterator[PersonRecord]:
    """Living individuals of the register as the model sees them, streamed in chunks of ids."""
    living = Individual.objects.filter(status=Individual.Status.ALIVE)
    last = 0
    while True:
        rows = list(
            living.filter(pk__gt=last)
            .order_by("pk")
            .values_list(*RECORD_FIELDS, "household__commune__pcode")[:CHUNK]
        )
        if not rows:
            return
        ninas = dict(
            IdentityDocument.objects.filter(
                kind=IdentityDocument.Kind.NINA,
                individual_id__gte=rows[0][0],
                individual_id__lte=rows[-1][0],
            ).values_list("individual_id", "number_normalised")
        )
        for row in rows:
            yield _record(row[:-1], row[-1], ninas)
        last = rows[-1][0]


def household_records(household_ids: list[int]) -> list[PersonRecord]:
    """Every living member of a few households, in indexed queries (the instant check)."""
    # Filtered on the household alone, unordered: with the status, a join or the model's
    # default order in the query, planners may walk a whole index of the register instead.
    rows = [
        row[:-1]
        for row in Individual.objects.filter(household_id__in=household_ids)
        .order_by()
        .values_list(*RECORD_FIELDS, "status")
        if row[-1] == Individual.Status.ALIVE
    ]
    communes = dict(
        Household.objects.filter(pk__in=household_ids).order_by().values_list("pk", "commune_id")
    )
    # By individual only: with the kind in the query SQLite walks every NINA of the register.
    documents = IdentityDocument.objects.filter(individual_id__in=[row[0] for row in rows])
    ninas = {
        individual: number
        for individual, kind, number in documents.order_by().values_list(
            "individual_id", "kind", "number_normalised"
        )
        if kind == IdentityDocument.Kind.NINA
    }
    return [_record(row, communes[row[1]], ninas) for row in rows]


def active_model() -> LinkageModel | None:
    return LinkageModel.objects.order_by("-version").first()


def current_run() -> Run | None:
    """The latest finished run: its pairs are the queue (a run in progress never is)."""
    return Run.objects.filter(status=Run.Status.DONE).order_by("-finished_at").first()


@dataclass(frozen=True)
class PairFilters:
    band: str = ""
    region: str = ""
    min_probability: float | None = None
    undecided: bool = True


def _pairs_in_scope(user: User) -> QuerySet[CandidatePair]:
    path = "household__commune__pcode"
    return CandidatePair.objects.filter(
        scope_q(user, area_path=f"left__{path}"), scope_q(user, area_path=f"right__{path}")
    )


def candidate_pairs(user: User, filters: PairFilters) -> tuple[Run | None, QuerySet[CandidatePair]]:
    """The current run's pairs both of whose individuals the user may see, best first."""
    run = current_run()
    queryset = (
        _pairs_in_scope(user)
        .filter(run=run)
        .select_related("left__household__commune", "right__household__commune")
    )
    if filters.band:
        queryset = queryset.filter(band=filters.band)
    if filters.region:
        queryset = queryset.filter(prefix_q("region", filters.region))
    if filters.min_probability is not None:
        queryset = queryset.filter(probability__gte=filters.min_probability)
    if filters.undecided:
        decided = Decision.objects.filter(left=OuterRef("left"), right=OuterRef("right")).exclude(
            verdict=Decision.Verdict.UNSURE
        )
        merged = Individual.Status.MERGED
        queryset = queryset.exclude(Exists(decided)).exclude(
            Q(left__status=merged) | Q(right__status=merged)
        )
    return run, queryset.order_by("-probability", "id")


def get_pair(user: User, pk: int) -> CandidatePair:
    pair = (
        _pairs_in_scope(user)
        .select_related("left__household__commune", "right__household__commune", "run__model")
        .filter(pk=pk)
        .first()
    )
    if pair is None:
        raise NotFound(str(CandidatePair._meta.verbose_name))
    return pair


def decision_for(pair: CandidatePair) -> Decision | None:
    return Decision.objects.filter(left=pair.left_id, right=pair.right_id).first()


@dataclass(frozen=True)
class Level:
    label: str
    m: float | None
    u: float | None
    weight: float | None


@dataclass(frozen=True)
class ComparisonView:
    name: str
    description: str
    levels: list[Level]


def model_parameters(model: LinkageModel) -> list[ComparisonView]:
    """The model's comparisons and, per level, m, u and the match weight log2(m/u)."""
    views = []
    for comparison in model.settings.get("comparisons", []):
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = log2(m / u) if m and u else None
            levels.append(Level(level.get("label_for_charts", ""), m, u, weight))
        views.append(
            ComparisonView(
                comparison["output_column_name"],
                comparison.get("comparison_description", ""),
                levels,
            )
        )
    return views


@dataclass(frozen=True)
class Accuracy:
    labelled: int
    same: int
    true_positive: int
    false_positive: int
    false_negative: int

    @property
    def precision(self) -> float | None:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else None

    @property
    def recall(self) -> float | None:
        return self.true_positive / self.same if self.same else None


def accuracy(run: Run | None) -> Accuracy:
    """The run measured on reviewers' decisions (same / different people)."""
    decisions = Decision.objects.exclude(verdict=Decision.Verdict.UNSURE).values_list(
        "left_id", "right_id", "verdict"
    )
    flagged: set[tuple[int, int]] = set()
    if run is not None:
        flagged = set(run.candidates.values_list("left_id", "right_id"))
    tp = fp = fn = same = labelled = 0
    for left, right, verdict in decisions:
        labelled += 1
        is_same = verdict == Decision.Verdict.SAME
        same += is_same
        predicted = (left, right) in flagged
        tp += predicted and is_same
        fp += predicted and not is_same
        fn += is_same and not predicted
    return Accuracy(labelled, same, tp, fp, fn)


def merges_for(user: User) -> QuerySet[Merge]:
    """Merges whose two individuals the user may both see, latest first."""
    path = "household__commune__pcode"
    return (
        Merge.objects.filter(
            scope_q(user, area_path=f"survivor__{path}"), scope_q(user, area_path=f"merged__{path}")
        )
        .select_related("survivor__household", "merged__household", "merged_by", "undone_by")
        .order_by("-merged_at")
    )


def get_merge(user: User, pk: int) -> Merge:
    merge = merges_for(user).filter(pk=pk).first()
    if merge is None:
        raise NotFound(str(Merge._meta.verbose_name))
    return merge


def household_merges_for(user: User) -> QuerySet[HouseholdMerge]:
    """Household merges whose two households the user may both see, latest first."""
    return (
        HouseholdMerge.objects.filter(
            scope_q(user, area_path="survivor__commune__pcode"),
            scope_q(user, area_path="merged__commune__pcode"),
        )
        .select_related("survivor", "merged", "merged_by", "undone_by")
        .order_by("-merged_at")
    )


def get_household_merge(user: User, pk: int) -> HouseholdMerge:
    merge = household_merges_for(user).filter(pk=pk).first()
    if merge is None:
        raise NotFound(str(HouseholdMerge._meta.verbose_name))
    return merge


def runs() -> QuerySet[Run]:
    return Run.objects.select_related("model", "started_by", "job").order_by("-started_at")


@dataclass(frozen=True)
class HouseholdsCheck:
    """Where the dedup check of some households stands: ``pending`` until a run that started
    after ``since`` is done; then ``pairs`` involving their members."""

    pending: bool
    pairs: int = 0
    run: Run | None = None


def check_of_households(households: QuerySet[Any], since: datetime) -> HouseholdsCheck:
    run = (
        Run.objects.filter(started_at__gte=since, status=Run.Status.DONE)
        .order_by("-finished_at")
        .first()
    )
    if run is None:
        return HouseholdsCheck(pending=True)
    pairs = run.candidates.filter(
        Q(left__household__in=households) | Q(right__household__in=households)
    ).count()
    return HouseholdsCheck(pending=False, pairs=pairs, run=run)
