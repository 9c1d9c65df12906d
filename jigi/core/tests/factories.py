"""Deterministic factories for reference data; sites default to Kayes commune."""

from __future__ import annotations

import factory

from jigi.core.models import FundingSource, Job, Organisation, Site


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    acronym = factory.Sequence(lambda n: f"ORG{n}")
    kind = Organisation.Kind.NGO


class SiteFactory(factory.django.DjangoModelFactory[Site]):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"site-{n}")
    name = factory.Sequence(lambda n: f"Site {n}")
    kind = Site.Kind.OTHER
    area_id = "ML010312"
    organisation = factory.SubFactory(OrganisationFactory)


class FundingSourceFactory(factory.django.DjangoModelFactory[FundingSource]):
    class Meta:
        model = FundingSource

    code = factory.Sequence(lambda n: f"fund-{n}")
    name = factory.Sequence(lambda n: f"Source {n}")
    donor = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.DONOR)


class JobFactory(factory.django.DjangoModelFactory[Job]):
    class Meta:
        model = Job

    kind = "reference.load_areas"
