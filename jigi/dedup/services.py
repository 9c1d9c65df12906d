"""Deduplication rules: training, batch runs, decisions, merge and un-merge, instant check."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from math import log2
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.accounts.models import User
from jigi.accounts.policy import can, has_perm, scope_q
from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from jigi.core.jobs import Progress, job_kind, start_job
from jigi.core.models import Job
from jigi.core.phones import normalise_phone
from jigi.dedup.models import (
    CandidatePair,
    Decision,
    HouseholdMerge,
    LinkageModel,
    Merge,
    Run,
    Thresholds,
)
from jigi.dedup.names import spellings
from jigi.dedup.records import PersonRecord
from jigi.dedup.selectors import active_model, current_run, household_records, register_records
from jigi.registry.models import Household, IdentityDocument, Individual, NamePair, NameToken
from jigi.registry.services import NewMember, register_household

if TYPE_CHECKING:
    import pandas as pd

Actor = User | None  # None: the system (CLI, jobs started by the system)
for noisy in ("splink", "splink.internals"):
    logging.getLogger(noisy).setLevel(logging.ERROR)

WRITE_CHUNK = 2_000
CANDIDATES = 2_000  # most households one query of the instant check brings back


def _require(actor: Actor, perm: str) -> None:
    if actor is not None and not has_perm(actor, perm):
        raise Forbidden(_("Votre rôle ne permet pas cette action de dédoublonnage."))


def thresholds() -> Thresholds:
    row, _created = Thresholds.objects.get_or_create(pk=1)
    return row


def set_thresholds(*, actor: Actor, review: float, almost_certain: float) -> Thresholds:
    _require(actor, Perm.DEDUP_MANAGE)
    if not 0 < review < almost_certain < 1:
        raise InvalidInput(
            _("Les seuils doivent vérifier 0 < revue < quasi certain < 1."),
            {"review": [_("Entre 0 et le seuil « quasi certain ».")]},
        )
    row = thresholds()
    before = {"review": row.review, "almost_certain": row.almost_certain}
    with transaction.atomic():
        row.review, row.almost_certain, row.updated_by = review, almost_certain, actor
        row.save()
        record(
            actor=actor,
            action="dedup.thresholds",
            target=row,
            changes={key: [before[key], getattr(row, key)] for key in before},
        )
    return row


# ---------------------------------------------------------------------------------------------
# The person frame and training


def is_checkable(person: PersonRecord) -> bool:
    """A record needs a name and one more identifying field (birth date, phone or NINA);
    matching on less would merge strangers who merely share a common name."""
    named = bool((person.given_names or "").strip() or (person.family_name or "").strip())
    return named and bool(person.birth_date or person.phone or person.nina)


class Checkable:
    """The records with enough to compare, streamed; counts the others ("cannot be checked")."""

    def __init__(self, records: Iterable[PersonRecord]) -> None:
        self.records = records
        self.refused = 0

    def __iter__(self) -> Iterator[PersonRecord]:
        for person in self.records:
            if is_checkable(person):
                yield person
            else:
                self.refused += 1


def checkable(records: Iterable[PersonRecord]) -> tuple[list[PersonRecord], int]:
    stream = Checkable(records)
    kept = list(stream)
    return kept, stream.refused


def _labels(frame: pd.DataFrame) -> pd.Series:
    """Labels for training: same NINA, or reviewers said "same person" (joined transitively)."""
    parent: dict[Any, Any] = {}

    def find(item: Any) -> Any:
        while parent.get(item, item) != item:
            item = parent[item]
        return item

    for left, right in Decision.objects.filter(verdict=Decision.Verdict.SAME).values_list(
        "left_id", "right_id"
    ):
        parent[find(left)] = find(right)
    by_nina = frame["nina"].fillna(frame["unique_id"].astype(str))
    first_of: dict[str, Any] = {}
    for unique_id, nina in zip(frame["unique_id"], by_nina, strict=True):
        if nina in first_of:
            parent[find(unique_id)] = find(first_of[nina])
        else:
            first_of[nina] = unique_id
    return frame["unique_id"].map(lambda unique_id: str(find(unique_id)))


def train_model(*, actor: Actor, progress: Progress | None = None) -> LinkageModel:
    """Train a new version of the model on the register and keep it (settings, date, size)."""
    _require(actor, Perm.DEDUP_MANAGE)
    if progress:
        progress.start(None, _("Lecture du registre"))
    from jigi.dedup import linkage  # Splink, DuckDB and pandas: loaded when first needed

    frame = linkage.person_frame(Checkable(register_records()))
    if len(frame) < 10:
        raise InvalidInput(_("Trop peu d'individus dans le registre pour entraîner le modèle."))
    if progress:
        progress.start(None, _("Entraînement du modèle"))
    labels = _labels(frame)
    labelled = int(labels.duplicated(keep=False).sum())
    trained = linkage.train(frame, labels=labels)
    with transaction.atomic():
        latest = LinkageModel.objects.select_for_update().order_by("-version").first()
        model = LinkageModel.objects.create(
            version=(latest.version + 1) if latest else 1,
            trained_on=len(frame),
            labelled_pairs=labelled,
            settings=trained,
            trained_by=actor,
        )
        record(
            actor=actor,
            action="dedup.train",
            target=model,
            changes={"version": [None, model.version]},
        )
    return model


# ---------------------------------------------------------------------------------------------
# Batch run


def start_run(*, actor: Actor, enqueue: bool = True) -> Job:
    _require(actor, Perm.DEDUP_MANAGE)
    if Run.objects.filter(
        status=Run.Status.RUNNING, job__status__in=["queued", "running"]
    ).exists():
        raise Conflict(_("Un dédoublonnage est déjà en cours."))
    return start_job(actor=actor, kind="dedup.run", params={}, enqueue=enqueue)


def _comparison_labels(model_settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """comparison → gamma value → level label (Splink numbers levels from the last, 0)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in model_settings["comparisons"]:
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        labels[comparison["output_column_name"]] = {
            len(levels) - 1 - index: level.get("label_for_charts", "")
            for index, level in enumerate(levels)
        }
    return labels


