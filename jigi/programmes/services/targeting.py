"""PMT formulas, targeting runs (simulations), adoption of a list and its community validation."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.accounts.roles import Perm
from jigi.audit.services import record
from jigi.core.errors import Conflict, InvalidInput
from jigi.core.jobs import JobStopped, Progress, job_kind, start_job
from jigi.core.models import Job
from jigi.programmes import targeting
from jigi.programmes.models import (
    Formula,
    HouseholdScore,
    Programme,
    TargetingRun,
)
from jigi.programmes.services.common import (
    Actor,
    require_household,
    require_manage,
)
from jigi.registry.models import Household, Individual

# ---------------------------------------------------------------------------------------------
# Formulas and targeting


def create_formula(
    *,
    actor: Actor,
    programme: Programme,
    name: str,
    intercept: Any,
    terms: list[dict[str, Any]],
    note: str = "",
) -> Formula:
    """Save a new version of the programme's PMT formula (formulas are never edited)."""
    require_manage(actor, programme)
    cleaned = targeting.clean_terms(terms)
    constant = targeting.parse_number(intercept if intercept not in (None, "") else 0)
    if constant is None:
        raise InvalidInput(
            _("La constante doit être un nombre."), {"intercept": [_("Nombre attendu.")]}
        )
    if not name.strip():
        raise InvalidInput(_("Nom de formule obligatoire."), {"name": [_("Nom obligatoire.")]})
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=programme.pk)
        number = (programme.formulas.aggregate(top=Max("number"))["top"] or 0) + 1
        formula = Formula.objects.create(
            programme=programme,
            number=number,
            name=name.strip()[:120],
            intercept=constant,
            terms=[term.as_json() for term in cleaned],
            note=note.strip()[:300],
            created_by=actor,
        )
        record(
            actor=actor,
            action="programmes.formula",
            target=programme,
            changes={"formula": [None, {"number": number, "terms": formula.terms}]},
        )
    return formula


def start_targeting(
    *,
    actor: Actor,
    programme: Programme,
    formula: Formula | None = None,
    cutoff: float | None = None,
    criteria: dict[str, Any] | None = None,
    communes: list[str] | None = None,
    enqueue: bool = True,
) -> TargetingRun:
    """Queue a targeting run (a simulation until adopted) as a job with progress."""
    require_manage(actor, programme)
    formula = formula or programme.formulas.order_by("-number").first()
    if formula is None:
        raise InvalidInput(_("Ce programme n'a pas encore de formule PMT."))
    if formula.programme_id != programme.pk:
        raise InvalidInput(_("Cette formule appartient à un autre programme."))
    cleaned = targeting.clean_criteria(criteria)
    covered = set(programme.coverage.values_list("commune_id", flat=True))
    if not covered:
        raise InvalidInput(_("Ce programme ne couvre encore aucune commune."))
    outside = sorted(set(communes or []) - covered)
    if outside:
        raise InvalidInput(
            _("Communes hors de la couverture du programme : %(codes)s.")
            % {"codes": ", ".join(outside)},
            {"communes": [_("Choisissez des communes couvertes par le programme.")]},
        )
    if cutoff is not None and targeting.parse_number(cutoff) is None:
        raise InvalidInput(_("Le seuil doit être un nombre."), {"cutoff": [_("Nombre attendu.")]})
    with transaction.atomic():
        run = TargetingRun.objects.create(
            programme=programme,
            formula=formula,
            cutoff=None if cutoff is None else float(cutoff),
            criteria={**cleaned, "communes": sorted(communes or [])},
            created_by=actor,
        )
        run.job = start_job(
            actor=actor, kind="programmes.targeting", params={"run": run.pk}, enqueue=enqueue
        )
        run.save(update_fields=["job"])
    return run


HISTOGRAM_BINS = 20


