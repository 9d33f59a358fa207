"""The two hot paths made lean for the benchmark (docs/benchmarks.md, "Participation"):
the list's cards written in Python (same words, every value escaped, the person's
own opinion only to them) and the opinion POST's proposal lookup with only the
columns the write needs (the same visibility rule, the same answers)."""

import pytest
from django.db import connection
from django.utils.translation import override

from helice.accounts.tests.factories import UserFactory
from helice.core.testing.hostile import assert_inert
from helice.participation.models import Opinion
from helice.participation.templatetags.participation import proposal_cards

from .factories import ConsultationFactory, ObjectiveFactory, OpinionFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation():
    objective = ObjectiveFactory(code="2.1", title_fr="Soutenir les filières")
    return ConsultationFactory(slug="innovation", objectives=[objective])


def test_cards_say_the_counts_in_words_and_plurals(client, consultation):
    proposal = ProposalFactory(
        consultation=consultation, title_fr="Un guichet", objective=consultation.objectives.first(), is_example=True
    )
    OpinionFactory(proposal=proposal, value="agree")
    OpinionFactory.create_batch(2, proposal=proposal, value="disagree")
    html = client.get("/concertation/innovation/").content.decode()
    assert f'<h3><a href="{proposal.get_absolute_url()}">Un guichet</a></h3>' in html
    assert "1 d'accord" in html and "0 mitigé" in html and "2 pas d'accord" in html
    assert "objectif 2.1" in html and 'class="example-flag"' in html
    with override("en"):
        english = proposal_cards([proposal], {proposal.pk: "agree"})
    assert "1 agrees, 0 mixed, 2 disagree · 0 comments · <strong>your opinion: agree</strong>" in english


def test_cards_escape_titles_and_references(client, consultation):
    ProposalFactory(
        consultation=consultation,
        title_fr='<script>alert(1)</script><img src=x onerror="alert(2)">',
        reference='<b onclick="x()">',
    )
    html = client.get("/concertation/innovation/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b onclick=" in html
    assert_inert(html)


def test_own_opinion_is_shown_to_its_author_only(client, consultation):
    proposal = ProposalFactory(consultation=consultation)
    alice, bob = UserFactory(verified=True), UserFactory(verified=True)
    OpinionFactory(proposal=proposal, user=alice, value="mixed")
    client.force_login(alice)
    assert "votre avis : mitigé" in client.get("/concertation/innovation/").content.decode()
    client.force_login(bob)
    assert "votre avis :" not in client.get("/concertation/innovation/").content.decode()
    client.logout()
    assert "votre avis :" not in client.get("/concertation/innovation/").content.decode()


def test_opinion_post_keeps_the_visibility_rule(client, consultation):
    hidden = ProposalFactory(consultation=consultation, hidden=True)
    waiting = ProposalFactory(consultation=consultation, submitted=True)
    client.force_login(UserFactory(verified=True))
    for proposal in (hidden, waiting):
        assert client.post(proposal.get_absolute_url() + "avis/", {"value": "agree"}).status_code == 404
    assert (
        client.post("/concertation/innovation/propositions/nothing-here/avis/", {"value": "agree"}).status_code == 404
    )
    client.force_login(waiting.author)  # sees their idea, which takes no opinion yet: the page with the reason
    response = client.post(waiting.get_absolute_url() + "avis/", {"value": "agree"})
    assert response.status_code == 403 and waiting.title in response.content.decode()
    assert not Opinion.objects.exists()


def test_opinion_post_queries(client, consultation, django_assert_num_queries):
    proposal = ProposalFactory(consultation=consultation)
    user = UserFactory(verified=True, participant_category="student")
    client.force_login(user)
    client.get("/concertation/")  # the session and the language are settled
    # session, user, the proposal with its consultation and the account's facts (one query), then
    # SQLite (the ORM path): savepoint, lock, opinion read, insert, counters, release;
    # PostgreSQL (services._opinion_set_sql): the write function's one call (in a savepoint
    # here, within the test's transaction; its own transaction in production).
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 9):
        response = client.post(proposal.get_absolute_url() + "avis/", {"value": "agree"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.agree_count, proposal.mixed_count, proposal.disagree_count) == (1, 0, 0)
    assert Opinion.objects.get(proposal=proposal, user=user).participant_category == "student"


def test_opinion_post_on_a_consultation_not_shown(client):
    """The proposal and its consultation are read together: a draft consultation's
    proposal, or an unknown consultation, answer 404 and nothing is written."""
    draft = ProposalFactory(consultation=ConsultationFactory(slug="brouillon", draft=True))
    client.force_login(UserFactory(verified=True))
    assert client.post(draft.get_absolute_url() + "avis/", {"value": "agree"}).status_code == 404
    url = draft.get_absolute_url().replace("/brouillon/", "/nulle-part/")
    assert client.post(url + "avis/", {"value": "agree"}).status_code == 404
    archived = ProposalFactory(consultation=ConsultationFactory(slug="archivee", archived=True))
    response = client.post(archived.get_absolute_url() + "avis/", {"value": "agree"})
    assert response.status_code == 403  # shown, but closed: the page with the reason
    assert not Opinion.objects.exists()
