"""A person's comments, flags, follows, notification choice and news in their data
export; on deletion, public comments stay (from a "Deleted account"), the text of
their hidden comments kept for moderators is erased, flags, follows, choice and
news are deleted."""

import pytest

from helice.accounts.services.profile import user_delete
from helice.accounts.tests.factories import UserFactory
from helice.core import personal_data
from helice.participation import services_comments
from helice.participation.models import (
    Comment,
    CommentFlag,
    Follow,
    ModerationDecision,
    Notification,
    NotificationFrequency,
    ParticipationSettings,
)

from .factories import CommentFactory, FollowFactory, ParticipationSettingsFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def test_export_and_deletion():
    user = UserFactory(verified=True)
    ParticipationSettingsFactory(user=user, frequency=NotificationFrequency.DAILY)
    proposal = ProposalFactory(title_fr="Un guichet unique")
    FollowFactory(user=user, proposal=proposal)
    mine = services_comments.comment_create(proposal=proposal, author=user, body="Mon avis public.", stance="for")
    rude = services_comments.comment_create(proposal=proposal, author=user, body="Propos déplacés.")
    moderator = UserFactory(verified=True, moderator=True)
    services_comments.comment_hide(comment=rude, by=moderator, reason="Injure.")
    other = CommentFactory(proposal=proposal)
    services_comments.comment_flag(comment=other, by=user, reason="spam", details="Publicité.")
    services_comments.comment_create(proposal=proposal, author=UserFactory(verified=True), body="Réponse.", parent=mine)

    exported = personal_data.export(user)
    comments = exported["participation.comments"]["data"]
    assert [(c["text"], c["stance"], c["reason_for_hiding"]) for c in comments] == [
        ("Mon avis public.", "for", ""),
        ("Propos déplacés.", "none", "Injure."),
    ]
    assert exported["participation.flags"]["data"][0]["details"] == "Publicité."
    follows = exported["participation.follows"]["data"]
    assert follows["emails"] == "daily" and follows["follows"][0]["proposal"] == "Un guichet unique"
    assert follows["emails_language"] == "fr"
    assert [n["kind"] for n in follows["news"]] == ["reply"]

    user_delete(user=user)
    assert Comment.objects.get(pk=mine.pk).body == "Mon avis public."
    assert Comment.objects.get(pk=mine.pk).author.public_name == "Compte supprimé"
    assert ModerationDecision.objects.get(comment=rude).removed_text == ""
    assert not CommentFlag.objects.filter(user=user).exists()
    assert not Follow.objects.filter(user=user).exists()
    assert not ParticipationSettings.objects.filter(user=user).exists()
    assert not Notification.objects.filter(user=user).exists()