def _explain(row: Any, labels: dict[str, dict[int, str]]) -> dict[str, list[Any]]:
    explained: dict[str, list[Any]] = {}
    for name, levels in labels.items():
        gamma = int(getattr(row, f"gamma_{name}"))
        factor = float(getattr(row, f"bf_{name}"))
        label = levels.get(gamma, "Absent")  # stored as the model names it; shown translated
        explained[name] = [label, round(log2(factor), 2) if factor > 0 else None]
    return explained


def run_dedup(*, actor: Actor, progress: Progress | None = None, job: Job | None = None) -> Run:
    """Score the whole register and write the candidate pairs of a new run.

    The previous run's pairs stay the queue until this run has written all of its own: an
    interrupted run leaves them intact and can simply be run again.
    """
    _require(actor, Perm.DEDUP_MANAGE)
    started = time.monotonic()
    model = active_model() or train_model(actor=actor, progress=progress)
    limits = thresholds()
    run = Run.objects.create(
        model=model,
        job=job,
        review_threshold=limits.review,
        almost_certain_threshold=limits.almost_certain,
        started_by=actor,
    )
    try:
        if progress:
            progress.start(None, _("Lecture du registre"))
        import pandas as pd

        from jigi.dedup import linkage

        stream = Checkable(register_records())
        frame = linkage.person_frame(stream)
        refused = stream.refused
        if progress:
            progress.start(None, _("Comparaison des individus"))
        pairs = (
            linkage.predict(frame, model.settings, threshold=limits.review)
            if len(frame) > 1
            else pd.DataFrame()
        )
        region = dict(zip(frame["unique_id"], frame["region"].fillna(""), strict=True))
        # People linked "almost certainly", directly or through others, share a cluster.
        cluster = linkage.clusters(pairs, threshold=limits.almost_certain)
        labels = _comparison_labels(model.settings)
        candidates = []
        for row in pairs.itertuples(index=False):
            left, right = sorted((int(row.unique_id_l), int(row.unique_id_r)))
            candidates.append(
                CandidatePair(
                    run=run,
                    left_id=left,
                    right_id=right,
                    probability=float(row.match_probability),
                    match_weight=float(row.match_weight),
                    band=CandidatePair.Band.ALMOST_CERTAIN
                    if row.match_probability >= limits.almost_certain
                    else CandidatePair.Band.REVIEW,
                    comparisons=_explain(row, labels),
                    region=region.get(left, ""),
                    cluster=cluster.get(str(left)),
                )
            )
        if progress:
            progress.start(len(candidates), _("Enregistrement des paires"))
        with transaction.atomic():
            for start in range(0, len(candidates), WRITE_CHUNK):
                CandidatePair.objects.bulk_create(candidates[start : start + WRITE_CHUNK])
                if progress:
                    progress.update(min(start + WRITE_CHUNK, len(candidates)))
            run.status = Run.Status.DONE
            run.records = len(frame)
            run.not_checkable = refused
            run.pairs = len(candidates)
            run.almost_certain = sum(
                1 for pair in candidates if pair.band == CandidatePair.Band.ALMOST_CERTAIN
            )
            run.finished_at = timezone.now()
            run.seconds = round(time.monotonic() - started, 1)
            run.save()
            # Older runs' pairs are replaced by this run's; their summaries stay.
            CandidatePair.objects.filter(run__finished_at__lt=run.finished_at).exclude(
                run=run
            ).delete()
            record(
                actor=actor,
                action="dedup.run",
                target=run,
                changes={"pairs": [None, run.pairs], "records": [None, run.records]},
            )
    except Exception as exc:
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.FAILED, message=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    return run


