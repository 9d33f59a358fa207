"""Comments through HTTP: the thread (threaded replies, stances, official answers,
edit marks, pages), writing with and without htmx, the edit window, who may
comment (a matrix), bad and hostile input, rate limit and honeypot, and the
queries of a proposal page with 100 comments."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.core.testing.hostile import HOSTILE_INPUTS, assert_inert
from helice.participation.models import Comment, Follow, Proposal, Stance

from .factories import (
    CommentFactory,
    ConsultationFactory,
    ParticipationBlockFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return ProposalFactory(
        consultation=ConsultationFactory(slug="innovation", title_fr="Innovation"), title_fr="Un guichet unique"
    )


@pytest.fixture
def participant(client):
    user = UserFactory(verified=True, participant_category="company", display_name="Alice Martin")
    client.force_login(user)
    return user


def thread(proposal, suffix=""):
    return proposal.get_absolute_url() + "commentaires/" + suffix


def post(proposal):
    return thread(proposal, "ecrire/")


HTMX = {"HTTP_HX_REQUEST": "true"}


# --- writing ------------------------------------------------------------------------


def test_comment_without_javascript_redirects_to_it_and_counts(client, proposal, participant):
    response = client.post(post(proposal), {"body": "Très bonne idée.", "stance": "for"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread(proposal, f"?commentaire={comment.pk}#comment-{comment.pk}")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Votre commentaire est publié."]
    assert (comment.author, comment.stance, comment.body, comment.is_official) == (
        participant,
        Stance.FOR,
        "Très bonne idée.",
        False,
    )
    proposal.refresh_from_db()
    assert proposal.comment_count == 1
    html = client.get(response["Location"]).content.decode()
    assert "Très bonne idée." in html and "Alice Martin" in html and "Pour" in html


def test_comment_with_htmx_answers_the_thread(client, proposal, participant):
    response = client.post(post(proposal), {"body": "Avec htmx."}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="comments"') and "Avec htmx." in html
    assert "Votre commentaire est publié." in html
    assert "<html" not in html


def test_reply_is_nested_under_its_comment(client, proposal, participant):
    first = CommentFactory(proposal=proposal, body="Premier avis.")
    response = client.post(post(proposal), {"body": "Je réponds.", "parent": first.pk})
    reply = Comment.objects.get(parent=first)
    assert response.status_code == 302 and reply.body == "Je réponds."
    html = client.get(thread(proposal)).content.decode()
    nested = (
        html.index(f'id="comment-{first.pk}"')
        < html.index('class="comment-replies')
        < html.index(f'id="comment-{reply.pk}"')
    )
    assert nested
    assert "Votre réponse est publiée." in [str(m) for m in get_messages(response.wsgi_request)]


def test_reply_to_a_comment_of_another_proposal_is_404(client, proposal, participant):
    other = CommentFactory()
    response = client.post(post(proposal), {"body": "Réponse.", "parent": other.pk})
    assert response.status_code == 404
    assert not Comment.objects.filter(body="Réponse.").exists()


def test_reply_to_a_hidden_comment_is_refused(client, proposal, participant):
    hidden = CommentFactory(proposal=proposal, hidden=True)
    response = client.post(post(proposal), {"body": "Réponse.", "parent": hidden.pk})
    assert response.status_code == 409
    assert "masqué par la modération" in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "Ce champ est obligatoire."),
        ({"body": "   "}, "Ce champ est obligatoire."),
        ({"body": "x" * 5001}, "5000"),
        ({"body": "Bien.", "stance": "maybe"}, "Sélectionnez un choix valide"),
        ({"body": "Bien.", "parent": "abc"}, "Saisissez un nombre entier."),
    ],
)
def test_bad_input_is_400_with_a_message_and_saves_nothing(client, proposal, participant, data, message):
    for headers in ({}, HTMX):
        response = client.post(post(proposal), data, **headers)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert Comment.objects.count() == 0
    proposal.refresh_from_db()
    assert proposal.comment_count == 0


def test_honeypot_is_400_and_saves_nothing(client, proposal, participant):
    response = client.post(post(proposal), {"body": "Achetez !", "website": "http://spam.example"})
    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_comments_are_rate_limited_per_user(client, proposal, participant, settings):
    settings.PARTICIPATION_COMMENT_RATE = "3/h/user"
    for n in range(3):
        assert client.post(post(proposal), {"body": f"Commentaire {n}"}).status_code == 302
    response = client.post(post(proposal), {"body": "Un de trop"})
    assert response.status_code == 429
    assert Comment.objects.count() == 3


def test_anonymous_is_sent_to_sign_in(client, proposal):
    response = client.post(post(proposal), {"body": "Anonyme"})
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    html = client.get(thread(proposal)).content.decode()
    assert "Connectez-vous pour participer." in html and 'name="body"' not in html
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(("name", "value"), HOSTILE_INPUTS, ids=[name for name, _value in HOSTILE_INPUTS])
def test_hostile_input_in_a_comment_is_inert(client, proposal, participant, name, value, settings):
    settings.PARTICIPATION_COMMENT_RATE = "1000/h/user"
    response = client.post(post(proposal), {"body": value, "stance": "none"})
    assert response.status_code in (302, 400), name
    assert_inert(client.get(thread(proposal)).content)
    comment = Comment.objects.first()
    if comment is not None:
        assert "\x00" not in comment.body
        # the same value in a reply, an edit and a flag's details
        assert client.post(post(proposal), {"body": value, "parent": comment.pk}).status_code in (302, 400)
        assert client.post(thread(proposal, f"{comment.pk}/modifier/"), {"body": value}).status_code in (302, 400)
        assert_inert(client.get(thread(proposal)).content)
    else:
        assert name in ("null_byte", "very_long")


# --- showing ------------------------------------------------------------------------


def test_official_answer_stands_out_and_only_the_team_may_give_one(client, proposal):
    team = UserFactory(verified=True, strategy_manager=True, display_name="Service innovation")
    client.force_login(team)
    html = client.get(thread(proposal)).content.decode()
    assert "Réponse officielle de la Métropole" in html  # the box is offered
    response = client.post(post(proposal), {"body": "Nous étudions cette idée.", "official": "on"})
    assert response.status_code == 302
    assert Comment.objects.get().is_official
    html = client.get(thread(proposal)).content.decode()
    assert "comment-official" in html and "Réponse officielle" in html

    participant = UserFactory(verified=True)
    client.force_login(participant)
    assert "comment-official" in client.get(thread(proposal)).content.decode()
    client.post(post(proposal), {"body": "Moi aussi officiel ?", "official": "on"})
    assert not Comment.objects.get(body="Moi aussi officiel ?").is_official  # the field is not offered: ignored


def test_team_answers_officially_after_contributions_close(client):
    proposal = ProposalFactory(consultation=ConsultationFactory(analysis=True))
    team = UserFactory(verified=True, moderator=True)
    client.force_login(team)
    assert client.post(post(proposal), {"body": "Sans case cochée."}).status_code == 403
    assert client.post(post(proposal), {"body": "Réponse officielle.", "official": "on"}).status_code == 302
    assert Comment.objects.get().is_official


def test_hidden_comment_shows_the_reason_not_the_text(client, proposal):
    comment = CommentFactory(proposal=proposal, body="", hidden=True, hidden_reason="Propos injurieux.")
    CommentFactory(proposal=proposal, parent=comment, body="Une réponse qui reste.")
    html = client.get(thread(proposal)).content.decode()
    assert "Commentaire masqué par la modération : Propos injurieux." in html
    assert "Une réponse qui reste." in html


def test_pages_of_a_long_thread_and_a_link_to_one_comment(client, proposal, settings):
    settings.PARTICIPATION_COMMENTS_PER_PAGE = 5
    start = timezone.now() - datetime.timedelta(days=1)
    comments = [
        CommentFactory(
            proposal=proposal, body=f"Commentaire numéro {n:02d}", created_at=start + datetime.timedelta(minutes=n)
        )
        for n in range(12)
    ]
    reply = CommentFactory(proposal=proposal, parent=comments[7], body="Réponse au huitième")
    first = client.get(thread(proposal)).content.decode()
    assert "Commentaire numéro 00" in first and "Commentaire numéro 05" not in first
    assert "Page 1 sur 3" in first
    third = client.get(thread(proposal), {"page": "3"}).content.decode()
    assert "Commentaire numéro 11" in third and "Commentaire numéro 09" not in third
    focused = client.get(thread(proposal), {"commentaire": reply.pk}).content.decode()
    assert "Réponse au huitième" in focused and "Page 2 sur 3" in focused and "comment-focus" in focused
    assert client.get(thread(proposal), {"page": "x"}).status_code == 400
    assert client.get(thread(proposal), {"page": "9"}).status_code == 404
    assert client.get(thread(proposal), {"commentaire": "x"}).status_code == 400
    assert client.get(thread(proposal), {"commentaire": CommentFactory().pk}).status_code == 404


def test_thread_of_a_hidden_or_waiting_proposal_is_404(client):
    for proposal in (ProposalFactory(hidden=True), ProposalFactory(submitted=True)):
        assert client.get(thread(proposal)).status_code == 404


def test_proposal_page_shows_the_thread(client, proposal, participant):
    CommentFactory(proposal=proposal, body="Visible sur la page de la proposition.")
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Visible sur la page de la proposition." in html and 'id="comments"' in html
    assert "Publier mon commentaire" in html


def test_proposal_page_with_100_comments_keeps_its_queries(client, proposal, django_assert_num_queries, settings):
    settings.PARTICIPATION_COMMENTS_PER_PAGE = 20
    roots = CommentFactory.create_batch(60, proposal=proposal)
    for root in roots[:40]:
        CommentFactory(proposal=proposal, parent=root)
    user = UserFactory(verified=True)
    client.force_login(user)
    client.get(thread(proposal))  # sessions, caches
    # session, user, proposal, comment count, page of comments, replies, roles, account
    # status (e-mail and block in one query), follow, flags of the user, Django's permissions (2)
    with django_assert_num_queries(12):
        response = client.get(thread(proposal))
    assert response.status_code == 200
    assert response.content.decode().count('class="comment') >= 20
    moderator = UserFactory(verified=True, moderator=True)
    client.force_login(moderator)
    client.get(thread(proposal))
    with django_assert_num_queries(11):  # + the open flags; the role answers before Django's permissions
        assert client.get(thread(proposal)).status_code == 200


# --- editing ------------------------------------------------------------------------


def test_author_edits_within_the_window_and_the_edit_is_shown(client, proposal, participant):
    comment = CommentFactory(proposal=proposal, author=participant, body="Premier jet.")
    response = client.post(thread(proposal, f"{comment.pk}/modifier/"), {"body": "Texte corrigé.", "stance": "against"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Texte corrigé." and comment.stance == "against" and comment.edited_at is not None
    html = client.get(thread(proposal)).content.decode()
    assert "Texte corrigé." in html and "modifié le" in html


def test_edit_after_the_window_is_refused(client, proposal, participant, settings):
    settings.PARTICIPATION_COMMENT_EDIT_MINUTES = 15
    comment = CommentFactory(
        proposal=proposal,
        author=participant,
        body="Ancien.",
        created_at=timezone.now() - datetime.timedelta(minutes=16),
    )
    assert "Modifier" not in client.get(thread(proposal)).content.decode()
    response = client.post(thread(proposal, f"{comment.pk}/modifier/"), {"body": "Trop tard."})
    assert response.status_code == 403
    assert "peu après" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Ancien." and comment.edited_at is None


def test_nobody_else_edits_a_comment(client, proposal, participant):
    comment = CommentFactory(proposal=proposal, body="Le mien.")
    assert client.post(thread(proposal, f"{comment.pk}/modifier/"), {"body": "Piraté."}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Le mien."


def test_bad_edit_is_400_with_the_form_open(client, proposal, participant):
    comment = CommentFactory(proposal=proposal, author=participant, body="Le mien.")
    response = client.post(thread(proposal, f"{comment.pk}/modifier/"), {"body": ""}, **HTMX)
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Le mien."


# --- who may comment ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "consultation_traits", "proposal_traits", "allowed"),
    [
        ("participant", {}, {}, True),
        ("participant", {}, {"accepted": True}, True),
        ("participant", {"analysis": True}, {}, False),
        ("participant", {"announced": True}, {}, False),
        ("participant", {"archived": True}, {}, False),
        ("participant", {"eligible_categories": ["citizen"]}, {}, False),
        ("participant", {"eligible_categories": ["company", "citizen"]}, {}, True),
        ("unverified", {}, {}, False),
        ("blocked", {}, {}, False),
        ("inactive", {}, {}, False),
        ("anonymous", {}, {}, False),
        ("moderator", {"analysis": True}, {}, False),
    ],
)
def test_who_may_comment(proposal_traits, consultation_traits, who, allowed):
    from django.contrib.auth.models import AnonymousUser

    consultation = ConsultationFactory(**consultation_traits)
    proposal = ProposalFactory(consultation=consultation, **proposal_traits)
    users = {
        "participant": lambda: UserFactory(verified=True, participant_category="company"),
        "unverified": lambda: UserFactory(participant_category="company"),
        "blocked": lambda: ParticipationBlockFactory(user__participant_category="company").user,
        "inactive": lambda: UserFactory(verified=True, is_active=False),
        "anonymous": AnonymousUser,
        "moderator": lambda: UserFactory(verified=True, moderator=True),
    }
    user = users[who]()
    assert user.has_perm("participation.comment", proposal) is allowed


def test_comment_checkbox_follows_the_proposal(client, proposal, participant):
    client.post(post(proposal), {"body": "Je suis.", "follow": "on"})
    assert Follow.objects.filter(user=participant, proposal=proposal).exists()
    other = ProposalFactory(consultation=proposal.consultation)
    client.post(post(other), {"body": "Je ne suis pas."})
    assert not Follow.objects.filter(user=participant, proposal=other).exists()


def test_counter_counts_visible_comments(client, proposal, participant):
    for n in range(3):
        client.post(post(proposal), {"body": f"n° {n}"})
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 3


def test_thread_in_english(client, proposal, participant):
    CommentFactory(proposal=proposal, body="Bonne idée.", stance="against")
    html = client.get("/en" + thread(proposal)).content.decode()
    assert "1 comment" in html and "Against" in html and "Publish my comment" in html
