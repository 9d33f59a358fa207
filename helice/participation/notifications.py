"""Following proposals and consultations, and the e-mails that follow from it.

A person follows a proposal or a whole consultation (:func:`follow`); authors of
an idea follow it from its creation, commenters when they tick the box. News is
recorded once per person as a :class:`Notification`:

- a reply to one's comment (to the comment's author, followed or not);
- an official answer (a comment of the team) on a proposal one follows;
- a change of state, and the metropolis's answer, of a proposal one follows
  (recorded from the proposal's history, :class:`ProposalChange`; an idea refused
  by moderation is told to its author only);
- a new proposal published in a consultation one follows.

Each person chooses (:class:`ParticipationSettings`): one e-mail per news at once,
a daily digest (``send_participation_digests``, cron), or nothing. An item's
``sent_at`` is stamped in the transaction that queues its mail
(``core.mail.send_after_commit``), so nothing is ever sent twice. Every mail
carries a one-click unsubscribe link (RFC 8058 headers)."""

from __future__ import annotations

import logging

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from helice.core import mail

from .models import (
    PUBLIC_STATES,
    Comment,
    Follow,
    Notification,
    NotificationFrequency,
    NotificationKind,
    ParticipationSettings,
    Proposal,
    ProposalChange,
    ProposalState,
)

logger = logging.getLogger(__name__)

DIGEST_MAX_ITEMS = 50


# --- Follows and settings ---------------------------------------------------------


def follow(*, user, proposal: Proposal | None = None, consultation=None, language: str | None = None) -> Follow:
    """Follow a proposal or a consultation (doing it twice changes nothing).
    ``language``: the page's, which the person's e-mails then use."""
    if (proposal is None) == (consultation is None):
        raise ValueError("Follow exactly one proposal or one consultation.")
    if language:
        language_set(user=user, language=language)
    target = {"proposal": proposal} if proposal is not None else {"consultation": consultation}
    existing = Follow.objects.filter(user=user, **target).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Follow.objects.create(user=user, **target)
    except IntegrityError:  # followed meanwhile, from another tab
        return Follow.objects.get(user=user, **target)


def unfollow(*, user, proposal: Proposal | None = None, consultation=None) -> bool:
    target = {"proposal": proposal} if proposal is not None else {"consultation": consultation}
    deleted, _by_model = Follow.objects.filter(user=user, **target).delete()
    return bool(deleted)


def settings_for(user) -> ParticipationSettings:
    found = ParticipationSettings.objects.filter(user=user).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return ParticipationSettings.objects.create(user=user)
    except IntegrityError:
        return ParticipationSettings.objects.get(user=user)


def language_set(*, user, language: str) -> None:
    """The language of the person's e-mails (one of the site's; others are ignored)."""
    if language not in dict(django_settings.LANGUAGES):
        return
    found = settings_for(user)
    if found.language != language:
        ParticipationSettings.objects.filter(pk=found.pk).update(language=language)


@transaction.atomic
def settings_update(*, user, frequency: str, language: str | None = None) -> ParticipationSettings:
    """Change how often the person hears about what they follow (and in which
    language). Choosing "no e-mail" drops the news not sent yet; the other choices
    keep it (a digest still waiting is sent with the next one)."""
    if frequency not in NotificationFrequency.values:
        raise ValueError(frequency)
    if language is not None and language not in dict(django_settings.LANGUAGES):
        raise ValueError(language)
    found = settings_for(user)
    found.frequency = frequency
    found.language = language or found.language
    found.save(update_fields=["frequency", "language"])
    if frequency == NotificationFrequency.NEVER:
        Notification.objects.filter(user=user, sent_at__isnull=True).delete()
    return found


@transaction.atomic
def unsubscribe(*, token: str) -> ParticipationSettings | None:
    """The one-click unsubscribe: no more e-mail about what the person follows."""
    found = (
        ParticipationSettings.objects.select_for_update()
        .filter(token_hash=ParticipationSettings.hash_of(token))
        .first()
    )
    if found is None:
        return None
    if found.frequency != NotificationFrequency.NEVER:
        found.frequency = NotificationFrequency.NEVER
        found.save(update_fields=["frequency"])
    Notification.objects.filter(user_id=found.user_id, sent_at__isnull=True).delete()
    return found


# --- Recording news ---------------------------------------------------------------


