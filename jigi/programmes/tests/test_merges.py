"""Enrolments follow the register's merges (issue 5: references from other apps follow the
surviving record) and come back when a merge is undone."""

from __future__ import annotations

from datetime import date

import pytest

from jigi.accounts.models import User
from jigi.core.errors import Conflict
from jigi.dedup import services as dedup
from jigi.programmes import services
from jigi.programmes.models import Enrolment
from jigi.programmes.tests.factories import household, make_programme
from jigi.registry.models import Household, Individual

pytestmark = pytest.mark.django_db
START = date(2027, 1, 1)


def head(family: Household) -> Individual:
    return family.members.get(relationship=Individual.Relationship.HEAD)


def test_a_merged_recipient_is_replaced_by_the_surviving_record_then_restored(
    administrator: User,
) -> None:
    programme = make_programme()
    family = household()
    enrolment = services.enrol_household(
        actor=None, programme=programme, household=family, start_on=START
    )
    registered_twice = household(head={"given_names": "Mousa"})
    survivor = head(registered_twice)
    merge = dedup.merge_individuals(actor=administrator, survivor=survivor, duplicate=head(family))
    enrolment.refresh_from_db()
    assert enrolment.recipient_id == survivor.pk
    dedup.unmerge(actor=administrator, merge=merge)
    enrolment.refresh_from_db()
    assert enrolment.recipient_id == head(family).pk


def test_a_merged_household_brings_its_enrolment_and_takes_it_back_on_undo(
    administrator: User,
) -> None:
    programme = make_programme()
    duplicate = household()
    enrolment = services.enrol_household(
        actor=None, programme=programme, household=duplicate, start_on=START
    )
    survivor = household(roof="mud")
    merge = dedup.merge_households(actor=administrator, survivor=survivor, duplicate=duplicate)
    enrolment.refresh_from_db()
    assert enrolment.household_id == survivor.pk
    assert enrolment.recipient.household_id == survivor.pk
    dedup.unmerge_households(actor=administrator, merge=merge)
    enrolment.refresh_from_db()
    assert enrolment.household_id == duplicate.pk


def test_two_households_enrolled_in_the_same_programme_are_not_merged(
    administrator: User,
) -> None:
    programme = make_programme()
    first, second = household(), household()
    for family in (first, second):
        services.enrol_household(actor=None, programme=programme, household=family, start_on=START)
    with pytest.raises(Conflict, match="inscription"):
        dedup.merge_households(actor=administrator, survivor=first, duplicate=second)
    second.refresh_from_db()
    assert second.status == Household.Status.ACTIVE
    assert Enrolment.objects.filter(household=second).count() == 1
    assert second.members.filter(status=Individual.Status.ALIVE).count() == 2
