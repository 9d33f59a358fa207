"""Notifications follow the proposals' history, whoever writes it: every new
``ProposalChange`` (state, answer) becomes news for the proposal's followers once
its transaction commits (the proposal is then saved with its new state and
answer); the author of a new proposal follows it, in the same transaction."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save

from . import notifications
from .models import Proposal, ProposalChange


def _change_recorded(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.field in notifications.NEWS_FIELDS:
        transaction.on_commit(partial(notifications.proposal_changed_later, instance.pk))


def _proposal_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.author_id:
        notifications.idea_author_follows(instance)


def connect() -> None:
    post_save.connect(_change_recorded, sender=ProposalChange, dispatch_uid="participation_change_news")
    post_save.connect(_proposal_saved, sender=Proposal, dispatch_uid="participation_author_follows")
