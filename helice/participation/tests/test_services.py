"""Services: opinions and their counters, ideas, the state machine (every allowed
and refused move), answers, and the territory's consultation."""

import pytest
from django.core.exceptions import PermissionDenied

from helice.accounts.tests.factories import UserFactory
from helice.participation import services
from helice.participation.models import (
    PROPOSAL_TRANSITIONS,
    Opinion,
    Proposal,
    ProposalChange,
    ProposalState,
)

from .factories import ActionFactory, ConsultationFactory, OpinionFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def counters(proposal):
    proposal.refresh_from_db()
    return proposal.agree_count, proposal.mixed_count, proposal.disagree_count


def rows(proposal):
    return tuple(Opinion.objects.filter(proposal=proposal, value=v).count() for v in ("agree", "mixed", "disagree"))


# --- opinions -----------------------------------------------------------------------


def test_set_change_withdraw_keep_counters_equal_to_rows():
    proposal = ProposalFactory()
    alice = UserFactory(verified=True, participant_category="citizen")
    bob = UserFactory(verified=True)
    services.opinion_set(proposal=proposal, user=alice, value="agree")
    services.opinion_set(proposal=proposal, user=bob, value="agree")
    assert counters(proposal) == rows(proposal) == (2, 0, 0)
    services.opinion_set(proposal=proposal, user=alice, value="agree")  # same again: nothing moves
    assert counters(proposal) == (2, 0, 0)
    opinion = services.opinion_set(proposal=proposal, user=alice, value="disagree")
    assert opinion.value == "disagree" and opinion.participant_category == "citizen"
    assert counters(proposal) == rows(proposal) == (1, 0, 1)
    assert services.opinion_withdraw(proposal=proposal, user=alice) is True
    assert services.opinion_withdraw(proposal=proposal, user=alice) is False
    assert counters(proposal) == rows(proposal) == (1, 0, 0)


def test_bad_value_and_refused_person_change_nothing():
    proposal = ProposalFactory()
    with pytest.raises(services.ParticipationError):
        services.opinion_set(proposal=proposal, user=UserFactory(verified=True), value="perhaps")
    with pytest.raises(PermissionDenied):
        services.opinion_set(proposal=proposal, user=UserFactory(), value="agree")
    closed = ProposalFactory(rejected=True)
    with pytest.raises(PermissionDenied):
        services.opinion_set(proposal=closed, user=UserFactory(verified=True), value="agree")
    assert not Opinion.objects.exists() and counters(proposal) == (0, 0, 0)


def test_recount_repairs_counters():
    proposal = ProposalFactory()
    OpinionFactory.create_batch(3, proposal=proposal, value="mixed")
    Proposal.objects.filter(pk=proposal.pk).update(mixed_count=99, agree_count=4)
    assert services.proposal_counters_recount(proposal=proposal) == {
        "agree_count": 0,
        "mixed_count": 3,
        "disagree_count": 0,
    }
    assert counters(proposal) == (0, 3, 0)


# --- ideas --------------------------------------------------------------------------


def test_idea_slugs_stay_unique_within_the_consultation():
    consultation = ConsultationFactory()
    author = UserFactory(verified=True)
    body = "Une idée décrite avec assez de mots pour être lue."
    first = services.idea_submit(consultation=consultation, author=author, title="Une même idée ici", body=body)
    second = services.idea_submit(consultation=consultation, author=author, title="Une même idée ici", body=body)
    assert (first.slug, second.slug) == ("une-meme-idee-ici", "une-meme-idee-ici-2")
    assert first.state == second.state == ProposalState.SUBMITTED


def test_idea_markup_is_cleaned_and_searchable():
    consultation = ConsultationFactory()
    idea = services.idea_submit(
        consultation=consultation,
        author=UserFactory(verified=True),
        title="Des ateliers ouverts",
        body="<p>Ouvrir les <b>fablabs</b> le soir</p><script>alert(1)</script>",
    )
    assert "<script" not in idea.body_fr and "<b>fablabs</b>" in idea.body_fr
    assert " fablab" in idea.search_document


