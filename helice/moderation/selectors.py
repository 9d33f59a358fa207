"""Reads of revisions, shared by the moderation pages and the partner space."""

from django.contrib.contenttypes.models import ContentType

from .models import Revision


def _with_people(queryset):
    return queryset.select_related("author", "reviewed_by", "organization", "content_type")


def pending_revisions(*, content_type: ContentType | None = None):
    """The moderation queue, oldest first (first come, first served)."""
    qs = Revision.objects.pending()
    if content_type is not None:
        qs = qs.filter(content_type=content_type)
    return _with_people(qs).order_by("created_at", "id")


def object_history(obj=None, *, content_type: ContentType | None = None, object_id: int | None = None):
    """Every revision of one object, newest first."""
    if obj is not None:
        content_type, object_id = ContentType.objects.get_for_model(obj), obj.pk
    return _with_people(Revision.objects.filter(content_type=content_type, object_id=object_id)).order_by("-id")


def pending_revision_for(obj) -> Revision | None:
    return _with_people(Revision.objects.for_object(obj).pending()).first()


def organization_revisions(organization, *, limit: int = 10):
    """What was proposed for an organisation's content, newest first (partner space)."""
    return list(_with_people(Revision.objects.filter(organization=organization)).order_by("-id")[:limit])
