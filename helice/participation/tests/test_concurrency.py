"""One opinion per person and proposal, and exact counters, under concurrency.

Many threads (each with its own connection and real transactions) give, change
and withdraw opinions at the same moment: different accounts on the same
proposal, and the same account from several threads at once. Afterwards no
opinion is lost or doubled and every counter equals the stored rows. Runs on
PostgreSQL (CI runs it); SQLite serialises every write, so there is nothing to
race there."""

from functools import partial

import pytest
from django.db import connection

from helice.accounts.tests.factories import UserFactory
from helice.core.testing.concurrency import run_together
from helice.participation import services
from helice.participation.models import Opinion, Proposal

from .factories import ProposalFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL): real row locks"),
]

VALUES = ("agree", "mixed", "disagree")


def assert_counters_equal_rows(proposal):
    proposal.refresh_from_db()
    rows = {v: Opinion.objects.filter(proposal=proposal, value=v).count() for v in VALUES}
    assert (proposal.agree_count, proposal.mixed_count, proposal.disagree_count) == (
        rows["agree"],
        rows["mixed"],
        rows["disagree"],
    )
    return rows


def sequence(proposal, user, steps):
    """One person's successive actions, as one thread makes them."""
    for step in steps:
        if step == "withdraw":
            services.opinion_withdraw(proposal=proposal, user=user)
        else:
            services.opinion_set(proposal=proposal, user=user, value=step)
    return steps[-1]


def test_many_accounts_and_one_account_many_times_at_once():
    proposal = ProposalFactory()
    others = [UserFactory(verified=True, participant_category="citizen") for _ in range(24)]
    same = UserFactory(verified=True, participant_category="company")
    calls = []
    expected = {}
    for n, user in enumerate(others):
        steps = [VALUES[n % 3], VALUES[(n + 1) % 3], "withdraw", VALUES[(n + 2) % 3]][: 2 + n % 3]
        if steps[-1] == "withdraw":
            steps.append("agree")
        expected[user.pk] = steps[-1]
        calls.append(partial(sequence, proposal, user, steps))
    # The same person from eight threads at once: give, change, withdraw in turn.
    for n in range(8):
        calls.append(partial(sequence, proposal, same, [VALUES[n % 3], "withdraw", VALUES[(n + 1) % 3]]))
    results = run_together(*calls)
    assert not [r for r in results if isinstance(r, Exception)], results

    rows = assert_counters_equal_rows(proposal)
    stored = dict(Opinion.objects.filter(proposal=proposal).values_list("user_id", "value"))
    # Nothing lost: every other account's last choice is there, exactly.
    assert {pk: stored[pk] for pk in expected} == expected
    # Nothing doubled: the same person has at most one opinion (the database allows no more).
    assert Opinion.objects.filter(proposal=proposal, user=same).count() <= 1
    assert sum(rows.values()) == len(stored) == len(expected) + (1 if same.pk in stored else 0)


def test_the_same_account_racing_to_create_keeps_one_opinion():
    for _ in range(5):
        proposal = ProposalFactory()
        user = UserFactory(verified=True)
        results = run_together(
            *[partial(services.opinion_set, proposal=proposal, user=user, value=VALUES[n % 3]) for n in range(12)]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert Opinion.objects.filter(proposal=proposal, user=user).count() == 1
        rows = assert_counters_equal_rows(proposal)
        assert sum(rows.values()) == 1


def test_opinions_on_many_proposals_at_once():
    proposals = [ProposalFactory() for _ in range(4)]
    users = [UserFactory(verified=True) for _ in range(16)]
    calls = [
        partial(sequence, proposals[n % 4], user, [VALUES[n % 3], VALUES[(n + 1) % 3]]) for n, user in enumerate(users)
    ]
    calls += [partial(sequence, proposals[(n + 1) % 4], user, ["disagree"]) for n, user in enumerate(users)]
    results = run_together(*calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    total = 0
    for proposal in proposals:
        total += sum(assert_counters_equal_rows(proposal).values())
    assert total == Opinion.objects.count() == 32
    assert Proposal.objects.filter(agree_count__lt=0).count() == 0
