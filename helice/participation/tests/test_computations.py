import datetime

import pytest

from helice.accounts.tests.factories import UserFactory
from helice.strategy import computations

from .factories import CommentFactory, OpinionFactory, ProposalFactory

pytestmark = pytest.mark.django_db
Y = datetime.date


def test_participants_are_counted_once_across_opinions_comments_and_ideas():
    proposal = ProposalFactory()
    company = UserFactory(verified=True, participant_category="company")
    citizen = UserFactory(verified=True, participant_category="citizen")
    OpinionFactory(proposal=proposal, user=company)
    OpinionFactory(proposal=ProposalFactory(consultation=proposal.consultation), user=company)
    CommentFactory(proposal=proposal, author=company)
    CommentFactory(proposal=proposal, author=citizen)
    ProposalFactory(idea=True, consultation=proposal.consultation)  # a third person's idea

    today = datetime.date.today()
    year = (Y(today.year, 1, 1), Y(today.year, 12, 31))
    assert computations.value("consultation_participants", *year) == 3
    assert computations.value("consultation_participants:company", *year) == 1
    assert computations.value("consultation_participants:citizen", *year) == 1
    assert computations.value("consultation_participants", Y(2000, 1, 1), Y(2000, 12, 31)) == 0
