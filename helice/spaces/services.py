"""Write operations of the spaces part (keyword-only, transactional)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from helice.core import search
from helice.directory.models import PublicationStatus

from .models import Space


def space_reindex(*, space: Space) -> None:
    """Recompute the derived search fields of one space (every write path ends here:
    admin, dataset loader, moderation)."""
    document = space.build_search_document()
    key = search.name_key(space.name)
    Space.objects.filter(pk=space.pk).update(search_document=document, name_key=key)
    space.search_document, space.name_key = document, key
    if space.publish_on_approval and space.status == PublicationStatus.PUBLISHED:
        Space.objects.filter(pk=space.pk).update(publish_on_approval=False)
        space.publish_on_approval = False


def space_after_change(*, space: Space) -> None:
    """After a moderated change is applied (moderation's ``after_apply``): a draft
    proposed by a partner is published, then the search fields are recomputed."""
    if space.publish_on_approval and space.status == PublicationStatus.DRAFT:
        space.status = PublicationStatus.PUBLISHED
        space.save(update_fields=["status", "updated_at"])
    space_reindex(space=space)


@transaction.atomic
def space_availability_confirm(*, space: Space, units_available: int | None, by=None) -> Space:
    """Record the count of free units as true now (``units_available`` None: the
    operator does not publish a count). Permission is the caller's to check
    (``spaces.confirm_availability``)."""
    space = Space.objects.select_for_update().get(pk=space.pk)
    space.units_available = units_available
    space.availability_confirmed_at = timezone.now()
    space.save(update_fields=["units_available", "availability_confirmed_at", "updated_at"])
    return space
