"""Comments, flags and moderation of participation: every write, keyword-only and
transactional, checking its permission (``rules.py``) on the rows as stored.

- ``comment_create`` / ``comment_edit``: threaded comments with a stance; official
  answers by the team; the proposal's ``comment_count`` (visible comments) moved in
  the same transaction; replies and official answers notified (``notifications``).
- ``comment_flag``: once per person and comment.
- ``comment_hide`` / ``comment_flags_dismiss``: moderators; hiding moves the text
  into the decision (moderators only), so it is gone from page, API and exports.
- ``user_block`` / ``user_unblock``: keep an account out of participation.
- ``idea_approve`` / ``idea_refuse``: the moderation of ideas, through the
  proposals' state machine (``services.proposal_transition``).
Every moderator's decision is a :class:`ModerationDecision` (the queue's history)."""

from __future__ import annotations

import datetime
from http import HTTPStatus

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import notifications
from .models import (
    Comment,
    CommentFlag,
    FlagReason,
    ModerationAction,
    ModerationDecision,
    Notification,
    ParticipationBlock,
    Proposal,
    Stance,
)
from .rules import edit_deadline, forget_account_status, refusal

BODY_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 1000


class CommentError(Exception):
    """A refusal with a message for the person and the HTTP status that says it."""

    def __init__(self, message: str, status: int = HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.message = message
        self.status = status


def _clean_text(text: str | None, *, max_length: int, required_message: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise CommentError(required_message)
    if len(text) > max_length:
        raise CommentError(_("At most %(max)d characters, please.") % {"max": max_length})
    return text


def active_block(user) -> ParticipationBlock | None:
    """The account's block in force, read now (not the per-request cache of ``rules``)."""
    block = ParticipationBlock.objects.filter(user=user, lifted_at__isnull=True).first()
    return block if block is not None and block.is_active() else None


def _refuse_unless(user, perm: str, obj, message: str) -> None:
    if not user.has_perm(perm, obj):
        raise CommentError(message, HTTPStatus.FORBIDDEN)


# --- Comments ---------------------------------------------------------------------


@transaction.atomic
def comment_create(
    *,
    proposal: Proposal,
    author,
    body: str,
    stance: str = Stance.NONE,
    parent: Comment | None = None,
    official: bool = False,
    follow: bool = False,
) -> Comment:
    """A comment (or a reply to ``parent``) on a public proposal. Participants
    comment while the consultation is open for contributions (its rules of
    participation); moderators and strategy managers may post an official answer
    in any phase."""
    proposal = Proposal.objects.select_related("consultation").get(pk=proposal.pk)
    if official:
        _refuse_unless(author, "participation.answer_officially", proposal, _("You may not answer officially here."))
    elif not author.has_perm("participation.comment", proposal):
        if not proposal.is_public:
            raise CommentError(_("This proposal is not open for comments."), HTTPStatus.FORBIDDEN)
        raise CommentError(refusal(author, proposal.consultation) or _("You may not comment."), HTTPStatus.FORBIDDEN)
    if stance not in Stance.values:
        raise CommentError(_("Choose a stance among the ones offered."))
    body = _clean_text(body, max_length=BODY_MAX_LENGTH, required_message=_("Write your comment."))
    if parent is not None:
        parent = Comment.objects.filter(pk=parent.pk, proposal=proposal).first()
        if parent is None:
            raise CommentError(_("The comment you reply to is not on this proposal."), HTTPStatus.NOT_FOUND)
        if parent.is_hidden:
            raise CommentError(_("This comment was hidden by moderation: it cannot be answered."), HTTPStatus.CONFLICT)
    comment = Comment.objects.create(
        proposal=proposal, parent=parent, author=author, body=body, stance=stance, is_official=official
    )
    Proposal.objects.filter(pk=proposal.pk).update(comment_count=F("comment_count") + 1)
    if follow:  # in the language of the page the comment was written on
        notifications.follow(user=author, proposal=proposal, language=translation.get_language())
    notifications.comment_posted(comment)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, by, body: str, stance: str | None = None) -> Comment:
    """The author changes their comment within the edit window; every edit is
    shown ("edited on …")."""
    comment = Comment.objects.select_for_update().filter(pk=comment.pk).first()
    if comment is None:
        raise CommentError(_("This comment no longer exists."), HTTPStatus.NOT_FOUND)
    if not by.has_perm("participation.edit_comment", comment):
        if comment.author_id == by.pk and not comment.is_hidden and timezone.now() > edit_deadline(comment):
            raise CommentError(_("A comment can only be edited shortly after it is written."), HTTPStatus.FORBIDDEN)
        raise CommentError(_("You may not edit this comment."), HTTPStatus.FORBIDDEN)
    if stance is not None and stance not in Stance.values:
        raise CommentError(_("Choose a stance among the ones offered."))
    comment.body = _clean_text(body, max_length=BODY_MAX_LENGTH, required_message=_("Write your comment."))
    if stance is not None:
        comment.stance = stance
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "stance", "edited_at"])
    return comment


