"""Who may take part, as a matrix: account × consultation × proposal state, and the
staff permissions per role."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.participation import rules as participation_rules
from helice.participation.models import ProposalState

from .factories import ConsultationFactory, ParticipationBlockFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def make_account(kind):
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "unverified":
        return UserFactory(participant_category="company")
    if kind == "inactive":
        return UserFactory(verified=True, is_active=False, participant_category="company")
    if kind == "deleted":
        return UserFactory(verified=True, deleted_at=timezone.now(), participant_category="company")
    if kind == "blocked":
        user = UserFactory(verified=True, participant_category="company")
        ParticipationBlockFactory(user=user)
        return user
    if kind == "block_expired":
        user = UserFactory(verified=True, participant_category="company")
        ParticipationBlockFactory(user=user, until=timezone.now() - datetime.timedelta(days=1))
        return user
    if kind == "block_lifted":
        user = UserFactory(verified=True, participant_category="company")
        ParticipationBlockFactory(user=user, lifted_at=timezone.now())
        return user
    if kind == "company":
        return UserFactory(verified=True, participant_category="company")
    if kind == "student":
        return UserFactory(verified=True, participant_category="student")
    if kind == "no_category":
        return UserFactory(verified=True)
    raise AssertionError(kind)


def make_consultation(kind):
    if kind == "open":
        return ConsultationFactory()
    if kind == "companies_only":
        return ConsultationFactory(eligible_categories=["company", "institution"])
    if kind == "announced":
        return ConsultationFactory(announced=True)
    if kind == "analysis":
        return ConsultationFactory(analysis=True)
    if kind == "results":
        return ConsultationFactory(results=True)
    if kind == "draft":
        return ConsultationFactory(draft=True)
    if kind == "archived":
        return ConsultationFactory(archived=True)
    if kind == "forced_open":
        return ConsultationFactory(results=True, phase_forced="open")
    if kind == "no_ideas":
        return ConsultationFactory(no_ideas=True)
    raise AssertionError(kind)


ACCOUNTS = [
    "anonymous",
    "unverified",
    "inactive",
    "deleted",
    "blocked",
    "block_expired",
    "block_lifted",
    "company",
    "student",
    "no_category",
]
MAY_ACT = {"block_expired", "block_lifted", "company", "student", "no_category"}
CONSULTATIONS = [
    "open",
    "companies_only",
    "announced",
    "analysis",
    "results",
    "draft",
    "archived",
    "forced_open",
    "no_ideas",
]
OPEN = {"open", "companies_only", "forced_open", "no_ideas"}


@pytest.mark.parametrize("consultation_kind", CONSULTATIONS)
@pytest.mark.parametrize("account_kind", ACCOUNTS)
def test_take_part_and_suggest_matrix(account_kind, consultation_kind):
    user = make_account(account_kind)
    consultation = make_consultation(consultation_kind)
    expected = account_kind in MAY_ACT and consultation_kind in OPEN
    if consultation_kind == "companies_only" and account_kind in {"student", "no_category"}:
        expected = False
    assert user.has_perm("participation.take_part", consultation) is expected
    assert (participation_rules.refusal(user, consultation) is None) is expected
    assert user.has_perm("participation.suggest_idea", consultation) is (expected and consultation_kind != "no_ideas")


@pytest.mark.parametrize("state", ProposalState.values)
@pytest.mark.parametrize("account_kind", ["anonymous", "unverified", "blocked", "company"])
def test_give_opinion_matrix(account_kind, state):
    user = make_account(account_kind)
    proposal = ProposalFactory(state=state)
    expected = account_kind == "company" and state in {"published", "evaluating"}
    assert user.has_perm("participation.give_opinion", proposal) is expected


@pytest.mark.parametrize(
    ("role", "moderate", "decide"),
    [
        (None, False, False),
        ("moderator", True, False),
        ("strategy_manager", False, True),
        ("administrator", True, True),
        ("observatory_analyst", False, False),
    ],
)
def test_staff_permissions(role, moderate, decide):
    user = UserFactory(verified=True, **({role: True} if role else {}))
    assert user.has_perm("participation.moderate") is moderate
    assert user.has_perm("participation.decide") is decide
    assert AnonymousUser().has_perm("participation.moderate") is False


def test_refusals_say_why():
    consultation = ConsultationFactory(announced=True)
    assert "Les contributions ouvrent le" in participation_rules.refusal(UserFactory(verified=True), consultation)
    blocked = make_account("blocked")
    assert "Messages injurieux répétés." in participation_rules.refusal(blocked, ConsultationFactory())
    restricted = ConsultationFactory(eligible_categories=["company"])
    assert "Indiquez votre catégorie" in participation_rules.refusal(make_account("no_category"), restricted)


def test_account_status_is_asked_once_per_user_object(django_assert_num_queries):
    user = make_account("company")
    consultations = [ConsultationFactory() for _ in range(3)]
    with django_assert_num_queries(1):
        for consultation in consultations:
            assert user.has_perm("participation.take_part", consultation)
