"""The data's own invariants: phases from dates, database constraints, factories' counters."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from helice.participation.models import (
    PROPOSAL_TRANSITIONS,
    Consultation,
    Follow,
    Opinion,
    ParticipationBlock,
    Phase,
    ProposalState,
)

from .factories import (
    CommentFactory,
    ConsultationFactory,
    FollowFactory,
    OpinionFactory,
    ParticipationBlockFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def consultation(**dates):
    return Consultation(slug="c", title_fr="C", **dates)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 1, 31), Phase.ANNOUNCED),
        (D(2026, 2, 1), Phase.OPEN),
        (D(2026, 3, 31), Phase.OPEN),
        (D(2026, 4, 1), Phase.ANALYSIS),
        (D(2026, 5, 31), Phase.ANALYSIS),
        (D(2026, 6, 1), Phase.RESULTS),
    ],
)
def test_phase_follows_the_dates(today, expected):
    c = consultation(opens_on=D(2026, 2, 1), closes_on=D(2026, 3, 31), results_on=D(2026, 6, 1))
    assert c.phase_on(today) == expected


def test_phase_with_missing_dates_and_forced_phase():
    assert consultation().phase_on(D(2026, 1, 1)) == Phase.ANNOUNCED
    assert consultation(opens_on=D(2026, 1, 1)).phase_on(D(2030, 1, 1)) == Phase.OPEN
    assert consultation(opens_on=D(2026, 1, 1), closes_on=D(2026, 1, 2)).phase_on(D(2030, 1, 1)) == Phase.ANALYSIS
    assert consultation(phase_forced=Phase.OPEN).phase_on(D(2026, 1, 1)) == Phase.OPEN


def test_factory_traits_give_their_phase():
    assert ConsultationFactory().phase == Phase.OPEN
    assert ConsultationFactory(announced=True).phase == Phase.ANNOUNCED
    assert ConsultationFactory(analysis=True).phase == Phase.ANALYSIS
    assert ConsultationFactory(results=True).phase == Phase.RESULTS


def test_dates_out_of_order_are_refused_by_clean_and_database():
    c = ConsultationFactory.build(opens_on=D(2026, 3, 1), closes_on=D(2026, 2, 1))
    with pytest.raises(ValidationError):
        c.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        c.save()


def test_unknown_participant_category_is_refused():
    c = ConsultationFactory.build(eligible_categories=["citizen", "martian"])
    with pytest.raises(ValidationError) as error:
        c.full_clean()
    assert "eligible_categories" in error.value.message_dict


def test_one_opinion_per_person_and_proposal_in_the_database():
    opinion = OpinionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Opinion.objects.create(proposal=opinion.proposal, user=opinion.user, value="mixed")
    assert opinion.proposal.agree_count == 1


def test_opinion_value_checked_by_the_database():
    proposal = ProposalFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OpinionFactory(proposal=proposal, value="maybe")


def test_factories_keep_counters_equal_to_rows():
    proposal = ProposalFactory()
    OpinionFactory.create_batch(2, proposal=proposal, value="agree")
    OpinionFactory(proposal=proposal, value="disagree")
    CommentFactory(proposal=proposal)
    CommentFactory(proposal=proposal, hidden=True)
    proposal.refresh_from_db()
    assert (proposal.agree_count, proposal.mixed_count, proposal.disagree_count) == (2, 0, 1)
    assert proposal.opinion_count == 3
    assert proposal.comment_count == 1


def test_follow_targets_exactly_one_thing_once():
    follow = FollowFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=follow.user, proposal=follow.proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=follow.user, proposal=follow.proposal, consultation=follow.proposal.consultation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=follow.user)
    FollowFactory(user=follow.user, proposal=None, consultation=follow.proposal.consultation)


def test_one_active_block_per_account():
    block = ParticipationBlockFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipationBlock.objects.create(user=block.user, reason="Encore.")
    block.lifted_at = block.created_at
    block.save()
    assert not block.is_active()
    assert ParticipationBlockFactory(user=block.user).is_active()


def test_proposal_slug_unique_within_its_consultation():
    proposal = ProposalFactory()
    ProposalFactory(slug=proposal.slug)  # another consultation
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalFactory(consultation=proposal.consultation, slug=proposal.slug)


def test_every_state_has_its_transitions():
    assert set(PROPOSAL_TRANSITIONS) == set(ProposalState.values)
    for targets in PROPOSAL_TRANSITIONS.values():
        assert targets <= set(ProposalState.values)


def test_search_document_holds_title_body_and_objective():
    proposal = ProposalFactory(title_fr="Créer un guichet unique", body_fr="<p>Pour les <b>entreprises</b></p>")
    assert " guichet " in proposal.search_document
    assert " entreprises " in proposal.search_document
    assert "<" not in proposal.search_document