def check_after_import() -> Job | None:
    """Queue a run (by the system) for newly imported households, unless one is waiting.

    A run already queued will see them; one already running may not, so another is queued.
    """
    if not settings.JIGI_DEDUP_AFTER_IMPORT:
        return None
    if Job.objects.filter(kind="dedup.run", status=Job.Status.QUEUED).exists():
        return None
    return start_job(actor=None, kind="dedup.run", params={"after_import": True})


def start_training(*, actor: Actor, enqueue: bool = True) -> Job:
    _require(actor, Perm.DEDUP_MANAGE)
    return start_job(actor=actor, kind="dedup.train", params={}, enqueue=enqueue)


@job_kind(
    "dedup.train",
    label=gettext_lazy("Entraîner le modèle de dédoublonnage"),
    permission=Perm.DEDUP_MANAGE,
)
def _train_job(job: Job, progress: Progress) -> dict[str, Any]:
    model = train_model(actor=job.created_by, progress=progress)
    return {"version": model.version, "trained_on": model.trained_on}


@job_kind("dedup.run", label=gettext_lazy("Dédoublonner le registre"), permission=Perm.DEDUP_MANAGE)
def _run_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = run_dedup(actor=job.created_by, progress=progress, job=job)
    return {
        "run": run.pk,
        "records": run.records,
        "pairs": run.pairs,
        "almost_certain": run.almost_certain,
    }


# ---------------------------------------------------------------------------------------------
# Instant check of one household


@dataclass(frozen=True)
class PossibleDuplicate:
    member: int  # index of the new member in the household checked
    individual: Individual
    probability: float
    comparisons: dict[str, list[Any]]


def _candidate_households(people: list[PersonRecord], commune: str) -> list[int]:
    """Households of the register the batch run could pair with one of ``people``: a member
    sharing a phone or a NINA anywhere, or a spelling of both names in the same commune.

    The queries go through the register's indexes (phone, document number, name words with
    their household), so one household is checked without reading the register; pairs across
    communes on names alone are left to the batch run.
    """
    phones = {person.phone for person in people if person.phone}
    ninas = {person.nina for person in people if person.nina}
    found: set[int] = set()
    if phones:
        found.update(
            Individual.objects.filter(phone__in=phones)
            .order_by()
            .values_list("household_id", flat=True)[:CANDIDATES]
        )
    if ninas:
        found.update(
            IdentityDocument.objects.filter(number_normalised__in=ninas)
            .order_by()
            .values_list("individual__household_id", flat=True)[:CANDIDATES]
        )
    # The register's name-pair index holds every ordered pair of a person's name words, so
    # "given family" finds swapped names too; the class's spellings catch the variants.
    pairs = {
        f"{given} {family}"
        for person in people
        for given in spellings(person.given_names)
        for family in spellings(person.family_name)
        if given != family
    }
    if pairs:
        found.update(
            NamePair.objects.filter(pair__in=pairs, household__commune_id=commune)
            .order_by()
            .values_list("household_id", flat=True)[:CANDIDATES]
        )
    return sorted(found)


