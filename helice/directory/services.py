"""Write operations on the directory. Every write goes through here."""

from django.db import transaction

from helice.core import search

from .models import Organization


def organization_reindex(*, organization: Organization) -> None:
    """Recompute the derived search fields of one organisation."""
    document = organization.build_search_document()
    key = search.name_key(organization.name)
    Organization.objects.filter(pk=organization.pk).update(search_document=document, name_key=key)
    organization.search_document, organization.name_key = document, key


@transaction.atomic
def organization_reindex_all(*, queryset=None) -> int:
    qs = (
        (queryset if queryset is not None else Organization.objects.all())
        .select_related("commune")
        .prefetch_related("sectors", "tags")
    )
    count = 0
    for organization in qs.iterator(chunk_size=2000):
        organization_reindex(organization=organization)
        count += 1
    return count