def followers_of(proposal: Proposal) -> set[int]:
    """Ids of the people following the proposal or its consultation."""
    return set(
        Follow.objects.filter(Q(proposal_id=proposal.pk) | Q(consultation_id=proposal.consultation_id)).values_list(
            "user_id", flat=True
        )
    )


def _record(user_ids, *, kind: str, proposal: Proposal, comment=None, change=None, skip=None) -> int:
    """Record the news for these people (not ``skip``, the person who caused it;
    not those who chose no e-mail; not inactive accounts) and send it at once to
    those who chose so. Returns how many were recorded."""
    from django.contrib.auth import get_user_model

    ids = {pk for pk in user_ids if pk and pk != skip}
    if not ids:
        return 0
    users = get_user_model().objects.filter(pk__in=ids, is_active=True).exclude(email="").exclude(email=None)
    chosen = dict(ParticipationSettings.objects.filter(user_id__in=ids).values_list("user_id", "frequency"))
    now = timezone.now()
    recorded = 0
    for user in users.order_by("pk"):
        frequency = chosen.get(user.pk, NotificationFrequency.IMMEDIATE)
        if frequency == NotificationFrequency.NEVER:
            continue
        try:
            with transaction.atomic():
                item = Notification.objects.create(
                    user=user, kind=kind, proposal=proposal, comment=comment, change=change, created_at=now
                )
        except IntegrityError:  # the same news already recorded for this person
            continue
        recorded += 1
        if frequency == NotificationFrequency.IMMEDIATE:
            _send_immediate(user, item)
    return recorded


def comment_posted(comment: Comment) -> None:
    """News of a new comment: the replied-to author hears of the reply; followers
    hear of an official answer."""
    proposal = comment.proposal
    if comment.is_official:
        _record(
            followers_of(proposal),
            kind=NotificationKind.OFFICIAL_ANSWER,
            proposal=proposal,
            comment=comment,
            skip=comment.author_id,
        )
    if comment.parent_id is not None:
        parent_author = Comment.objects.filter(pk=comment.parent_id).values_list("author_id", flat=True).first()
        _record(
            [parent_author], kind=NotificationKind.REPLY, proposal=proposal, comment=comment, skip=comment.author_id
        )


NEWS_FIELDS = frozenset({"state", "answer"})


def proposal_changed_later(change_id: int) -> None:
    """Run after the change's transaction has committed (see ``signals``): a
    failure here is logged, never raised (the change itself is saved)."""
    try:
        with transaction.atomic():
            change = ProposalChange.objects.filter(pk=change_id).first()
            if change is not None:
                proposal_changed(change)
    except Exception:
        logger.exception("Could not record the news of proposal change %s", change_id)


def proposal_changed(change: ProposalChange) -> int:
    """News of a proposal's history: its state and its answer. A new public
    proposal is news for those who follow its consultation (and for its author); an
    idea refused by moderation is told to its author only, with the reason."""
    proposal = Proposal.objects.select_related("consultation").get(pk=change.proposal_id)
    if change.field == "state":
        if change.after == ProposalState.HIDDEN:
            return _record([proposal.author_id], kind=NotificationKind.STATE, proposal=proposal, change=change)
        if change.after not in PUBLIC_STATES:
            return 0
        recipients = followers_of(proposal)
        if change.after == ProposalState.PUBLISHED and change.before in ("", ProposalState.SUBMITTED):
            recipients.add(proposal.author_id)
            return _record(
                recipients, kind=NotificationKind.NEW_PROPOSAL, proposal=proposal, change=change, skip=change.author_id
            )
        return _record(recipients, kind=NotificationKind.STATE, proposal=proposal, change=change, skip=change.author_id)
    if change.field == "answer" and change.after and proposal.is_public:
        return _record(
            followers_of(proposal),
            kind=NotificationKind.ANSWER,
            proposal=proposal,
            change=change,
            skip=change.author_id,
        )
    return 0


def idea_author_follows(proposal: Proposal) -> None:
    """The author of a new proposal follows it from the start (the view that takes
    the idea records the language of its page: a proposal created in the admin or by
    a command says nothing of its author's language)."""
    if proposal.author_id:
        follow(user=proposal.author, proposal=proposal)


# --- Sending ------------------------------------------------------------------------