def person_to_check(index: int, values: dict[str, Any], ninas: list[str]) -> PersonRecord:
    """A member about to be registered (the API's or the form's values), as the model
    compares it; a phone that is not one is refused naming the member's field."""
    raw_phone = str(values.get("phone") or "")
    try:
        phone = normalise_phone(raw_phone) if raw_phone else ""
    except InvalidInput as exc:
        raise InvalidInput(str(exc), {f"members.{index}.phone": [str(exc)]}) from None
    birth = values.get("birth_date")
    if isinstance(birth, str):
        birth = date.fromisoformat(birth)
    return PersonRecord(
        unique_id=index,
        household_id="new",
        given_names=str(values.get("given_names") or ""),
        family_name=str(values.get("family_name") or ""),
        sex=str(values.get("sex") or ""),
        birth_date=birth,
        birth_estimated=(values.get("birth_precision") or "exact")
        != Individual.BirthPrecision.EXACT,
        phone=phone,
        nina=ninas[0] if ninas else "",
    )


def check_household(
    *, actor: Actor, commune: str, members: list[PersonRecord]
) -> tuple[list[PossibleDuplicate], int]:
    """The register's possible duplicates of a household's members, before it is registered.

    Returns the matches the actor may see and how many more lie outside their scope (named
    only by number: who is registered elsewhere is not theirs to read).
    """
    _require(actor, Perm.REGISTRY_PROPOSE)
    model = active_model()
    if model is None:
        return [], 0
    new = [
        replace(person, unique_id=f"new-{index}", household_id="new", commune=commune)
        for index, person in enumerate(members)
    ]
    households = _candidate_households(new, commune)
    if not households:
        return [], 0
    # Ids as text on both sides: the new records' are "new-0", "new-1"…
    existing = [
        replace(person, unique_id=str(person.unique_id)) for person in household_records(households)
    ]
    from jigi.dedup import linkage  # loaded at the web server's start (jigi.wsgi)

    pairs = linkage.INSTANT.match(
        linkage.person_frame(existing),
        linkage.person_frame(new),
        model.settings,
        threshold=thresholds().review,
    )
    labels = _comparison_labels(model.settings)
    matches: dict[tuple[int, int], tuple[float, dict[str, list[Any]]]] = {}
    for row in pairs.itertuples(index=False):
        ids = (str(row.unique_id_l), str(row.unique_id_r))
        news = [i for i in ids if i.startswith("new-")]
        if len(news) != 1:
            continue
        other = int(ids[1] if ids[0] == news[0] else ids[0])
        matches[(int(news[0][4:]), other)] = (float(row.match_probability), _explain(row, labels))
    people = Individual.objects.select_related("household__commune").in_bulk(
        [other for _member, other in matches]
    )
    visible = {
        person.pk
        for person in (
            people.values()
            if actor is None
            else Individual.objects.filter(pk__in=people).filter(
                scope_q(actor, area_path=Individual.SCOPE_AREA_PATH)
            )
        )
    }
    found = [
        PossibleDuplicate(member, people[other], probability, explained)
        for (member, other), (probability, explained) in sorted(
            matches.items(), key=lambda item: (item[0][0], -item[1][0])
        )
        if other in visible
    ]
    return found, len(matches) - len(found)


# ---------------------------------------------------------------------------------------------
# Review decisions


def _ordered(first: Individual, second: Individual) -> tuple[Individual, Individual]:
    return (first, second) if first.pk < second.pk else (second, first)


def _require_both_visible(actor: Actor, perm: str, *people: Individual) -> None:
    _require(actor, perm)
    if actor is not None and not all(can(actor, Perm.REGISTRY_VIEW, person) for person in people):
        raise NotFound(_("individu"))


