"""Programmes over the API: same services, selectors and scope rules as the web pages.

Programmes, their formulas and runs are public rules every reader may see; list entries
(scores) and enrolments are limited to the caller's scope, others answer 404."""

from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jigi.accounts.models import User
from jigi.accounts.policy import has_perm
from jigi.accounts.roles import Perm
from jigi.core.api import Pagination
from jigi.core.errors import Forbidden, InvalidInput, NotFound
from jigi.core.models import Job
from jigi.core.schemas import JobOut
from jigi.programmes import selectors, services
from jigi.programmes.models import (
    EmergencyResponse,
    Enrolment,
    Formula,
    HouseholdScore,
    Programme,
    TargetingRun,
)
from jigi.programmes.schemas import (
    AdditionIn,
    BulkEnrolIn,
    EmergencyOut,
    EnrolIn,
    EnrolmentDetailOut,
    EnrolmentOut,
    ExpansionIn,
    FormulaIn,
    FormulaOut,
    ListDecisionIn,
    ProgrammeIn,
    ProgrammeOut,
    ProgrammeSummaryOut,
    ProgrammeUpdateIn,
    RecipientIn,
    RunIn,
    RunOut,
    ScoreOut,
    StatusIn,
    TopUpIn,
)
from jigi.registry.selectors import get_household_for, get_member_for

router = Router(tags=["programmes"])


def _user(request: HttpRequest, perm: str = Perm.PROGRAMMES_VIEW) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not has_perm(user, perm):
        raise Forbidden(_("Votre rôle ne permet pas cette action sur les programmes."))
    return user


def _lines(
    payload: ProgrammeIn,
) -> tuple[list[services.CoverageLine], list[services.FundingLine]]:
    coverage = [services.CoverageLine(line.commune, line.quota) for line in payload.coverage]
    funding = [
        services.FundingLine(line.funding_source, line.amount_xof) for line in payload.funding
    ]
    return coverage, funding


# ---------------------------------------------------------------------------------------------
# Programmes


class ProgrammeQuery(Schema):
    status: str = ""
    kind: str = ""


@router.get("/programmes", response=list[ProgrammeSummaryOut])
@paginate(Pagination)
def list_programmes(request: HttpRequest, filters: Query[ProgrammeQuery]) -> QuerySet[Programme]:
    """Every programme (their rules are public), by name; filter by `status` and `kind`."""
    return selectors.programmes_for(_user(request), status=filters.status, kind=filters.kind)


@router.get("/programmes/{code}", response=ProgrammeOut)
def get_programme(request: HttpRequest, code: str) -> Programme:
    """A programme's rules, coverage with quotas, and funding."""
    return selectors.get_programme_for(_user(request), code)


@router.post("/programmes", response={201: ProgrammeOut})
def create_programme(request: HttpRequest, payload: ProgrammeIn) -> Status[Programme]:
    """Define a programme (a draft until launched). Every commune must be in your scope; errors
    name each field (`coverage.1` for the second commune)."""
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    coverage, funding = _lines(payload)
    created = services.create_programme(
        actor=user, values=payload.values(), coverage=coverage, funding=funding
    )
    return Status(201, selectors.get_programme_for(user, created.code))


@router.put("/programmes/{code}", response=ProgrammeOut)
def update_programme(request: HttpRequest, code: str, payload: ProgrammeUpdateIn) -> Programme:
    """Replace a programme's rules at the version you read (409 if it changed meanwhile). Once
    launched, a change needs a `reason`, keeps the previous rules as a version, and the code
    is frozen. Your scope must cover all of its communes, before and after."""
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    coverage, funding = _lines(payload)
    saved = services.update_programme(
        actor=user,
        programme=programme,
        version=payload.version,
        values=payload.values(),
        coverage=coverage,
        funding=funding,
        reason=payload.reason,
    )
    return selectors.get_programme_for(user, saved.code)


@router.post("/programmes/{code}/launch", response=ProgrammeOut)
def launch_programme(request: HttpRequest, code: str) -> Programme:
    """Open a draft to targeting results and enrolment; its rules become version 1."""
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    services.launch_programme(actor=user, programme=programme)
    return selectors.get_programme_for(user, code)


# ---------------------------------------------------------------------------------------------
# Formulas and targeting


@router.get("/programmes/{code}/formulas", response=list[FormulaOut])
@paginate(Pagination)
def list_formulas(request: HttpRequest, code: str) -> QuerySet[Formula]:
    """The programme's PMT formulas, newest version first (a formula is never edited)."""
    programme = selectors.get_programme_for(_user(request), code)
    return programme.formulas.order_by("-number")


@router.post("/programmes/{code}/formulas", response={201: FormulaOut})
def create_formula(request: HttpRequest, code: str, payload: FormulaIn) -> Status[Formula]:
    """Save the next version of the PMT formula: score = intercept + Σ weight × transform(variable).
    Errors name the term (`terms.0`) and the variables or values allowed."""
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    formula = services.create_formula(
        actor=user,
        programme=programme,
        name=payload.name,
        intercept=payload.intercept,
        terms=[term.dict() for term in payload.terms],
        note=payload.note,
    )
    return Status(201, formula)


