"""Factories for directory and reference data, with traits."""

import factory
from django.utils.text import slugify

from helice.core.models import Commune, Sector
from helice.directory import services
from helice.directory.models import (
    HelixStrand,
    InternationalActivity,
    Organization,
    OrganizationKind,
    PublicationStatus,
)


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("slug",)

    name_fr = factory.Sequence(lambda n: f"Filière {n}")
    name_en = factory.LazyAttribute(lambda o: o.name_fr.replace("Filière", "Sector"))
    slug = factory.LazyAttribute(lambda o: slugify(o.name_fr))


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    name = factory.Sequence(lambda n: f"Commune {n}")
    insee_code = factory.Sequence(lambda n: f"38{n:03d}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    postal_codes = ["38000"]
    latitude = 45.19
    longitude = 5.72


class OrganizationFactory(factory.django.DjangoModelFactory):
    """A published organisation whose search fields are computed after creation.

    Traits: ``draft``, ``located`` (coordinates), ``startup``."""

    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name)[:200] or "org")
    kind = OrganizationKind.COMPANY
    helix = HelixStrand.INDUSTRY
    status = PublicationStatus.PUBLISHED

    class Params:
        draft = factory.Trait(status=PublicationStatus.DRAFT)
        located = factory.Trait(latitude=45.19, longitude=5.72, location_precision="address")
        startup = factory.Trait(kind=OrganizationKind.STARTUP)

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        """countries=[("DE", "export"), ...]"""
        if create and extracted:
            for code, kind in extracted:
                InternationalActivity.objects.create(organization=self, country=code, kind=kind)

    @factory.post_generation
    def reindex(self, create, extracted, **kwargs):
        if create:
            services.organization_reindex(organization=self)