def decide(
    *, actor: User, first: Individual, second: Individual, verdict: str, note: str = ""
) -> Decision:
    """Record an answer for a pair (a later answer replaces an earlier one).

    Field staff may answer too: shown a possible duplicate when registering someone, they
    confirm "different person"; merging stays with reviewers.
    """
    _require_both_visible(actor, Perm.REGISTRY_PROPOSE, first, second)
    if verdict not in Decision.Verdict.values:
        raise InvalidInput(_("Décision inconnue."), {"verdict": [_("Choix invalide.")]})
    if first.pk == second.pk:
        raise InvalidInput(_("Un individu ne se compare pas à lui-même."))
    left, right = _ordered(first, second)
    pair = CandidatePair.objects.filter(left=left, right=right).order_by("-run_id").first()
    with transaction.atomic():
        decision, created = Decision.objects.update_or_create(
            left=left,
            right=right,
            defaults={
                "verdict": verdict,
                "note": note[:300],
                "decided_by": actor,
                "probability": pair.probability if pair else None,
            },
        )
        record(
            actor=actor,
            action="dedup.decide",
            target=decision,
            changes={"verdict": [None, verdict], "individuals": [None, [left.pk, right.pk]]},
        )
    return decision


# ---------------------------------------------------------------------------------------------
# Merge and un-merge

# Fields of an individual the golden record takes from the duplicate when its own is blank.
FILLED_FIELDS = (
    "other_names", "phone", "marital_status", "occupation", "school_grade", "attends_school",
    "seeing", "hearing", "walking", "cognition", "self_care", "communication",
)  # fmt: skip
KEPT_FIELDS = (
    *FILLED_FIELDS,
    "birth_date",
    "birth_precision",
    "status",
    "status_on",
    "status_reason",
)


def _snapshot(person: Individual) -> dict[str, Any]:
    return {
        field: (value.isoformat() if isinstance(value, date) else value)
        for field in KEPT_FIELDS
        for value in [getattr(person, field)]
    }


def _restore(person: Individual, values: dict[str, Any]) -> None:
    for field, value in values.items():
        if field in {"birth_date", "status_on"} and value:
            value = date.fromisoformat(value)
        setattr(person, field, value)


def _references(target: type[Model] = Individual) -> list[tuple[type[Model], str]]:
    """Other apps' foreign keys to an individual or a household (enrolments, their
    recipients…): they follow the surviving record."""
    own = {"registry", "dedup", "audit"}
    found: list[tuple[type[Model], str]] = []
    for relation in target._meta.related_objects:
        model = relation.related_model
        # A foreign key seen from the model it points to is "one to many".
        if relation.one_to_many and not isinstance(model, str) and model._meta.app_label not in own:
            found.append((model, relation.field.name))
    return found


def _follow(target: type[Model], kept: Model, merged: Model) -> dict[str, list[int]]:
    """Point other apps' references to ``merged`` at ``kept``; what moved, to undo it. A
    reference the database refuses to join (both enrolled in one programme) stops the merge."""
    moved: dict[str, list[int]] = {}
    for model, field in _references(target):
        ids = list(model._default_manager.filter(**{field: merged}).values_list("pk", flat=True))
        if not ids:
            continue
        try:
            with transaction.atomic():
                model._default_manager.filter(pk__in=ids).update(**{field: kept})
        except IntegrityError as exc:
            raise Conflict(
                _(
                    "Les deux fiches ont chacune un(e) %(what)s qui ne peut être joint(e) : "
                    "réglez cela d'abord (par exemple, une seule inscription au programme)."
                )
                % {"what": model._meta.verbose_name}
            ) from exc
        moved[f"{model._meta.label}.{field}"] = ids
    return moved


def _unfollow(target: type[Model], merged: Model, moved: dict[str, list[int]]) -> None:
    for key, ids in moved.items():
        label, field = key.rsplit(".", 1)
        model = next(m for m, f in _references(target) if m._meta.label == label and f == field)
        model._default_manager.filter(pk__in=ids).update(**{field: merged})


def golden_values(survivor: Individual, duplicate: Individual) -> dict[str, Any]:
    """Survivorship: the survivor's values win; its blanks are filled from the duplicate, and
    an exact birth date replaces an estimated one."""
    values: dict[str, Any] = {}
    for field in FILLED_FIELDS:
        if getattr(survivor, field) in ("", None) and getattr(duplicate, field) not in ("", None):
            values[field] = getattr(duplicate, field)
    exact = Individual.BirthPrecision.EXACT
    if survivor.birth_precision != exact and duplicate.birth_precision == exact:
        values["birth_date"] = duplicate.birth_date
        values["birth_precision"] = exact
    return values