def compute_run(
    run: TargetingRun, *, progress: Progress | None = None, on: date | None = None
) -> TargetingRun:
    """Score the run's coverage (again, if it was interrupted) and summarise it per commune."""
    if progress:
        progress.start(3, _("Calcul des scores"))
    formula = run.formula
    plan = targeting.Plan(
        intercept=formula.intercept,
        terms=targeting.clean_terms(formula.terms),
        criteria={"all": run.criteria.get("all", []), "any": run.criteria.get("any", [])},
        cutoff=run.cutoff,
        communes=run.criteria.get("communes") or None,
    )
    with transaction.atomic():
        HouseholdScore.objects.filter(run=run).delete()
        scored = targeting.score_run(
            run_id=run.pk, programme_id=run.programme_id, plan=plan, on=on or timezone.localdate()
        )
        if progress:
            progress.update(2, _("Synthèse par commune"))
        run.summary = {"households": scored, **_summary(run)}
        run.status = TargetingRun.Status.READY
        run.error = ""
        run.save(update_fields=["summary", "status", "error"])
    if progress:
        progress.update(3, _("Terminé"), force=True)
    return run


def _summary(run: TargetingRun) -> dict[str, Any]:
    """Per commune: scored, eligible, selected and the quota; the scores' spread."""
    rows = list(
        HouseholdScore.objects.filter(run=run)
        .values("commune_id")
        .annotate(
            scored=Count("id"),
            eligible=Count("id", filter=Q(is_eligible=True)),
            selected=Count("id", filter=Q(is_selected=True)),
            low=Min("score"),
            high=Max("score"),
        )
        .order_by("commune_id")
    )
    quotas = dict(run.programme.coverage.values_list("commune_id", "quota"))
    communes = [
        {
            "commune": row["commune_id"],
            "scored": row["scored"],
            "eligible": row["eligible"],
            "selected": row["selected"],
            "quota": quotas.get(row["commune_id"]),
        }
        for row in rows
    ]
    # The spread comes with the communes' counts (one pass); the histogram is the second.
    lows = [row["low"] for row in rows if row["low"] is not None]
    highs = [row["high"] for row in rows if row["high"] is not None]
    low, high = (min(lows), max(highs)) if lows else (None, None)
    bins: list[int] = [0] * HISTOGRAM_BINS
    if low is not None and high is not None:
        bins = targeting.histogram(run.pk, low, high, HISTOGRAM_BINS)
    return {
        "communes": communes,
        "eligible": sum(row["eligible"] for row in communes),
        "selected": sum(row["selected"] for row in communes),
        "histogram": {"low": low, "high": high, "bins": bins},
    }


@job_kind(
    "programmes.targeting",
    label=gettext_lazy("Ciblage (calcul des scores PMT)"),
    permission=Perm.PROGRAMMES_MANAGE,
)
def _targeting_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = TargetingRun.objects.select_related("formula", "programme").get(pk=job.params["run"])
    try:
        compute_run(run, progress=progress)
    except JobStopped:
        # Cancelled: the run says so. Taken over by another worker: that worker finishes it.
        if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
            TargetingRun.objects.filter(pk=run.pk, status=TargetingRun.Status.COMPUTING).update(
                status=TargetingRun.Status.FAILED, error=_("Annulé à la demande.")
            )
        raise
    except Exception as exc:  # whatever stopped it, the run must not stay "computing"
        error = exc.full_message() if isinstance(exc, InvalidInput) else str(exc)
        TargetingRun.objects.filter(pk=run.pk).update(
            status=TargetingRun.Status.FAILED, error=error[:2000]
        )
        raise
    return {
        "run": run.pk,
        "households": run.summary["households"],
        "eligible": run.summary["eligible"],
        "selected": run.summary["selected"],
    }


def adopt_run(*, actor: Actor, run: TargetingRun) -> TargetingRun:
    """Make a simulation the programme's list: its selected households await the community's
    validation; a list adopted before is superseded (its decisions are kept)."""
    require_manage(actor, run.programme)
    if run.status != TargetingRun.Status.READY:
        raise InvalidInput(
            _("Seule une simulation terminée s'adopte (celle-ci est « %(status)s »).")
            % {"status": run.get_status_display()}
        )
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=run.programme_id)
        previous = TargetingRun.objects.filter(
            programme_id=run.programme_id, status=TargetingRun.Status.ADOPTED
        )
        superseded = list(previous.values_list("pk", flat=True))
        previous.update(status=TargetingRun.Status.SUPERSEDED)
        updated = TargetingRun.objects.filter(pk=run.pk, status=TargetingRun.Status.READY).update(
            status=TargetingRun.Status.ADOPTED, adopted_by=actor, adopted_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("Cette simulation a changé entre-temps."))
        HouseholdScore.objects.filter(run=run, is_selected=True).update(
            validation=HouseholdScore.Validation.PENDING
        )
        record(
            actor=actor,
            action="programmes.adopt_run",
            target=run.programme,
            changes={"run": [superseded[0] if superseded else None, run.pk]},
        )
    run.refresh_from_db()
    return run


