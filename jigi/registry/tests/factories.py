"""Households with their members in the same commune (Kayes by default)."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from jigi.core.codes import make_code
from jigi.registry.models import Household, IdentityDocument, Individual, NameToken
from jigi.registry.services import _index_names


class HouseholdFactory(factory.django.DjangoModelFactory[Household]):
    class Meta:
        model = Household
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: make_code("KY", 900_000 + n))
    commune_id = "ML010312"
    village = "Liberté"
    village_folded = factory.LazyAttribute(
        lambda household: household.village.lower().replace("é", "e")
    )
    registered_on = date(2026, 1, 15)
    source = Household.Source.SURVEY

    @factory.post_generation
    def head(self, create: bool, extracted: dict[str, Any] | bool | None, **kwargs: Any) -> None:
        """Every household gets a living adult head unless ``head=False``."""
        if create and extracted is not False:
            overrides = extracted if isinstance(extracted, dict) else {}
            IndividualFactory.create(
                household=self, relationship=Individual.Relationship.HEAD, **overrides
            )


class IndividualFactory(factory.django.DjangoModelFactory[Individual]):
    class Meta:
        model = Individual
        skip_postgeneration_save = True

    household = factory.SubFactory(HouseholdFactory, head=False)
    given_names = "Awa"
    family_name = "Traoré"
    sex = Individual.Sex.FEMALE
    birth_date = date(1985, 6, 1)
    relationship = Individual.Relationship.SPOUSE
    names_folded = ""

    @factory.post_generation
    def index(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        individual: Any = self  # factory_boy passes the created Individual
        if create:
            _index_names(individual)
            Individual.objects.filter(pk=individual.pk).update(names_folded=individual.names_folded)


class IdentityDocumentFactory(factory.django.DjangoModelFactory[IdentityDocument]):
    class Meta:
        model = IdentityDocument

    individual = factory.SubFactory(IndividualFactory)
    kind = IdentityDocument.Kind.NINA
    number = factory.Sequence(lambda n: f"{10000000000000 + n}A")
    number_normalised = factory.LazyAttribute(lambda document: document.number)


__all__ = ["HouseholdFactory", "IdentityDocumentFactory", "IndividualFactory", "NameToken"]
