"""Invariants of organisations: identifiers, years, coordinates, search fields."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from helice.directory import services
from helice.directory.models import Organization

from .factories import OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db


def make(**fields):
    base = {"name": "Acme", "slug": "acme", "kind": "company", "helix": "industry"}
    return Organization(**{**base, **fields})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("siren", "123456789"),  # bad check digit
        ("siren", "12345"),  # wrong length
        ("siren", "ABCDEFGHI"),
        ("siret", "73282932000075"),  # bad check digit
        ("naf_code", "99.99Z"),  # not in the nomenclature
        ("naf_code", "6201Z"),
        ("founding_year", 3000),
        ("latitude", 123.0),
    ],
)
def test_invalid_values_are_refused(field, value):
    org = make(**{field: value})
    with pytest.raises(ValidationError) as error:
        org.full_clean()
    assert field in error.value.message_dict


def test_valid_identifiers_pass():
    make(siren="732829320", siret="73282932000074", naf_code="62.01Z", founding_year=1999).full_clean()


def test_siret_must_extend_the_siren():
    with pytest.raises(ValidationError) as error:
        make(siren="552100554", siret="73282932000074").full_clean()
    assert "siret" in error.value.message_dict


def test_coordinates_come_in_pairs_at_the_database_level():
    with pytest.raises(IntegrityError), transaction.atomic():
        make(latitude=45.0).save()


def test_reindex_puts_sectors_and_commune_in_the_document():
    sector = SectorFactory(name_fr="Micro-nanoélectronique", name_en="Micro and nanoelectronics", slug="micro")
    org = OrganizationFactory(name="Puces Alpines", sectors=[sector])
    services.organization_reindex(organization=org)
    org.refresh_from_db()
    assert " nanoelectronique " in org.search_document
    assert " nanoelectronics " in org.search_document
    assert org.name_key == " puces alpines "


def test_kind_labels_of_every_language_are_indexed():
    from django.utils import translation

    with translation.override("en"):
        org = OrganizationFactory(name="Neutre", kind="research_lab")
    org.refresh_from_db()
    assert " laboratoire " in org.search_document
    assert " laboratory " in org.search_document


def test_renaming_a_sector_reindexes_its_organisations(django_capture_on_commit_callbacks):
    sector = SectorFactory(name_fr="Ancien nom", name_en="Old name", slug="renomme")
    org = OrganizationFactory(name="Suivie", sectors=[sector])
    with django_capture_on_commit_callbacks(execute=True):
        sector.name_fr, sector.name_en = "Photonique", "Photonics"
        sector.save()
    org.refresh_from_db()
    assert " photonique " in org.search_document
    assert " ancien " not in org.search_document


def test_renaming_a_commune_reindexes_its_organisations(django_capture_on_commit_callbacks):
    from .factories import CommuneFactory

    commune = CommuneFactory(name="Vieux Bourg", slug="vieux-bourg", insee_code="38999")
    org = OrganizationFactory(name="Locale", commune=commune)
    with django_capture_on_commit_callbacks(execute=True):
        commune.name = "Nouveau Bourg"
        commune.save()
    org.refresh_from_db()
    assert " nouveau " in org.search_document