def merge_individuals(*, actor: User, survivor: Individual, duplicate: Individual) -> Merge:
    """Fold ``duplicate`` into ``survivor``; everything needed to undo it is kept."""
    _require_both_visible(actor, Perm.DEDUP_REVIEW, survivor, duplicate)
    if survivor.pk == duplicate.pk:
        raise InvalidInput(_("Un individu ne se fusionne pas avec lui-même."))
    merged_status = Individual.Status.MERGED
    if merged_status in (survivor.status, duplicate.status):
        raise Conflict(_("L'un des deux individus est déjà fusionné."))
    with transaction.atomic():
        locked = {
            person.pk: person
            for person in Individual.objects.select_for_update().filter(
                pk__in=[survivor.pk, duplicate.pk]
            )
        }
        survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
        snapshot: dict[str, Any] = {"survivor": _snapshot(survivor), "merged": _snapshot(duplicate)}
        values = golden_values(survivor, duplicate)
        kinds = set(survivor.documents.values_list("kind", flat=True))
        moved = list(duplicate.documents.exclude(kind__in=kinds).values_list("pk", flat=True))
        IdentityDocument.objects.filter(pk__in=moved).update(individual=survivor)
        snapshot["documents"] = moved
        snapshot["references"] = _follow(Individual, survivor, duplicate)
        for field, value in values.items():
            setattr(survivor, field, value)
        survivor.version = F("version") + 1
        survivor.save()
        duplicate.status = merged_status
        duplicate.status_on = timezone.localdate()
        duplicate.status_reason = _("Doublon de %(name)s (n° %(id)s)") % {
            "name": str(survivor),
            "id": survivor.pk,
        }
        duplicate.version = F("version") + 1
        duplicate.save()
        merge = Merge.objects.create(
            survivor=survivor, merged=duplicate, snapshot=snapshot, merged_by=actor
        )
        left, right = _ordered(survivor, duplicate)
        Decision.objects.update_or_create(
            left=left, right=right, defaults={"verdict": Decision.Verdict.SAME, "decided_by": actor}
        )
        record(
            actor=actor,
            action="dedup.merge",
            target=survivor,
            changes={
                "merged": [None, duplicate.pk],
                **{
                    field: [snapshot["survivor"].get(field), _plain(value)]
                    for field, value in values.items()
                },
                "documents": [None, moved],
            },
        )
    return merge


def _plain(value: Any) -> Any:
    """A value as the snapshot (JSON) keeps it: dates in ISO form, decimals as text."""
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def unmerge(*, actor: User, merge: Merge) -> Merge:
    """Restore both individuals exactly as they were before the merge."""
    survivor, duplicate = merge.survivor, merge.merged
    _require_both_visible(actor, Perm.DEDUP_REVIEW, survivor, duplicate)
    if merge.undone_at is not None:
        raise Conflict(_("Cette fusion a déjà été annulée."))
    snapshot = merge.snapshot
    with transaction.atomic():
        survivor = Individual.objects.select_for_update().get(pk=survivor.pk)
        duplicate = Individual.objects.select_for_update().get(pk=duplicate.pk)
        _restore(survivor, snapshot["survivor"])
        _restore(duplicate, snapshot["merged"])
        for person in (survivor, duplicate):
            person.version = F("version") + 1
            person.save()
        IdentityDocument.objects.filter(pk__in=snapshot["documents"]).update(individual=duplicate)
        _unfollow(Individual, duplicate, snapshot["references"])
        merge.undone_at, merge.undone_by = timezone.now(), actor
        merge.save(update_fields=["undone_at", "undone_by"])
        record(
            actor=actor,
            action="dedup.unmerge",
            target=survivor,
            changes={"merged": [duplicate.pk, None], "documents": [snapshot["documents"], None]},
        )
    return merge


# ---------------------------------------------------------------------------------------------
# Household merge

# Household attributes the surviving household takes from the duplicate when its own are blank.
HOUSEHOLD_FILLED = (
    "latitude", "longitude", "roof", "wall", "floor", "water_source", "toilet", "lighting",
    "cooking_fuel", "displaced_on",
)  # fmt: skip
HOUSEHOLD_KEPT = (*HOUSEHOLD_FILLED, "status", "status_reason")


