"""Notifications and the moderation history follow the proposals' history, whoever
writes it: every new ``ProposalChange`` (state, answer) becomes news for the
proposal's followers once its transaction commits (the proposal is then saved with
its new state and answer), and a moderation move of an idea becomes a
``ModerationDecision`` in the same transaction; the author of a new proposal
follows it, in the same transaction; any saved or deleted proposal moves its
consultation's list version (the proposals list's short cache, list_cache.py)."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import notifications
from .models import Proposal, ProposalChange


def _change_recorded(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    if instance.field == "state":
        _moderation_decision(instance)
    if instance.field in notifications.NEWS_FIELDS:
        transaction.on_commit(partial(notifications.proposal_changed_later, instance.pk))


def _moderation_decision(change: ProposalChange) -> None:
    """A moderator's move of an idea (published, refused or hidden, published again),
    wherever it was made (the queue or the proposal's page), joins the queue's history."""
    from .models import ModerationAction, ModerationDecision, ProposalState
    from .services import MODERATION_MOVES

    if (change.before, change.after) not in MODERATION_MOVES:
        return
    author_id = Proposal.objects.filter(pk=change.proposal_id).values_list("author_id", flat=True).first()
    ModerationDecision.objects.create(
        action=ModerationAction.APPROVE_IDEA
        if change.after == ProposalState.PUBLISHED
        else ModerationAction.REFUSE_IDEA,
        proposal_id=change.proposal_id,
        user_id=author_id,
        reason=change.note,
        by_id=change.author_id,
        at=change.at,
    )


def _proposal_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.author_id:
        notifications.idea_author_follows(instance)


def _proposal_changed(sender, instance, raw=False, **kwargs):
    """Any save or deletion of a proposal (services, admin, territory loading) moves
    its consultation's list version; opinions and comments move the counters with
    ``update()`` and do not (list_cache.py)."""
    if raw:
        return
    from .services import list_version_bump

    list_version_bump(instance.consultation_id)


def connect() -> None:
    post_save.connect(_change_recorded, sender=ProposalChange, dispatch_uid="participation_change_news")
    post_save.connect(_proposal_saved, sender=Proposal, dispatch_uid="participation_author_follows")
    post_save.connect(_proposal_changed, sender=Proposal, dispatch_uid="participation_list_version")
    post_delete.connect(_proposal_changed, sender=Proposal, dispatch_uid="participation_list_version_delete")