def _formula(programme: Programme, number: int | None) -> Formula | None:
    if number is None:
        return None  # the service takes the latest
    formula = programme.formulas.filter(number=number).first()
    if formula is None:
        raise InvalidInput(
            _("Ce programme n'a pas de formule version %(number)s.") % {"number": number},
            {"formula": [_("Formule inconnue.")]},
        )
    return formula


@router.post("/programmes/{code}/runs", response={202: RunOut})
def start_run(request: HttpRequest, code: str, payload: RunIn) -> Status[TargetingRun]:
    """Queue a targeting run (a simulation until adopted) as a job; poll `GET /jobs/{job}`.
    Eligible: meets the criteria and scores at or below the cut-off (low is poor); in each
    commune the lowest scores are selected up to its quota."""
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    run = services.start_targeting(
        actor=user,
        programme=programme,
        formula=_formula(programme, payload.formula),
        cutoff=payload.cutoff,
        criteria=payload.criteria.dict() if payload.criteria else None,
        communes=payload.communes,
    )
    return Status(202, selectors.get_run_for(user, programme, run.pk))


@router.get("/programmes/{code}/runs", response=list[RunOut])
@paginate(Pagination)
def list_runs(request: HttpRequest, code: str) -> QuerySet[TargetingRun]:
    """The programme's targeting runs, newest first, with their summary per commune."""
    programme = selectors.get_programme_for(_user(request), code)
    return selectors.runs_of(programme)


@router.get("/programmes/{code}/runs/{run_id}", response=RunOut)
def get_run(request: HttpRequest, code: str, run_id: int) -> TargetingRun:
    """A run's status and, once computed, households scored, eligible and selected per
    commune against its quota."""
    user = _user(request)
    return selectors.get_run_for(user, selectors.get_programme_for(user, code), run_id)


@router.post("/programmes/{code}/runs/{run_id}/adopt", response=RunOut)
def adopt_run(request: HttpRequest, code: str, run_id: int) -> TargetingRun:
    """Make a computed simulation the programme's list: its selected households await the
    community's validation; the list adopted before is superseded."""
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    run = selectors.get_run_for(user, programme, run_id)
    services.adopt_run(actor=user, run=run)
    return selectors.get_run_for(user, programme, run_id)


class ScoreQuery(Schema):
    commune: str = ""
    selected_only: bool = False
    validation: str = Field("", description="pending, validated or rejected")


@router.get("/programmes/{code}/runs/{run_id}/scores", response=list[ScoreOut])
@paginate(Pagination)
def list_scores(
    request: HttpRequest, code: str, run_id: int, filters: Query[ScoreQuery]
) -> QuerySet[HouseholdScore]:
    """The run's households in your scope, by commune and rank (lowest score first)."""
    user = _user(request)
    run = selectors.get_run_for(user, selectors.get_programme_for(user, code), run_id)
    return selectors.scores_for(user, run, selectors.ScoreFilters(**filters.dict()))


def _adopted(programme: Programme) -> TargetingRun:
    run = selectors.adopted_run(programme)
    if run is None:
        raise NotFound(_("liste"))
    return run


@router.post("/programmes/{code}/list/{score_id}/decision", response=ScoreOut)
def decide(
    request: HttpRequest, code: str, score_id: int, payload: ListDecisionIn
) -> HouseholdScore:
    """Record the community's decision on a household of the adopted list (in your scope);
    a rejection needs a reason."""
    user = _user(request, Perm.PROGRAMMES_VALIDATE)
    run = _adopted(selectors.get_programme_for(user, code))
    score = selectors.scores_for(user, run).filter(pk=score_id).first()
    if score is None:
        raise NotFound(_("ménage"))
    return services.validate_household(
        actor=user, score=score, validated=payload.validated, reason=payload.reason
    )


@router.post("/programmes/{code}/list/additions", response={201: ScoreOut})
def add_household(request: HttpRequest, code: str, payload: AdditionIn) -> Status[HouseholdScore]:
    """Add a household the community proposes to the adopted list (validated, marked as an
    addition, with its reason). The household must be in your scope and the coverage."""
    user = _user(request, Perm.PROGRAMMES_VALIDATE)
    run = _adopted(selectors.get_programme_for(user, code))
    score = services.add_community_household(
        actor=user,
        run=run,
        household=get_household_for(user, payload.household),
        reason=payload.reason,
    )
    return Status(201, score)


# ---------------------------------------------------------------------------------------------
# Enrolment


class EnrolmentQuery(Schema):
    programme: str = Field("", description="a programme's code")
    status: str = Field("", description="active, suspended, exited or graduated")
    commune: str = Field("", description="a commune's P-code")


