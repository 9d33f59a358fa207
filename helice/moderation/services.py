"""Write operations on revisions: submit, approve, reject, withdraw, restore, and
the recording of changes made outside the partner space.

Every function checks its permission itself: ``revision_submit`` and
``revision_withdraw`` ask the object's part (``<app>.edit_<model>``, see each
part's rules.py); the review operations ask ``moderation.review`` and
``moderation.revert`` (moderators). Every function runs
in a transaction; e-mails go out after commit (core.mail): one that cannot be
sent is logged, never raised."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from helice.core import mail
from helice.core.roles import MODERATOR

from . import context
from .models import TRANSITIONS, Revision, RevisionKind, RevisionStatus
from .registry import adapter_for


class RevisionError(ValidationError):
    """A revision operation that the rules refuse (nothing changed, wrong state)."""


def _transition(revision: Revision, status: str) -> None:
    if status not in TRANSITIONS[revision.status]:
        raise RevisionError(
            _("This change is “%(current)s”: it cannot become “%(new)s”.")
            % {"current": revision.get_status_display(), "new": RevisionStatus(status).label}
        )
    revision.status = status


def _locked(revision: Revision) -> Revision:
    """Re-read the revision under a row lock, so two moderators cannot both decide it."""
    return Revision.objects.select_for_update().get(pk=revision.pk)


def _locked_object(revision: Revision):
    """The revision's object under a row lock, taken before the revision's own lock:
    the order revision_submit takes them, so a partner saving while a moderator
    approves waits instead of deadlocking."""
    model = revision.content_type.model_class()
    obj = model._default_manager.select_for_update().filter(pk=revision.object_id).first() if model else None
    if obj is None:
        raise RevisionError(_("The content of this change no longer exists."))
    return obj


def _apply(obj, data: dict) -> dict:
    adapter = adapter_for(obj)
    adapter.apply(obj, data)
    return adapter.serialize(obj)


def publishes_at_once(obj, user) -> bool:
    """Whether ``user``'s change to ``obj`` is published without review: a
    moderator's always, a partner's when its organisation is trusted."""
    if user.has_perm("moderation.review"):
        return True
    trusted = adapter_for(obj).trusted
    return bool(trusted and trusted(obj))


@transaction.atomic
def revision_submit(*, obj, data: dict, author, comment: str = "", new: bool = False) -> Revision:
    """Record ``author``'s change of ``obj`` to the editable state ``data``.

    Only someone who may edit the object (its part's ``<app>.edit_<model>``
    permission) can submit. The change is applied at once when
    :func:`publishes_at_once` says so; otherwise it waits for a moderator,
    replacing any proposal still waiting for the same object (the form a partner
    edits starts from that proposal, so nothing is lost).

    ``new``: ``obj`` is a shell just created for this proposal (a partner proposing
    new content, e.g. ``guichet.services.service_propose``). The revision is made
    against the empty state (``Adapter.blank``), so the moderator sees every field
    filled in and approving applies them all."""
    if not _may_edit(author, obj):
        raise PermissionDenied
    reviewer = author.has_perm("moderation.review")
    return _submit(
        obj=obj,
        data=data,
        author=author,
        publish=publishes_at_once(obj, author),
        kind=RevisionKind.STAFF if reviewer else RevisionKind.PARTNER,
        comment=comment,
        new=new,
    )


@transaction.atomic
def revision_submit_imported(*, obj, data: dict, comment: str = "", new: bool = False) -> Revision:
    """Record a change of partner content that Hélice fetched from the partner's
    own source (the agenda's calendar feeds, ``agenda.feeds``): no author, and
    the same rule as a partner's change, published at once when the content's
    organisation is trusted, held for review otherwise. The moderators are not
    mailed once per change: the importer tells them once per run."""
    trusted = adapter_for(obj).trusted
    return _submit(
        obj=obj,
        data=data,
        author=None,
        publish=bool(trusted and trusted(obj)),
        kind=RevisionKind.PARTNER,
        comment=comment,
        new=new,
        notify=False,
    )


def _submit(
    *,
    obj,
    data: dict,
    author,
    publish: bool,
    kind: str,
    comment: str = "",
    new: bool = False,
    notify: bool = True,
) -> Revision:
    adapter = adapter_for(obj)
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    current = adapter.serialize(obj)
    wanted = {**current, **{k: v for k, v in data.items() if k in adapter.fields}}
    if new:
        current = adapter.blank()
    content_type = ContentType.objects.get_for_model(obj)
    waiting = Revision.objects.select_for_update().filter(
        content_type=content_type, object_id=obj.pk, status=RevisionStatus.PENDING
    )
    if wanted == current and not waiting.exists():
        raise RevisionError(_("Nothing was changed."))
    for old in waiting:
        _transition(old, RevisionStatus.SUPERSEDED)
        old.save(update_fields=["status"])
    revision = Revision(
        content_type=content_type,
        object_id=obj.pk,
        object_repr=str(obj)[:255],
        organization=adapter.organization_of(obj),
        kind=kind,
        status=RevisionStatus.PENDING,
        data=wanted,
        previous_data=current,
        author=author,
        comment=comment,
    )
    if wanted == current:
        # The partner went back to the published state: nothing left to review.
        _transition(revision, RevisionStatus.WITHDRAWN)
        revision.save()
        return revision
    if publish:
        revision.data = _apply(obj, wanted)
        revision.status = RevisionStatus.PUBLISHED
        revision.reviewed_at = timezone.now()
        revision.save()
    else:
        revision.save()
        if notify:
            transaction.on_commit(lambda: _notify_moderators(revision))
    return revision


@transaction.atomic
def revision_approve(*, revision: Revision, by) -> Revision:
    """Publish a waiting change. Fields another change touched since it was
    proposed keep their newer value unless this proposal changed them too."""
    if not by.has_perm("moderation.review"):
        raise PermissionDenied
    obj = _locked_object(revision)
    revision = _locked(revision)
    _transition(revision, RevisionStatus.PUBLISHED)
    adapter = adapter_for(obj)
    current = adapter.serialize(obj)
    changes = {k: revision.data[k] for k in revision.changed_fields if k in revision.data}
    revision.previous_data = current
    revision.data = _apply(obj, {**current, **changes})
    revision.reviewed_by, revision.reviewed_at = by, timezone.now()
    revision.save()
    transaction.on_commit(lambda: _notify_author(revision))
    return revision


@transaction.atomic
def revision_reject(*, revision: Revision, by, reason: str) -> Revision:
    if not by.has_perm("moderation.review"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise RevisionError(_("Give the reason for the refusal: the partner will read it."))
    revision = _locked(revision)
    _transition(revision, RevisionStatus.REJECTED)
    revision.reason = reason
    revision.reviewed_by, revision.reviewed_at = by, timezone.now()
    revision.save()
    transaction.on_commit(lambda: _notify_author(revision))
    return revision


@transaction.atomic
def revision_withdraw(*, revision: Revision, by) -> Revision:
    """The author (or anyone who may edit the object) takes back a waiting proposal."""
    revision = _locked(revision)
    model = revision.content_type.model_class()
    obj = model._default_manager.filter(pk=revision.object_id).first() if model else None
    allowed = revision.author_id == by.pk or (obj is not None and _may_edit(by, obj))
    if not allowed:
        raise PermissionDenied
    _transition(revision, RevisionStatus.WITHDRAWN)
    revision.reviewed_at = timezone.now()
    revision.save()
    return revision


def _may_edit(user, obj) -> bool:
    label = obj._meta
    return user.has_perm(f"{label.app_label}.edit_{label.model_name}", obj)


@transaction.atomic
def revision_restore(*, revision: Revision, by) -> Revision:
    """Bring an object back to the state a published revision left it in, as a new
    published revision (history is never rewritten)."""
    if not by.has_perm("moderation.revert"):
        raise PermissionDenied
    if revision.status != RevisionStatus.PUBLISHED:
        raise RevisionError(_("Only a published version can be restored."))
    obj = _locked_object(revision)
    restored = _submit(
        obj=obj,
        data=revision.data,
        author=by,
        publish=True,
        kind=RevisionKind.REVERT,
        comment=_("Restores the version of %(date)s.")
        % {"date": timezone.localtime(revision.created_at).strftime("%Y-%m-%d %H:%M")},
    )
    restored.restored_from = revision
    restored.reviewed_by = by
    restored.save(update_fields=["restored_from", "reviewed_by"])
    return restored


def revision_record_direct(*, obj) -> Revision | None:
    """Record the current state of ``obj`` when it differs from its last published
    revision: a change made outside the partner space (admin, import, dataset
    load, shell). The author is the person of the current request, if any."""
    adapter = adapter_for(obj)
    current = adapter.serialize(obj)
    last = Revision.objects.for_object(obj).published().order_by("-id").first()
    if last is None and Revision.objects.for_object(obj).pending().exists():
        # A shell created for a proposal of new content (revision_submit(new=True)):
        # the proposal is its history; the shell is no version of its own.
        return None
    previous = last.data if last else {}
    if current == previous:
        return None
    author = context.current_user()
    return Revision.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:255],
        organization=adapter.organization_of(obj),
        kind=RevisionKind.DIRECT,
        status=RevisionStatus.PUBLISHED,
        data=current,
        previous_data=previous,
        author=author,
        reviewed_at=timezone.now(),
    )


# --- Notifications ---------------------------------------------------------------


def _notify_moderators(revision: Revision) -> None:
    mail.send_now(
        template="moderation/email/to_review",
        context={"revision": revision, "url": mail.absolute(reverse("moderation:review", args=[revision.pk]))},
        recipients=mail.role_emails(MODERATOR),
    )


def _notify_author(revision: Revision) -> None:
    author = revision.author
    if author is None or not author.email or author.is_deleted:
        return
    mail.send_now(
        template="moderation/email/decision",
        context={"revision": revision, "url": mail.absolute(reverse("accounts:my_space"))},
        recipients=[author.email],
    )