def member_pairs(survivor: Household, duplicate: Household) -> list[tuple[Individual, Individual]]:
    """Members of the two households the current run says are the same people, one to one,
    best first: the survivor's member, then the duplicate's."""
    run = current_run()
    if run is None:
        return []
    candidates = (
        run.candidates.filter(
            Q(left__household=survivor, right__household=duplicate)
            | Q(left__household=duplicate, right__household=survivor)
        )
        .select_related("left", "right")
        .order_by("-probability")
    )
    pairs: list[tuple[Individual, Individual]] = []
    taken: set[int] = set()
    for pair in candidates:
        kept, other = (
            (pair.left, pair.right)
            if pair.left.household_id == survivor.pk
            else (pair.right, pair.left)
        )
        if {kept.pk, other.pk} & taken or Individual.Status.MERGED in (kept.status, other.status):
            continue
        taken.update((kept.pk, other.pk))
        pairs.append((kept, other))
    return pairs


def _household_values(household: Household) -> dict[str, Any]:
    return {field: _plain(getattr(household, field)) for field in HOUSEHOLD_KEPT}


def _move_member(person_id: int, household: Household, relationship: str) -> None:
    Individual.objects.filter(pk=person_id).update(
        household=household, relationship=relationship, version=F("version") + 1
    )
    # The search index carries the household, so a moved member is found under it.
    NameToken.objects.filter(individual_id=person_id).update(household=household)
    NamePair.objects.filter(individual_id=person_id).update(household=household)


def merge_households(
    *,
    actor: User,
    survivor: Household,
    duplicate: Household,
    pairs: list[tuple[Individual, Individual]] | None = None,
) -> HouseholdMerge:
    """Fold household ``duplicate`` into ``survivor``.

    Members the run paired (or ``pairs``) are merged one by one (golden records as for
    individuals); the duplicate's other living members move to the survivor (a second head
    becomes "other relative"); the survivor's blank attributes are filled from the duplicate,
    which is marked merged. Everything is kept to undo it.
    """
    _require(actor, Perm.DEDUP_REVIEW)
    if not (can(actor, Perm.REGISTRY_VIEW, survivor) and can(actor, Perm.REGISTRY_VIEW, duplicate)):
        raise NotFound(_("ménage"))
    if survivor.pk == duplicate.pk:
        raise InvalidInput(_("Un ménage ne se fusionne pas avec lui-même."))
    if Household.Status.MERGED in (survivor.status, duplicate.status):
        raise Conflict(_("L'un des deux ménages est déjà fusionné."))
    pairs = member_pairs(survivor, duplicate) if pairs is None else pairs
    for kept, other in pairs:
        if kept.household_id != survivor.pk or other.household_id != duplicate.pk:
            raise InvalidInput(_("Chaque paire doit réunir un membre de chacun des deux ménages."))
    with transaction.atomic():
        survivor = Household.objects.select_for_update().get(pk=survivor.pk)
        duplicate = Household.objects.select_for_update().get(pk=duplicate.pk)
        snapshot: dict[str, Any] = {
            "survivor": _household_values(survivor),
            "merged": _household_values(duplicate),
        }
        merges = [
            merge_individuals(actor=actor, survivor=kept, duplicate=other) for kept, other in pairs
        ]
        merged_ids = {other.pk for _kept, other in pairs}
        moved = []
        staying = duplicate.members.filter(status=Individual.Status.ALIVE).exclude(
            pk__in=merged_ids
        )
        for person_id, relationship in staying.values_list("pk", "relationship"):
            moved.append([person_id, relationship])
            head = Individual.Relationship.HEAD
            _move_member(
                person_id,
                survivor,
                Individual.Relationship.OTHER_RELATIVE if relationship == head else relationship,
            )
        snapshot["moved"] = moved
        # After the members: an enrolment's recipient moves with their person first.
        snapshot["references"] = _follow(Household, survivor, duplicate)
        for field in HOUSEHOLD_FILLED:
            if getattr(survivor, field) in ("", None) and getattr(duplicate, field) not in (
                "",
                None,
            ):
                setattr(survivor, field, getattr(duplicate, field))
        survivor.version = F("version") + 1
        survivor.save()
        duplicate.status = Household.Status.MERGED
        duplicate.status_reason = _("Doublon du ménage %(code)s") % {"code": survivor.code}
        duplicate.version = F("version") + 1
        duplicate.save()
        household_merge = HouseholdMerge.objects.create(
            survivor=survivor, merged=duplicate, snapshot=snapshot, merged_by=actor
        )
        household_merge.member_merges.set(merges)
        record(
            actor=actor,
            action="dedup.merge_household",
            target=survivor,
            changes={
                "merged_household": [None, duplicate.code],
                "members_merged": [None, [[m.survivor_id, m.merged_id] for m in merges]],
                "members_moved": [None, [person_id for person_id, _rel in moved]],
            },
        )
    return household_merge


