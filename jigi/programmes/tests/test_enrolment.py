"""Enrolment: who may be enrolled, the one-open-enrolment rule, status changes, recipients,
bulk enrolment of a validated list and the emergency response."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from jigi.accounts.models import User
from jigi.core.errors import InvalidInput, NotFound
from jigi.core.jobs import execute_job
from jigi.core.models import Job
from jigi.programmes import services
from jigi.programmes.models import (
    EmergencyResponse,
    Enrolment,
    EnrolmentEvent,
    HouseholdScore,
    Programme,
    ProgrammeVersion,
    TargetingRun,
    TopUp,
)
from jigi.programmes.tests.factories import (
    KAYES_COMMUNE,
    KITA_COMMUNE,
    household,
    make_formula,
    make_programme,
)
from jigi.registry.models import Individual
from jigi.registry.tests.factories import IndividualFactory

pytestmark = pytest.mark.django_db
START = date(2027, 1, 1)


def adopted(programme: Programme) -> TargetingRun:
    make_formula(programme)
    run = services.start_targeting(actor=None, programme=programme, enqueue=False)
    return services.adopt_run(actor=None, run=services.compute_run(run, on=date(2026, 12, 1)))


def test_enrolment_runs_for_the_programme_duration_with_the_head_as_recipient(areas: None) -> None:
    programme = make_programme()
    family = household(head={"phone": "+22376123456"})
    enrolment = services.enrol_household(
        actor=None, programme=programme, household=family, start_on=START
    )
    assert enrolment.planned_end_on == date(2030, 1, 1)  # 36 months
    assert enrolment.recipient.relationship == Individual.Relationship.HEAD
    assert enrolment.alternate is not None
    assert enrolment.alternate.relationship == "spouse"
    assert (enrolment.channel, enrolment.payment_number) == ("mobile_money", "+22376123456")
    assert [event.kind for event in enrolment.events.all()] == [EnrolmentEvent.Kind.ENROLLED]


def test_a_household_is_enrolled_once_per_programme_even_bypassing_the_service(
    areas: None,
) -> None:
    programme = make_programme()
    family = household()
    first = services.enrol_household(
        actor=None, programme=programme, household=family, start_on=START
    )
    with pytest.raises(InvalidInput, match="déjà inscrit"):
        services.enrol_household(actor=None, programme=programme, household=family, start_on=START)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            programme=programme,
            household=family,
            start_on=START,
            planned_end_on=date(2028, 1, 1),
            recipient=first.recipient,
            channel="cash_point",
        )


def test_enrolment_outside_the_coverage_or_of_a_child_only_household_is_refused(
    areas: None,
) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: None})
    with pytest.raises(InvalidInput, match="hors de la couverture"):
        services.enrol_household(
            actor=None,
            programme=programme,
            household=household(commune=KITA_COMMUNE),
            start_on=START,
        )
    orphans = household(head={"birth_date": date(2012, 1, 1)}, is_child_headed=True)
    orphans.members.exclude(relationship="head").delete()
    with pytest.raises(InvalidInput) as refused:
        services.enrol_household(actor=None, programme=programme, household=orphans, start_on=START)
    assert "adulte" in str(refused.value.errors["recipient"])
    assert not Enrolment.objects.exists()


def test_draft_programmes_do_not_enrol(areas: None) -> None:
    programme = make_programme(launch=False)
    with pytest.raises(InvalidInput, match="lancé"):
        services.enrol_household(
            actor=None, programme=programme, household=household(), start_on=START
        )


def test_overlapping_periods_for_the_same_household_are_refused(areas: None) -> None:
    programme = make_programme()
    family = household()
    enrolment = services.enrol_household(
        actor=None, programme=programme, household=family, start_on=START
    )
    services.change_enrolment_status(
        actor=None,
        enrolment=enrolment,
        event="exited",
        on=date(2027, 6, 1),
        reason="Sortie volontaire",
    )
    with pytest.raises(InvalidInput, match="chevauche"):
        services.enrol_household(
            actor=None, programme=programme, household=family, start_on=date(2027, 3, 1)
        )
    again = services.enrol_household(
        actor=None, programme=programme, household=family, start_on=date(2027, 7, 1)
    )
    assert again.is_open


def test_status_changes_follow_the_transitions_table_with_reason_and_history(areas: None) -> None:
    programme = make_programme()
    enrolment = services.enrol_household(
        actor=None, programme=programme, household=household(), start_on=START
    )
    with pytest.raises(InvalidInput):
        services.change_enrolment_status(
            actor=None, enrolment=enrolment, event="suspended", on=date(2027, 2, 1), reason=" "
        )
    enrolment = services.change_enrolment_status(
        actor=None,
        enrolment=enrolment,
        event="suspended",
        on=date(2027, 2, 1),
        reason="Non-respect des conditionnalités",
    )
    with pytest.raises(InvalidInput, match="pas possible"):
        services.change_enrolment_status(
            actor=None,
            enrolment=enrolment,
            event="graduated",
            on=date(2027, 3, 1),
            reason="Graduation",
        )
    enrolment = services.change_enrolment_status(
        actor=None,
        enrolment=enrolment,
        event="reactivated",
        on=date(2027, 3, 1),
        reason="Conditionnalités de nouveau respectées",
    )
    enrolment = services.change_enrolment_status(
        actor=None,
        enrolment=enrolment,
        event="graduated",
        on=date(2029, 12, 1),
        reason="Fin du cycle",
    )
    assert (enrolment.status, enrolment.ended_on) == ("graduated", date(2029, 12, 1))
    assert list(enrolment.events.values_list("kind", flat=True)) == [
        "enrolled",
        "suspended",
        "reactivated",
        "graduated",
    ]


def test_recipient_changes_when_the_head_dies(areas: None) -> None:
    programme = make_programme()
    family = household()
    enrolment = services.enrol_household(
        actor=None, programme=programme, household=family, start_on=START
    )
    widow = enrolment.alternate
    assert widow is not None
    child = IndividualFactory.create(
        household=family, given_names="Sali", birth_date=date(2015, 1, 1), relationship="child"
    )
    with pytest.raises(InvalidInput) as refused:
        services.change_recipient(
            actor=None,
            enrolment=enrolment,
            recipient=child,
            alternate=None,
            channel="cash_point",
            payment_number="",
            on=date(2027, 5, 1),
            reason="Décès du chef de ménage",
        )
    assert "moins de 18" in refused.value.errors["recipient"][0]
    enrolment = services.change_recipient(
        actor=None,
        enrolment=enrolment,
        recipient=widow,
        alternate=None,
        channel="mobile_money",
        payment_number="76 12 34 57",
        on=date(2027, 5, 1),
        reason="Décès du chef de ménage",
    )
    assert enrolment.recipient == widow
    assert enrolment.payment_number == "+22376123457"
    assert enrolment.events.last().kind == EnrolmentEvent.Kind.RECIPIENT_CHANGED  # type: ignore[union-attr]


def test_bulk_enrolment_job_enrols_the_validated_list_once(areas: None, administrator) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(quotas={KAYES_COMMUNE: 2})
    first, second, third = household(children=3), household(children=2), household()
    run = adopted(programme)
    entries = {row.household_id: row for row in run.scores.all()}
    services.validate_household(actor=None, score=entries[first.pk], validated=True)
    services.validate_household(
        actor=None, score=entries[second.pk], validated=False, reason="Ménage inconnu au village"
    )
    services.add_community_household(actor=None, run=run, household=third, reason="Veuve")
    job = services.start_bulk_enrolment(actor=administrator, programme=programme, start_on=START)
    job = execute_job(str(job.pk))
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.result or {})["enrolled"] == 2
    enrolled = set(programme.enrolments.values_list("household_id", flat=True))
    assert enrolled == {first.pk, third.pk}
    again = execute_job(
        str(
            services.start_bulk_enrolment(
                actor=administrator, programme=programme, start_on=START
            ).pk
        )
    )
    assert (again.result or {})["enrolled"] == 0
    assert programme.enrolments.count() == 2


def test_enrolments_outside_the_scope_are_not_found(areas: None, outsider) -> None:  # type: ignore[no-untyped-def]
    from jigi.programmes.selectors import enrolments_for, get_enrolment_for

    programme = make_programme()
    enrolment = services.enrol_household(
        actor=None, programme=programme, household=household(), start_on=START
    )
    assert not enrolments_for(outsider).exists()
    with pytest.raises(NotFound):
        get_enrolment_for(outsider, enrolment.pk)
    with pytest.raises(NotFound):
        services.change_enrolment_status(
            actor=outsider, enrolment=enrolment, event="suspended", on=START, reason="x"
        )


def test_top_up_adds_an_amount_for_enrolled_households_of_the_shocked_communes(
    areas: None,
) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: None, KITA_COMMUNE: None})
    hit = services.enrol_household(
        actor=None, programme=programme, household=household(), start_on=START
    )
    services.enrol_household(
        actor=None, programme=programme, household=household(commune=KITA_COMMUNE), start_on=START
    )
    with pytest.raises(InvalidInput):
        services.emergency_top_up(
            actor=None,
            programme=programme,
            communes=[KAYES_COMMUNE],
            shock="Inondations",
            amount_xof=7500.5,
            cycles=2,
            ends_on=date(2027, 12, 31),
        )
    response = services.emergency_top_up(
        actor=None,
        programme=programme,
        communes=[KAYES_COMMUNE],
        shock="Inondations",
        amount_xof="7 500",
        cycles=2,
        ends_on=date(2027, 12, 31),
    )
    assert response.kind == EmergencyResponse.Kind.TOP_UP
    assert list(TopUp.objects.values_list("enrolment_id", "amount_xof", "cycles")) == [
        (hit.pk, 7500, 2)
    ]


def test_horizontal_expansion_enrols_the_next_ranked_up_to_the_temporary_quota(
    areas: None,
) -> None:
    programme = make_programme(quotas={KAYES_COMMUNE: 1})
    listed, next_one, after = household(children=3), household(children=2), household(children=1)
    run = adopted(programme)
    services.validate_household(actor=None, score=run.scores.get(household=listed), validated=True)
    services.enrol_household(actor=None, programme=programme, household=listed, start_on=START)
    response = services.emergency_expansion(
        actor=None,
        programme=programme,
        communes=[KAYES_COMMUNE],
        shock="Afflux de PDI",
        extra_quota=1,
        start_on=date(2027, 2, 1),
        ends_on=date(2027, 8, 1),
    )
    [expanded] = response.enrolments.all()
    assert expanded.household_id == next_one.pk
    assert expanded.planned_end_on == date(2027, 8, 1)
    assert not programme.enrolments.filter(household=after).exists()
    assert response.summary["households"] == 1
    assert run.scores.get(household=next_one).validation == HouseholdScore.Validation.NONE


def test_changes_after_launch_need_a_reason_and_are_versioned(areas: None) -> None:
    programme = make_programme()
    from jigi.programmes.tests.factories import programme_values

    values = programme_values(transfer_value_xof=10000)
    values["organisation"] = programme.organisation_id
    coverage = [services.CoverageLine(KAYES_COMMUNE, 120)]
    funding = [services.FundingLine("ida-fa2", 1_000_000_000)]
    with pytest.raises(InvalidInput, match="motif"):
        services.update_programme(
            actor=None,
            programme=programme,
            version=programme.version,
            values=values,
            coverage=coverage,
            funding=funding,
        )
    updated = services.update_programme(
        actor=None,
        programme=programme,
        version=programme.version,
        values=values,
        coverage=coverage,
        funding=funding,
        reason="Montant FA1",
    )
    assert updated.transfer_value_xof == 10000
    versions = ProgrammeVersion.objects.filter(programme=programme).order_by("number")
    assert [v.snapshot["transfer_value_xof"] for v in versions] == [15000, 10000]
    assert versions.last().snapshot["coverage"] == [[KAYES_COMMUNE, 120]]  # type: ignore[union-attr]


def test_a_programme_covers_at_least_one_commune(programme_officer_kayes: User) -> None:
    """Without a commune, "a scope covering all of its communes" held for every officer: a
    Mopti officer could take over a Kayes officer's draft. The web form required a commune;
    the service did not, so the API would have allowed it."""
    from jigi.programmes.tests.factories import programme_values

    with pytest.raises(InvalidInput) as refused:
        services.create_programme(
            actor=programme_officer_kayes, values=programme_values(), coverage=[], funding=[]
        )
    assert refused.value.errors["coverage"] == ["Au moins une commune."]
    programme = make_programme(launch=False)
    with pytest.raises(InvalidInput) as emptied:
        services.update_programme(
            actor=programme_officer_kayes,
            programme=programme,
            version=programme.version,
            values={**programme_values(), "organisation": programme.organisation_id},
            coverage=[],
            funding=[],
        )
    assert "coverage" in emptied.value.errors
    assert list(programme.coverage.values_list("commune_id", flat=True)) == [KAYES_COMMUNE]
