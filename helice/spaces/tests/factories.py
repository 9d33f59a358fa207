"""Factories for the spaces part."""

import datetime

import factory
from django.utils import timezone
from django.utils.text import slugify

from helice.directory.models import PublicationStatus
from helice.directory.tests.factories import OrganizationFactory
from helice.spaces import services
from helice.spaces.models import Space, SpaceKind


class SpaceFactory(factory.django.DjangoModelFactory):
    """A published incubator serving companies being born, with one operator;
    search fields computed.

    Traits: ``draft``, ``available`` (3 free units confirmed now), ``stale`` (3 free
    units confirmed a year ago)."""

    class Meta:
        model = Space
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Espace {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name)[:200])
    kind = SpaceKind.INCUBATOR
    status = PublicationStatus.PUBLISHED
    serves_born = True

    class Params:
        draft = factory.Trait(status=PublicationStatus.DRAFT)
        available = factory.Trait(units_available=3, availability_confirmed_at=factory.LazyFunction(timezone.now))
        stale = factory.Trait(
            units_available=3,
            availability_confirmed_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=365)),
        )

    @factory.post_generation
    def operators(self, create, extracted, **kwargs):
        if create:
            self.operators.set(extracted if extracted is not None else [OrganizationFactory()])

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)

    @factory.post_generation
    def reindex(self, create, extracted, **kwargs):
        if create:
            services.space_reindex(space=self)