# --- Flags ------------------------------------------------------------------------


@transaction.atomic
def comment_flag(*, comment: Comment, by, reason: str, details: str = "") -> CommentFlag:
    """``by`` reports a comment to the moderators, once."""
    comment = Comment.objects.filter(pk=comment.pk).first()
    if comment is None:
        raise CommentError(_("This comment no longer exists."), HTTPStatus.NOT_FOUND)
    if not by.has_perm("participation.flag_comment", comment):
        if comment.author_id == by.pk:
            raise CommentError(_("You cannot flag your own comment."), HTTPStatus.FORBIDDEN)
        if comment.is_hidden:
            raise CommentError(_("This comment is already hidden."), HTTPStatus.CONFLICT)
        raise CommentError(_("You may not flag comments."), HTTPStatus.FORBIDDEN)
    if reason not in FlagReason.values:
        raise CommentError(_("Choose a reason among the ones offered."))
    details = (details or "").replace("\x00", "").strip()
    if len(details) > REASON_MAX_LENGTH:
        raise CommentError(_("At most %(max)d characters, please.") % {"max": REASON_MAX_LENGTH})
    try:
        with transaction.atomic():
            return CommentFlag.objects.create(comment=comment, user=by, reason=reason, details=details)
    except IntegrityError:
        raise CommentError(_("You have already flagged this comment."), HTTPStatus.CONFLICT) from None


def _moderator(by) -> None:
    _refuse_unless(by, "participation.moderate", None, _("Only moderators may do this."))


def _resolve_flags(comment: Comment, *, by, resolution: str, now) -> int:
    return CommentFlag.objects.filter(comment=comment, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=by, resolution=resolution
    )


@transaction.atomic
def comment_hide(*, comment: Comment, by, reason: str) -> ModerationDecision:
    """A moderator hides a comment: its place says why; its text moves into the
    decision (moderators only); its open flags are resolved; the proposal counts
    one visible comment less; news about it not yet sent is dropped."""
    _moderator(by)
    reason = _clean_text(reason, max_length=REASON_MAX_LENGTH, required_message=_("Say why the comment is hidden."))
    comment = Comment.objects.select_for_update().filter(pk=comment.pk).first()
    if comment is None:
        raise CommentError(_("This comment no longer exists."), HTTPStatus.NOT_FOUND)
    if comment.is_hidden:
        raise CommentError(_("This comment is already hidden."), HTTPStatus.CONFLICT)
    now = timezone.now()
    text = comment.body
    comment.body = ""
    comment.hidden_at = now
    comment.hidden_by = by
    comment.hidden_reason = reason
    comment.save(update_fields=["body", "hidden_at", "hidden_by", "hidden_reason"])
    Proposal.objects.filter(pk=comment.proposal_id, comment_count__gt=0).update(comment_count=F("comment_count") - 1)
    flags = _resolve_flags(comment, by=by, resolution="hidden", now=now)
    Notification.objects.filter(comment=comment, sent_at__isnull=True).delete()
    return ModerationDecision.objects.create(
        action=ModerationAction.HIDE_COMMENT,
        comment=comment,
        proposal_id=comment.proposal_id,
        user_id=comment.author_id,
        reason=reason,
        removed_text=text,
        flag_count=flags,
        by=by,
        at=now,
    )


@transaction.atomic
def comment_flags_dismiss(*, comment: Comment, by, reason: str = "") -> ModerationDecision:
    """A moderator keeps the comment: its open flags are closed."""
    _moderator(by)
    comment = Comment.objects.select_for_update().filter(pk=comment.pk).first()
    if comment is None:
        raise CommentError(_("This comment no longer exists."), HTTPStatus.NOT_FOUND)
    now = timezone.now()
    flags = _resolve_flags(comment, by=by, resolution="dismissed", now=now)
    if not flags:
        raise CommentError(_("This comment has no open flag."), HTTPStatus.CONFLICT)
    reason = (reason or "").replace("\x00", "").strip()[:REASON_MAX_LENGTH]
    return ModerationDecision.objects.create(
        action=ModerationAction.DISMISS_FLAGS,
        comment=comment,
        proposal_id=comment.proposal_id,
        user_id=comment.author_id,
        reason=reason,
        flag_count=flags,
        by=by,
        at=now,
    )


