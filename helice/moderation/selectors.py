"""Reads of revisions, shared by the moderation pages and the partner space."""

from django.contrib.contenttypes.models import ContentType

from .models import Revision, RevisionStatus

_UNREAD = object()


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


def latest_refusal(obj) -> Revision | None:
    """The object's last proposal when it was refused (shown with its reason on the
    edit page until a new proposal is sent); None otherwise."""
    latest = object_history(obj).exclude(status=RevisionStatus.SUPERSEDED).first()
    return latest if latest is not None and latest.status == RevisionStatus.REJECTED else None


def editing_state(obj, *, pending=_UNREAD) -> dict:
    """The state a partner's edit form starts from, in the revision's terms (a
    commune by INSEE code, sectors by slug): the change waiting for review, if any,
    else the object as it is; for new content whose proposal was refused (a draft
    published on approval), that proposal, so that its author can correct it.
    A waiting change saved before a field or part joined the revision (say a
    space's photos) keeps that field's current value instead of proposing to empty
    it. ``pending``: the waiting revision (or None) when the caller read it already."""
    from .registry import adapter_for

    if pending is _UNREAD:
        pending = pending_revision_for(obj)
    adapter = adapter_for(obj)
    if pending is not None:
        missing = [name for name in adapter.fields if name not in pending.data]
        if not missing:
            return dict(pending.data)
        current = adapter.serialize(obj)
        return {**{name: current[name] for name in missing}, **pending.data}
    state = adapter.serialize(obj)
    if getattr(obj, "publish_on_approval", False) and getattr(obj, "status", None) == "draft":
        refused = latest_refusal(obj)
        if refused is not None:
            state = {**state, **{k: v for k, v in refused.data.items() if k in state}}
    return state


def organization_revisions(organization, *, limit: int = 10):
    """What was proposed for an organisation's content, newest first (partner space)."""
    return list(_with_people(Revision.objects.filter(organization=organization)).order_by("-id")[:limit])