@router.get("/enrolments", response=list[EnrolmentOut])
@paginate(Pagination)
def list_enrolments(request: HttpRequest, filters: Query[EnrolmentQuery]) -> QuerySet[Enrolment]:
    """Enrolments of households in your scope."""
    return selectors.enrolments_for(_user(request), selectors.EnrolmentFilters(**filters.dict()))


@router.get("/enrolments/{enrolment_id}", response=EnrolmentDetailOut)
def get_enrolment(request: HttpRequest, enrolment_id: int) -> Enrolment:
    """An enrolment with its history and emergency top-ups."""
    return selectors.get_enrolment_for(_user(request), enrolment_id)


@router.post("/programmes/{code}/enrolments", response={201: EnrolmentDetailOut})
def enrol(request: HttpRequest, code: str, payload: EnrolIn) -> Status[Enrolment]:
    """Enrol one household of your scope in a launched programme, for the programme's duration.
    A household has at most one open (active or suspended) enrolment per programme."""
    user = _user(request, Perm.PROGRAMMES_ENROL)
    programme = selectors.get_programme_for(user, code)
    enrolment = services.enrol_household(
        actor=user,
        programme=programme,
        household=get_household_for(user, payload.household),
        start_on=payload.start_on,
        recipient=get_member_for(user, payload.recipient) if payload.recipient else None,
        alternate=get_member_for(user, payload.alternate) if payload.alternate else None,
        channel=payload.channel,
        payment_number=payload.payment_number,
    )
    return Status(201, selectors.get_enrolment_for(user, enrolment.pk))


@router.post("/programmes/{code}/enrolments/bulk", response={202: JobOut})
def bulk_enrol(request: HttpRequest, code: str, payload: BulkEnrolIn) -> Status[Job]:
    """Queue the enrolment of every validated household of the adopted list not yet enrolled,
    in your scope; poll `GET /jobs/{id}` for the count enrolled and those refused, with why."""
    user = _user(request, Perm.PROGRAMMES_ENROL)
    programme = selectors.get_programme_for(user, code)
    job = services.start_bulk_enrolment(actor=user, programme=programme, start_on=payload.start_on)
    return Status(202, job)


@router.post("/enrolments/{enrolment_id}/status", response=EnrolmentDetailOut)
def change_status(request: HttpRequest, enrolment_id: int, payload: StatusIn) -> Enrolment:
    """Suspend, reactivate, exit or graduate an enrolment at the version you read, with a date
    and a reason (409 if it changed meanwhile)."""
    user = _user(request, Perm.PROGRAMMES_ENROL)
    enrolment = selectors.get_enrolment_for(user, enrolment_id)
    services.change_enrolment_status(
        actor=user,
        enrolment=enrolment,
        event=payload.event,
        on=payload.on,
        reason=payload.reason,
        version=payload.version,
    )
    return selectors.get_enrolment_for(user, enrolment_id)


@router.post("/enrolments/{enrolment_id}/recipient", response=EnrolmentDetailOut)
def change_recipient(request: HttpRequest, enrolment_id: int, payload: RecipientIn) -> Enrolment:
    """Name another recipient (an adult present member) and how they are paid, at the version
    you read, with a reason."""
    user = _user(request, Perm.PROGRAMMES_ENROL)
    enrolment = selectors.get_enrolment_for(user, enrolment_id)
    services.change_recipient(
        actor=user,
        enrolment=enrolment,
        recipient=get_member_for(user, payload.recipient),
        alternate=get_member_for(user, payload.alternate) if payload.alternate else None,
        channel=payload.channel,
        payment_number=payload.payment_number,
        on=payload.on,
        reason=payload.reason,
        version=payload.version,
    )
    return selectors.get_enrolment_for(user, enrolment_id)


# ---------------------------------------------------------------------------------------------
# Emergency response (Component 4)


@router.post("/programmes/{code}/emergencies", response={201: EmergencyOut})
def respond_to_emergency(
    request: HttpRequest,
    code: str,
    payload: Annotated[TopUpIn | ExpansionIn, Field(discriminator="kind")],
) -> Status[EmergencyResponse]:
    """After a shock, in communes of the coverage (all in your scope): `top_up` pays every
    active enrolment `amount_xof` more for `cycles` payments; `expansion` enrols the next-ranked
    eligible households of the adopted list, up to `extra_quota` per commune, until `ends_on`.
    All of it or nothing."""
    user = _user(request, Perm.PROGRAMMES_MANAGE)
    programme = selectors.get_programme_for(user, code)
    if isinstance(payload, TopUpIn):
        response = services.emergency_top_up(
            actor=user,
            programme=programme,
            communes=payload.communes,
            shock=payload.shock,
            amount_xof=payload.amount_xof,
            cycles=payload.cycles,
            ends_on=payload.ends_on,
        )
    else:
        response = services.emergency_expansion(
            actor=user,
            programme=programme,
            communes=payload.communes,
            shock=payload.shock,
            extra_quota=payload.extra_quota,
            start_on=payload.start_on,
            ends_on=payload.ends_on,
        )
    return Status(201, response)