# --- Blocks -----------------------------------------------------------------------


@transaction.atomic
def user_block(*, user, by, reason: str, until: datetime.datetime | None = None) -> ParticipationBlock:
    """Keep ``user`` out of participation (comments, flags, opinions, ideas)."""
    _moderator(by)
    reason = _clean_text(reason, max_length=REASON_MAX_LENGTH, required_message=_("Say why the account is blocked."))
    if user.pk == by.pk:
        raise CommentError(_("You cannot block your own account."), HTTPStatus.CONFLICT)
    now = timezone.now()
    if until is not None and until <= now:
        raise CommentError(_("The end of the block must be in the future."))
    # An expired block still counts as unlifted for the database: close it first.
    for expired in ParticipationBlock.objects.select_for_update().filter(user=user, lifted_at__isnull=True):
        if expired.is_active(now):
            raise CommentError(_("This account is already blocked."), HTTPStatus.CONFLICT)
        expired.lifted_at = expired.until
        expired.save(update_fields=["lifted_at"])
    try:
        with transaction.atomic():
            block = ParticipationBlock.objects.create(user=user, reason=reason, blocked_by=by, until=until)
    except IntegrityError:  # blocked meanwhile by someone else
        raise CommentError(_("This account is already blocked."), HTTPStatus.CONFLICT) from None
    ModerationDecision.objects.create(action=ModerationAction.BLOCK, user=user, reason=reason, by=by, at=now)
    forget_account_status(user)
    return block


@transaction.atomic
def user_unblock(*, user, by, reason: str = "") -> ParticipationBlock:
    _moderator(by)
    forget_account_status(user)
    block = active_block(user)
    if block is None:
        raise CommentError(_("This account is not blocked."), HTTPStatus.CONFLICT)
    block = ParticipationBlock.objects.select_for_update().get(pk=block.pk)
    now = timezone.now()
    block.lifted_at = now
    block.lifted_by = by
    block.save(update_fields=["lifted_at", "lifted_by"])
    reason = (reason or "").replace("\x00", "").strip()[:REASON_MAX_LENGTH]
    ModerationDecision.objects.create(action=ModerationAction.UNBLOCK, user=user, reason=reason, by=by, at=now)
    forget_account_status(user)
    return block


# --- Ideas ------------------------------------------------------------------------


def idea_moderate(*, proposal: Proposal, by, publish: bool, reason: str = "") -> ModerationDecision:
    """Publish an idea waiting for moderation, or refuse it with a reason its author
    reads, through the proposals' state machine (``services.proposal_transition``,
    which checks the permission and records the change, whence the decision in the
    queue's history)."""
    from django.core.exceptions import PermissionDenied

    from . import services
    from .models import ProposalState

    _moderator(by)
    reason = (reason or "").replace("\x00", "").strip()
    if not publish and not reason:
        raise CommentError(_("Say why the idea is refused: its author will read it."))
    if len(reason) > REASON_MAX_LENGTH:
        raise CommentError(_("At most %(max)d characters, please.") % {"max": REASON_MAX_LENGTH})
    with transaction.atomic():
        current = Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
        if current is None:
            raise CommentError(_("This idea no longer exists."), HTTPStatus.NOT_FOUND)
        if current.state != ProposalState.SUBMITTED:
            raise CommentError(_("This idea was already moderated."), HTTPStatus.CONFLICT)
        try:
            services.proposal_transition(
                proposal=current,
                to=ProposalState.PUBLISHED if publish else ProposalState.HIDDEN,
                by=by,
                reason=reason,
            )
        except PermissionDenied as error:
            raise CommentError(str(error) or _("Only moderators may do this."), HTTPStatus.FORBIDDEN) from None
        except services.ParticipationError as error:
            raise CommentError(" ".join(error.messages)) from None
        # The decision is recorded from the proposal's history (signals.py), as for a
        # move made on the proposal's page.
        return ModerationDecision.objects.filter(proposal=current).latest("at", "pk")
