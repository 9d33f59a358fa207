"""The results page of a consultation: participants by category, opinions and
comments per proposal (bar, words, table), proposals by state, answers."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from helice.accounts.tests.factories import UserFactory
from helice.participation import results
from helice.participation.models import ProposalState

from .factories import CommentFactory, ConsultationFactory, OpinionFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _url(consultation):
    return reverse("participation:results", kwargs={"slug": consultation.slug})


@pytest.fixture
def consultation():
    """Two public proposals with opinions from three categories, a comment, a
    hidden comment, an idea awaiting moderation, a hidden idea and an accepted
    proposal with its answer and action."""
    c = ConsultationFactory(title_fr="Concertation innovation")
    first = ProposalFactory(consultation=c, title_fr="Réseau des tiers-lieux", reference="P1", position=1)
    second = ProposalFactory(consultation=c, title_fr="Fonds d'amorçage", position=2)
    ProposalFactory(consultation=c, title_fr="Idée en attente", submitted=True)
    ProposalFactory(consultation=c, title_fr="Idée cachée", hidden=True)
    ProposalFactory(consultation=c, title_fr="Guichet unique", accepted=True, position=3)
    citizen = UserFactory(participant_category="citizen")
    student = UserFactory(participant_category="student")
    company = UserFactory(participant_category="company")
    nobody = UserFactory(participant_category="")
    OpinionFactory(proposal=first, user=citizen, value="agree")
    OpinionFactory(proposal=first, user=student, value="agree")
    OpinionFactory(proposal=first, user=company, value="disagree")
    OpinionFactory(proposal=second, user=citizen, value="mixed")
    CommentFactory(proposal=second, author=nobody, body="Une remarque.")
    CommentFactory(proposal=second, author=citizen, body="Texte caché", hidden=True)
    return c


def test_results_numbers_categories_states_and_answers(client, consultation):
    response = client.get(_url(consultation))
    assert response.status_code == 200
    html = response.content.decode()
    data = response.context["results"]
    # 4 people: 3 gave opinions, 1 only commented.
    assert data.participants == 4
    assert {line.category: line.participants for line in data.categories} == {
        "citizen": 1,
        "student": 1,
        "company": 1,
        "": 1,
    }
    assert data.opinion_total == 4
    assert [(s.value, s.count, s.percent) for s in data.totals] == [
        ("agree", 2, 50),
        ("mixed", 1, 25),
        ("disagree", 1, 25),
    ]
    assert data.comment_total == 1  # the hidden one is not counted
    states = {line.state: line.count for line in data.states}
    assert states[ProposalState.PUBLISHED] == 2
    assert states[ProposalState.SUBMITTED] == 1
    assert states[ProposalState.HIDDEN] == 1
    assert states[ProposalState.ACCEPTED] == 1
    # Unpublished ideas are counted, never shown.
    assert "Idée en attente" not in html and "Idée cachée" not in html
    # Words and numbers beside each bar, and the same as a table.
    assert "Réseau des tiers-lieux" in html
    for label in results.opinion_labels().values():
        assert escape(label) in html
    assert '<caption id="proposals-caption">' in html
    assert "(67&nbsp;%)" in html  # 2 of 3 agree on the first proposal
    # The accepted proposal's answer and the action it became.
    assert "Retenue : elle devient une action du plan." in html
    answered = next(p for p in data.answers if p.state == ProposalState.ACCEPTED)
    assert answered.action.get_absolute_url() in html


def test_shares_add_up_to_one_hundred():
    parts = results.shares({"a": 1, "b": 1, "c": 1}, {"a": "A", "b": "B", "c": "C"})
    assert sum(p.percent for p in parts) == 100
    assert [p.offset for p in parts] == [0, parts[0].percent, parts[0].percent + parts[1].percent]
    empty = results.shares({}, {"a": "A", "b": "B"})
    assert [p.percent for p in empty] == [0, 0]


def test_unpublished_consultation_is_404(client):
    draft = ConsultationFactory(draft=True)
    assert client.get(_url(draft)).status_code == 404
    assert client.get("/concertation/nope/resultats/").status_code == 404


def test_archived_consultation_keeps_its_results(client):
    archived = ConsultationFactory(archived=True)
    ProposalFactory(consultation=archived)
    assert client.get(_url(archived)).status_code == 200


def test_empty_consultation(client):
    empty = ConsultationFactory()
    response = client.get(_url(empty))
    assert response.status_code == 200
    assert response.context["results"].participants == 0


def test_people_are_cached_then_recounted(client, consultation, django_assert_num_queries):
    client.get(_url(consultation))  # counts the people, fills the cache
    # Then: the consultation, the proposals, the states (the people come from the cache).
    with django_assert_num_queries(3):
        response = client.get(_url(consultation))
    assert response.status_code == 200
    proposal = consultation.proposals.get(reference="P1")
    OpinionFactory(proposal=proposal, user=UserFactory(participant_category="researcher"), value="mixed")
    again = client.get(_url(consultation)).context["results"]
    assert again.opinion_total == 5  # exact: from the counters
    assert again.participants == 4  # the people, until they are recounted
    results.forget_people(consultation)
    assert client.get(_url(consultation)).context["results"].participants == 5


def test_query_count_does_not_grow_with_proposals(client, django_assert_num_queries):
    c = ConsultationFactory()
    for i in range(12):
        OpinionFactory(proposal=ProposalFactory(consultation=c, accepted=bool(i % 3 == 0)))
    client.get(_url(c))
    with django_assert_num_queries(3):
        assert client.get(_url(c)).status_code == 200


def test_english_page(client, consultation):
    response = client.get("/en" + _url(consultation))
    assert response.status_code == 200
    assert "Results of the consultation" in response.content.decode()


def test_hostile_texts_are_escaped(client):
    c = ConsultationFactory()
    ProposalFactory(
        consultation=c,
        title_fr='<script>alert(1)</script><img src=x onerror="alert(2)">',
        rejected=True,
        answer_fr="<script>alert(3)</script> **Non**",
    )
    html = client.get(_url(c)).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)" in html
