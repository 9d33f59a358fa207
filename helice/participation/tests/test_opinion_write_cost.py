"""The opinion write path stays short: it is the benchmark's hot path (300 writes a
second at 16 clients). The caller's proposal gets its counters as the write left
them, without reading them again after the commit."""

import contextlib
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils.translation import gettext

from helice.accounts.tests.factories import UserFactory
from helice.participation import services
from helice.participation.models import Opinion

from .factories import OpinionFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _counts(p):
    return (p.agree_count, p.mixed_count, p.disagree_count)


PG = connection.vendor == "postgresql"


@pytest.mark.parametrize(
    "sql", [pytest.param(True, marks=pytest.mark.skipif(not PG, reason="PostgreSQL's SQL path")), False]
)
def test_give_change_withdraw_counters_and_queries(sql, django_assert_num_queries):
    """The same answers and counters on the ORM path and, on PostgreSQL, the SQL path."""
    proposal = ProposalFactory()
    OpinionFactory(proposal=proposal, value="disagree")
    user = UserFactory(verified=True, participant_category="student")
    forced = None if sql else mock.patch.object(services, "_sql_path", return_value=False)
    with forced or contextlib.nullcontext():
        _give_change_withdraw(proposal, user, sql, django_assert_num_queries)


def _give_change_withdraw(proposal, user, sql, django_assert_num_queries):
    # ORM: savepoint and release, lock, account (one query), opinion read, insert, counter update.
    # SQL: account, then the write function's one call (here within the test's transaction, so
    # in a savepoint and its release; alone, the call is its own transaction: two statements).
    with django_assert_num_queries(4 if sql else 7):
        opinion = services.opinion_set(proposal=proposal, user=user, value="agree")
    stored = Opinion.objects.get(proposal=proposal, user=user)
    assert (opinion.pk, opinion.value, opinion.participant_category) == (stored.pk, "agree", "student")
    assert _counts(proposal) == (1, 0, 1)
    proposal.refresh_from_db()
    assert _counts(proposal) == (1, 0, 1)
    services.opinion_set(proposal=proposal, user=user, value="mixed")
    assert _counts(proposal) == (0, 1, 1)
    user.participant_category = "company"  # an unchanged opinion keeps the category it was given with
    unchanged = services.opinion_set(proposal=proposal, user=user, value="mixed")
    assert _counts(proposal) == (0, 1, 1)
    assert unchanged.pk == stored.pk and unchanged.created_at == stored.created_at
    assert Opinion.objects.get(pk=stored.pk).participant_category == "student"
    assert services.opinion_withdraw(proposal=proposal, user=user)
    assert _counts(proposal) == (0, 0, 1)
    assert not services.opinion_withdraw(proposal=proposal, user=user)  # nothing left to withdraw
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


@pytest.mark.parametrize(
    "sql", [pytest.param(True, marks=pytest.mark.skipif(not PG, reason="PostgreSQL's SQL path")), False]
)
def test_the_locked_state_decides_with_its_reason(sql):
    """The caller read the proposal open; it was rejected before the lock: refused
    with the reason, nothing written, on both paths."""
    proposal = ProposalFactory()
    user = UserFactory(verified=True)
    services.opinion_set(proposal=proposal, user=user, value="agree")
    stale = type(proposal).objects.select_related("consultation").get(pk=proposal.pk)
    type(proposal).objects.filter(pk=proposal.pk).update(state="rejected")
    forced = None if sql else mock.patch.object(services, "_sql_path", return_value=False)
    with forced or contextlib.nullcontext():
        for write in (
            lambda: services.opinion_set(proposal=stale, user=user, value="mixed"),
            lambda: services.opinion_withdraw(proposal=stale, user=user),
            lambda: services.opinion_set(proposal=stale, user=UserFactory(verified=True), value="mixed"),
        ):
            with pytest.raises(PermissionDenied) as refused:
                write()
            assert str(refused.value) == gettext("This proposal no longer takes opinions.")
    assert list(Opinion.objects.values_list("user_id", "value")) == [(user.pk, "agree")]
    proposal.refresh_from_db()
    assert _counts(proposal) == (1, 0, 0)