def unmerge_households(*, actor: User, merge: HouseholdMerge) -> HouseholdMerge:
    """Restore both households and every member exactly as before the merge."""
    _require(actor, Perm.DEDUP_REVIEW)
    survivor, duplicate = merge.survivor, merge.merged
    if not (can(actor, Perm.REGISTRY_VIEW, survivor) and can(actor, Perm.REGISTRY_VIEW, duplicate)):
        raise NotFound(_("ménage"))
    if merge.undone_at is not None:
        raise Conflict(_("Cette fusion a déjà été annulée."))
    snapshot = merge.snapshot
    with transaction.atomic():
        for member_merge in merge.member_merges.filter(undone_at__isnull=True):
            unmerge(actor=actor, merge=member_merge)
        _unfollow(Household, duplicate, snapshot.get("references", {}))
        for person_id, relationship in snapshot["moved"]:
            _move_member(person_id, duplicate, relationship)
        for household, values in (
            (survivor, snapshot["survivor"]),
            (duplicate, snapshot["merged"]),
        ):
            household = Household.objects.select_for_update().get(pk=household.pk)
            for field, value in values.items():
                if field == "displaced_on" and value:
                    value = date.fromisoformat(value)
                setattr(household, field, value)
            household.version = F("version") + 1
            household.save()
        merge.undone_at, merge.undone_by = timezone.now(), actor
        merge.save(update_fields=["undone_at", "undone_by"])
        record(
            actor=actor,
            action="dedup.unmerge_household",
            target=survivor,
            changes={"merged_household": [duplicate.code, None]},
        )
    return merge


@dataclass(frozen=True)
class Registration:
    """What registering one household through the instant check gave: the household, or
    the possible duplicates the user must look at first."""

    household: Household | None
    possible_duplicates: list[PossibleDuplicate]
    outside_scope: int


def register_after_check(
    *,
    actor: User,
    commune: str,
    household: dict[str, Any],
    members: list[NewMember],
    despite_duplicates: bool = False,
) -> Registration:
    """Register a household typed on the web form, after checking its members against the
    register: with possible duplicates (in the user's scope or not) nothing is written until
    the user confirms they are different people; that confirmation is audited with the
    duplicates shown, and each pair shown is kept as a "different people" label."""
    people = [
        person_to_check(
            index,
            member.values,
            [doc["number"] for doc in member.documents if doc.get("kind") == "nina"],
        )
        for index, member in enumerate(members)
    ]
    found, outside = check_household(actor=actor, commune=commune, members=people)
    if (found or outside) and not despite_duplicates:
        return Registration(None, found, outside)
    with transaction.atomic():
        created = register_household(
            actor=actor, commune=commune, household=household, members=members
        )
        if found:
            # The officer's "other people" is a label like any reviewer's (training, precision).
            typed = list(created.members.order_by("pk"))
            for match in found:
                decide(
                    actor=actor,
                    first=match.individual,
                    second=typed[match.member],
                    verdict=Decision.Verdict.DIFFERENT,
                    note=_("Confirmé à l'enregistrement du ménage %(code)s.")
                    % {"code": created.code},
                )
        if found or outside:
            record(
                actor=actor,
                action="dedup.registered_despite_duplicates",
                target=created,
                changes={
                    "shown": [None, [match.individual.pk for match in found]],
                    "outside_scope": [None, outside],
                },
            )
    return Registration(created, found, outside)