def unsubscribe_url(user_settings: ParticipationSettings) -> str:
    return mail.absolute(
        reverse("participation:unsubscribe", kwargs={"token": user_settings.unsubscribe_token}, urlconf=None)
    )


def _headers(user_settings: ParticipationSettings) -> dict:
    url = unsubscribe_url(user_settings)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def item_context(item: Notification) -> dict:
    """What a mail says of one piece of news (texts as written: mails are plain
    text; the proposal's title and answer are read in the mail's language)."""
    proposal = item.proposal
    context = {"kind": item.kind, "proposal": proposal, "url": mail.absolute(proposal.get_absolute_url())}
    if item.comment_id:
        comment = item.comment
        context["comment"] = comment
        context["author"] = comment.author.public_name if comment.author_id else ""
        context["url"] = mail.absolute(
            reverse(
                "participation:comments",
                kwargs={"consultation": proposal.consultation.slug, "slug": proposal.slug},
            )
            + f"?commentaire={comment.pk}#comment-{comment.pk}"
        )
    if item.change_id:
        change = item.change
        context["change"] = change
        if item.kind == NotificationKind.STATE:
            context["state"] = ProposalState(change.after).label if change.after in ProposalState.values else ""
            context["reason"] = change.note if change.after == ProposalState.HIDDEN else ""
            context["show_answer"] = proposal.is_decided and bool(proposal.answer_fr)
        else:
            context["show_answer"] = bool(proposal.answer_fr)
    return context


def _send_immediate(user, item: Notification) -> None:
    user_settings = settings_for(user)
    with translation.override(user_settings.language):  # the links too (/en/…)
        context = {**item_context(item), "user": user, "unsubscribe_url": unsubscribe_url(user_settings)}
        headers = _headers(user_settings)
    mail.send_after_commit(
        template="participation/email/news",
        context=context,
        recipients=[user.email],
        headers=headers,
        language=user_settings.language,
    )
    Notification.objects.filter(pk=item.pk).update(sent_at=timezone.now())


def digests_send(*, now=None, dry_run: bool = False) -> dict[str, int]:
    """One mail per person with news not sent yet (daily digest; the news of a
    person who chose immediate mails and could not get them is sent here too).
    Each person's items are locked and stamped in the transaction that queues the
    mail: run twice, it sends nothing new; a failure for one person is logged and
    the others go on."""
    now = now or timezone.now()
    counts = {"people": 0, "items": 0, "failed": 0}
    pending = (
        Notification.objects.filter(sent_at__isnull=True, created_at__lte=now)
        .exclude(user__participation_settings__frequency=NotificationFrequency.NEVER)
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user_id in sorted(set(pending)):
        try:
            with transaction.atomic():
                sent = _digest(user_id, now=now, dry_run=dry_run)
        except Exception:
            logger.exception("Could not send the participation digest of user %s", user_id)
            counts["failed"] += 1
            continue
        if sent:
            counts["people"] += 1
            counts["items"] += sent
    return counts


def _digest(user_id: int, *, now, dry_run: bool) -> int:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return 0
    user_settings = settings_for(user)
    user_settings = ParticipationSettings.objects.select_for_update().get(pk=user_settings.pk)
    if user_settings.frequency == NotificationFrequency.NEVER:
        return 0
    items = list(
        Notification.objects.select_for_update(of=("self",))
        .filter(user_id=user_id, sent_at__isnull=True, created_at__lte=now)
        .select_related("proposal__consultation", "comment__author", "change")
        .order_by("created_at", "pk")
    )
    if not items:
        return 0
    if dry_run:
        return len(items)
    shown = items[:DIGEST_MAX_ITEMS]
    with translation.override(user_settings.language):  # the links too (/en/…)
        context = {
            "user": user,
            "items": [item_context(item) for item in shown],
            "more": len(items) - len(shown),
            "unsubscribe_url": unsubscribe_url(user_settings),
            "settings_url": mail.absolute(reverse("participation:notification_settings")),
        }
        headers = _headers(user_settings)
    mail.send_after_commit(
        template="participation/email/digest",
        context=context,
        recipients=[user.email],
        headers=headers,
        language=user_settings.language,
    )
    Notification.objects.filter(pk__in=[item.pk for item in items]).update(sent_at=now)
    user_settings.digest_sent_at = now
    user_settings.save(update_fields=["digest_sent_at"])
    return len(items)
