"""The opinion write path stays short: it is the benchmark's hot path (300 writes a
second at 16 clients). The caller's proposal gets its counters as the write left
them, without reading them again after the commit."""

import pytest

from helice.accounts.tests.factories import UserFactory
from helice.participation import services
from helice.participation.models import Opinion

from .factories import OpinionFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _counts(p):
    return (p.agree_count, p.mixed_count, p.disagree_count)


def test_give_change_withdraw_counters_and_queries(django_assert_num_queries):
    proposal = ProposalFactory()
    OpinionFactory(proposal=proposal, value="disagree")
    user = UserFactory(verified=True, participant_category="student")
    # Savepoint and release, lock, account (one query), opinion read, insert, counter update.
    with django_assert_num_queries(7):
        services.opinion_set(proposal=proposal, user=user, value="agree")
    assert _counts(proposal) == (1, 0, 1)
    proposal.refresh_from_db()
    assert _counts(proposal) == (1, 0, 1)
    services.opinion_set(proposal=proposal, user=user, value="mixed")
    assert _counts(proposal) == (0, 1, 1)
    services.opinion_set(proposal=proposal, user=user, value="mixed")  # unchanged
    assert _counts(proposal) == (0, 1, 1)
    assert services.opinion_withdraw(proposal=proposal, user=user)
    assert _counts(proposal) == (0, 0, 1)
    proposal.refresh_from_db()
    assert (
        _counts(proposal)
        == (0, 0, 1)
        == (
            Opinion.objects.filter(proposal=proposal, value="agree").count(),
            Opinion.objects.filter(proposal=proposal, value="mixed").count(),
            Opinion.objects.filter(proposal=proposal, value="disagree").count(),
        )
    )


def test_counters_include_writes_committed_before_the_lock():
    """The caller's object may be stale: the counters come from the locked row."""
    proposal = ProposalFactory()
    stale = type(proposal).objects.get(pk=proposal.pk)
    OpinionFactory(proposal=proposal, value="agree")  # someone else, after `stale` was read
    services.opinion_set(proposal=stale, user=UserFactory(verified=True), value="agree")
    assert _counts(stale) == (2, 0, 0)