def validate_household(
    *, actor: Actor, score: HouseholdScore, validated: bool, reason: str = ""
) -> HouseholdScore:
    """Record the community's decision on one listed household; a rejection needs a reason."""
    household = score.household
    require_household(actor, Perm.PROGRAMMES_VALIDATE, household)
    if score.run.status != TargetingRun.Status.ADOPTED:
        raise InvalidInput(_("Cette liste n'est plus celle du programme (ciblage remplacé)."))
    if score.validation == HouseholdScore.Validation.NONE:
        raise InvalidInput(_("Ce ménage n'est pas sur la liste à valider."))
    if not validated and not reason.strip():
        raise InvalidInput(
            _("Un rejet se motive."), {"reason": [_("Motif obligatoire pour un rejet.")]}
        )
    decision = (
        HouseholdScore.Validation.VALIDATED if validated else HouseholdScore.Validation.REJECTED
    )
    with transaction.atomic():
        before = score.validation
        HouseholdScore.objects.filter(pk=score.pk).update(
            validation=decision,
            validation_reason=reason.strip()[:300],
            validated_by=actor,
            validated_at=timezone.now(),
        )
        record(
            actor=actor,
            action="programmes.validate",
            target=household,
            changes={"validation": [before, decision], "reason": [None, reason.strip()[:300]]},
        )
        if not validated:
            notify_exclusion(score)
    score.refresh_from_db()
    return score


# Issue 8 (grievances) registers here how an exclusion becomes a complaint the household may
# appeal; until then a rejection is kept with its reason on the list and in the audit log.
EXCLUSION_LISTENERS: list[Any] = []


def notify_exclusion(score: HouseholdScore) -> None:
    """The one call site for exclusion appeals: each listener gets the rejected list entry."""
    for listener in EXCLUSION_LISTENERS:
        listener(score)


def add_community_household(
    *, actor: Actor, run: TargetingRun, household: Household, reason: str
) -> HouseholdScore:
    """A household the community proposes: on the list with its reason, marked as an addition."""
    require_household(actor, Perm.PROGRAMMES_VALIDATE, household)
    if run.status != TargetingRun.Status.ADOPTED:
        raise InvalidInput(_("On ajoute des ménages à la liste adoptée seulement."))
    if not reason.strip():
        raise InvalidInput(
            _("Un ajout de la communauté se motive."), {"reason": [_("Motif obligatoire.")]}
        )
    if household.status != Household.Status.ACTIVE:
        raise InvalidInput(_("Ce ménage n'est pas actif dans le registre."))
    if not run.programme.coverage.filter(commune_id=household.commune_id).exists():
        raise InvalidInput(
            _("Le ménage %(code)s est hors de la couverture du programme.")
            % {"code": household.code}
        )
    with transaction.atomic():
        score, _created = HouseholdScore.objects.select_for_update().get_or_create(
            run=run,
            household=household,
            defaults={
                "commune_id": household.commune_id,
                "size": household.members.filter(status=Individual.Status.ALIVE).count(),
            },
        )
        if score.validation != HouseholdScore.Validation.NONE:
            raise InvalidInput(
                _("Le ménage %(code)s est déjà sur la liste.") % {"code": household.code}
            )
        score.validation = HouseholdScore.Validation.VALIDATED
        score.is_community_addition = True
        score.validation_reason = reason.strip()[:300]
        score.validated_by = actor
        score.validated_at = timezone.now()
        score.save()
        record(
            actor=actor,
            action="programmes.community_addition",
            target=household,
            changes={"run": [None, run.pk], "reason": [None, score.validation_reason]},
        )
    return score
