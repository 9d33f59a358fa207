"""Factories for the guichet: stages, needs and services (with traits)."""

import factory
from django.utils.text import slugify

from helice.directory.models import PublicationStatus
from helice.directory.tests.factories import OrganizationFactory
from helice.guichet import services
from helice.guichet.models import Calendar, Need, Service, ServiceKind, Stage


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"stage-{n}")
    name_fr = factory.LazyAttribute(lambda o: o.code.replace("-", " ").capitalize())
    name_en = factory.LazyAttribute(lambda o: o.name_fr)


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"need-{n}")
    name_fr = factory.LazyAttribute(lambda o: o.code.replace("-", " ").capitalize())
    name_en = factory.LazyAttribute(lambda o: o.name_fr)


class ServiceFactory(factory.django.DjangoModelFactory):
    """A published, permanent service with one provider; search fields computed.

    Traits: ``draft``, ``call`` (a call without dates), ``financing`` (a grant)."""

    class Meta:
        model = Service
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Dispositif {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name)[:200])
    kind = ServiceKind.INCUBATION
    status = PublicationStatus.PUBLISHED
    calendar = Calendar.PERMANENT

    class Params:
        draft = factory.Trait(status=PublicationStatus.DRAFT)
        call = factory.Trait(calendar=Calendar.CALL)
        financing = factory.Trait(kind=ServiceKind.GRANT)

    @factory.post_generation
    def providers(self, create, extracted, **kwargs):
        if create:
            self.providers.set(extracted if extracted is not None else [OrganizationFactory()])

    @factory.post_generation
    def needs(self, create, extracted, **kwargs):
        if create and extracted:
            self.needs.set(extracted)

    @factory.post_generation
    def stages(self, create, extracted, **kwargs):
        if create and extracted:
            self.stages.set(extracted)

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)

    @factory.post_generation
    def reindex(self, create, extracted, **kwargs):
        if create:
            services.service_reindex(service=self)
