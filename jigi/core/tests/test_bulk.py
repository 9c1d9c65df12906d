"""Keys drawn ahead (`reserve_ids`): rows built with them before their transaction must never
meet a row given the same key by anyone else."""

import pytest

from jigi.core.bulk import BulkRows, reserve_ids
from jigi.core.models import Organisation

pytestmark = pytest.mark.django_db


def made(name: str) -> Organisation:
    return Organisation.objects.create(name=name, kind=Organisation.Kind.NGO)


def test_keys_drawn_ahead_are_never_given_to_another_row() -> None:
    before = made("avant")
    drawn = reserve_ids(Organisation, 3)
    assert list(drawn) == list(range(drawn[0], drawn[0] + 3))
    assert drawn[0] > before.pk
    # Someone else writes meanwhile, the ordinary way: their row lands after the drawn keys.
    meanwhile = made("pendant")
    assert meanwhile.pk > drawn[-1]
    # The drawn keys are then used as they are, and collide with nobody.
    BulkRows(Organisation, ("id", "name", "acronym", "kind", "is_active")).insert(
        [
            (key, name, "", Organisation.Kind.NGO, True)
            for key, name in zip(drawn, ("awa", "bintou", "coumba"), strict=True)
        ]
    )
    assert dict(Organisation.objects.filter(pk__in=drawn).values_list("pk", "name")) == {
        drawn[0]: "awa",
        drawn[1]: "bintou",
        drawn[2]: "coumba",
    }
    # Keys drawn and never used stay unused.
    unused = reserve_ids(Organisation, 2)
    after = made("après")
    assert after.pk > unused[-1] > drawn[-1]
    assert not Organisation.objects.filter(pk__in=unused).exists()


def test_the_first_keys_of_an_empty_table_can_be_drawn() -> None:
    Organisation.objects.all().delete()
    drawn = reserve_ids(Organisation, 2)
    assert made("awa").pk > drawn[-1]
    assert list(reserve_ids(Organisation, 0)) == []