def test_idea_objective_must_be_the_consultations():
    from .factories import ObjectiveFactory

    mine, other = ObjectiveFactory(), ObjectiveFactory()
    consultation = ConsultationFactory(objectives=[mine])
    with pytest.raises(services.ParticipationError):
        services.idea_submit(
            consultation=consultation,
            author=UserFactory(verified=True),
            title="Un titre assez long",
            body="Un texte assez long pour passer la limite.",
            objective=other,
        )
    assert not Proposal.objects.exists()


# --- state machine ------------------------------------------------------------------

ALL_MOVES = [(a, b) for a in ProposalState.values for b in ProposalState.values if a != b]


@pytest.mark.parametrize(("before", "after"), ALL_MOVES)
def test_state_machine_allows_exactly_the_written_moves(before, after):
    proposal = ProposalFactory(state=before, idea=True)
    admin = UserFactory(administrator=True, verified=True)
    action = ActionFactory()
    kwargs = {"reason": "Motif donné.", "action": action}
    if after in PROPOSAL_TRANSITIONS[before]:
        services.proposal_transition(proposal=proposal, to=after, by=admin, **kwargs)
        proposal.refresh_from_db()
        assert proposal.state == after and proposal.state_changed_at
        assert ProposalChange.objects.filter(proposal=proposal, field="state", before=before, after=after).exists()
        assert (proposal.action == action) is (after == ProposalState.ACCEPTED)
    else:
        with pytest.raises(services.ParticipationError):
            services.proposal_transition(proposal=proposal, to=after, by=admin, **kwargs)
        proposal.refresh_from_db()
        assert proposal.state == before and not ProposalChange.objects.exists()


def test_moves_need_the_right_role():
    moderator = UserFactory(moderator=True, verified=True)
    manager = UserFactory(strategy_manager=True, verified=True)
    proposal = ProposalFactory(submitted=True)
    with pytest.raises(PermissionDenied):
        services.proposal_transition(proposal=proposal, to="published", by=manager)
    services.proposal_transition(proposal=proposal, to="published", by=moderator)
    with pytest.raises(PermissionDenied):
        services.proposal_transition(proposal=proposal, to="evaluating", by=moderator)
    services.proposal_transition(proposal=proposal, to="evaluating", by=manager)
    with pytest.raises(PermissionDenied):
        services.proposal_transition(proposal=proposal, to="published", by=UserFactory(verified=True))
    proposal.refresh_from_db()
    assert proposal.state == "evaluating" and proposal.published_at is not None


def test_leaving_accepted_unlinks_the_action_and_records_it():
    manager = UserFactory(strategy_manager=True, verified=True)
    proposal = ProposalFactory(accepted=True)
    code = proposal.action.code
    services.proposal_transition(proposal=proposal, to="evaluating", by=manager)
    proposal.refresh_from_db()
    assert proposal.action is None
    assert ProposalChange.objects.filter(proposal=proposal, field="action", before=code, after="").exists()


def test_hiding_needs_a_reason_and_accepting_an_action():
    moderator = UserFactory(administrator=True, verified=True)
    proposal = ProposalFactory()
    with pytest.raises(services.ParticipationError):
        services.proposal_transition(proposal=proposal, to="hidden", by=moderator, reason="  ")
    with pytest.raises(services.ParticipationError):
        services.proposal_transition(proposal=proposal, to="accepted", by=moderator)
    with pytest.raises(services.ParticipationError):
        services.proposal_transition(proposal=proposal, to="nonsense", by=moderator)


def test_answer_is_dated_signed_and_recorded():
    manager = UserFactory(strategy_manager=True, verified=True)
    proposal = ProposalFactory()
    services.proposal_answer(proposal=proposal, by=manager, answer_fr="Nous étudions cette proposition.")
    proposal.refresh_from_db()
    assert proposal.answer_fr == "Nous étudions cette proposition." and proposal.answered_by == manager
    assert proposal.answered_at is not None
    services.proposal_answer(proposal=proposal, by=manager, answer_fr="Nous étudions cette proposition.")
    assert ProposalChange.objects.filter(field="answer").count() == 1  # unchanged: not recorded again
    with pytest.raises(PermissionDenied):
        services.proposal_answer(proposal=proposal, by=UserFactory(moderator=True), answer_fr="x")
    with pytest.raises(services.ParticipationError):
        services.proposal_answer(proposal=proposal, by=manager, answer_fr="x" * 5001)
