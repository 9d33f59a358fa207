"""Flags and moderation through HTTP: flagging once (rate limit, honeypot, hostile
details), the moderators' queue (access matrix, counts, history), hiding a comment
(its text gone from the page and the database row, the reason in its place),
dismissing flags, approving and refusing ideas through the state machine, and
blocking an account: a blocked account can neither comment, flag, give an opinion
nor suggest an idea."""

import datetime

import pytest
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.core.testing.hostile import HOSTILE_INPUTS, assert_inert
from helice.participation import services_comments
from helice.participation.models import (
    Comment,
    CommentFlag,
    ModerationAction,
    ModerationDecision,
    Opinion,
    ParticipationBlock,
    Proposal,
    ProposalChange,
    ProposalState,
)

from .factories import (
    CommentFactory,
    CommentFlagFactory,
    ConsultationFactory,
    ParticipationBlockFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation():
    return ConsultationFactory(slug="innovation", title_fr="Innovation")


@pytest.fixture
def proposal(consultation):
    return ProposalFactory(consultation=consultation, title_fr="Un guichet unique")


@pytest.fixture
def moderator():
    return UserFactory(verified=True, moderator=True, display_name="Modération")


def thread(proposal, suffix=""):
    return proposal.get_absolute_url() + "commentaires/" + suffix


# --- flags --------------------------------------------------------------------------


def test_flag_once_then_the_button_is_gone(client, proposal):
    comment = CommentFactory(proposal=proposal)
    user = UserFactory(verified=True)
    client.force_login(user)
    response = client.post(thread(proposal, f"{comment.pk}/signaler/"), {"reason": "abuse", "details": "Insulte."})
    assert response.status_code == 302
    flag = CommentFlag.objects.get()
    assert (flag.user, flag.reason, flag.details) == (user, "abuse", "Insulte.")
    html = client.get(thread(proposal)).content.decode()
    assert "Vous avez signalé ce commentaire." in html
    again = client.post(thread(proposal, f"{comment.pk}/signaler/"), {"reason": "spam"})
    assert again.status_code == 409 and "déjà signalé" in again.content.decode()
    assert CommentFlag.objects.count() == 1


def test_flag_refusals(client, proposal):
    user = UserFactory(verified=True)
    own = CommentFactory(proposal=proposal, author=user)
    hidden = CommentFactory(proposal=proposal, hidden=True)
    other = CommentFactory(proposal=proposal)
    client.force_login(user)
    assert client.post(thread(proposal, f"{own.pk}/signaler/"), {"reason": "spam"}).status_code == 403
    assert client.post(thread(proposal, f"{hidden.pk}/signaler/"), {"reason": "spam"}).status_code == 409
    assert client.post(thread(proposal, f"{other.pk}/signaler/"), {"reason": "nope"}).status_code == 400
    assert client.post(thread(proposal, "999999/signaler/"), {"reason": "spam"}).status_code == 404
    honeypot = client.post(thread(proposal, f"{other.pk}/signaler/"), {"reason": "spam", "website": "x"})
    assert honeypot.status_code == 400
    assert CommentFlag.objects.count() == 0
    client.logout()
    anonymous = client.post(thread(proposal, f"{other.pk}/signaler/"), {"reason": "spam"})
    assert anonymous.status_code == 302 and "/comptes/login/" in anonymous["Location"]


def test_flags_are_rate_limited(client, proposal, settings):
    settings.PARTICIPATION_FLAG_RATE = "2/h/user"
    comments = CommentFactory.create_batch(3, proposal=proposal)
    client.force_login(UserFactory(verified=True))
    for comment in comments[:2]:
        assert client.post(thread(proposal, f"{comment.pk}/signaler/"), {"reason": "spam"}).status_code == 302
    assert client.post(thread(proposal, f"{comments[2].pk}/signaler/"), {"reason": "spam"}).status_code == 429
    assert CommentFlag.objects.count() == 2


@pytest.mark.parametrize(("name", "value"), HOSTILE_INPUTS, ids=[name for name, _value in HOSTILE_INPUTS])
def test_hostile_flag_details_and_reasons_are_inert(client, proposal, moderator, name, value):
    comment = CommentFactory(proposal=proposal)
    client.force_login(UserFactory(verified=True))
    response = client.post(thread(proposal, f"{comment.pk}/signaler/"), {"reason": "other", "details": value})
    assert response.status_code in (302, 400), name
    client.force_login(moderator)
    assert_inert(client.get(f"/concertation/moderation/commentaires/{comment.pk}/").content)
    block = client.post(f"/concertation/moderation/comptes/{comment.author.pk}/bloquer/", {"reason": value})
    assert block.status_code in (302, 400), name
    dismiss = client.post(f"/concertation/moderation/commentaires/{comment.pk}/garder/", {"reason": value})
    assert dismiss.status_code in (302, 400, 409), name
    hide = client.post(f"/concertation/moderation/commentaires/{comment.pk}/masquer/", {"reason": value})
    assert hide.status_code in (302, 400, 409), name
    idea = ProposalFactory(consultation=proposal.consultation, submitted=True)
    refuse = client.post(f"/concertation/moderation/idees/{idea.pk}/", {"decision": "refuse", "reason": value})
    assert refuse.status_code in (302, 400), name
    client.force_login(idea.author)
    assert_inert(client.get(idea.get_absolute_url()).content)
    client.force_login(moderator)
    for page in ("", "commentaires/", "comptes/", "historique/", f"commentaires/{comment.pk}/"):
        assert_inert(client.get(f"/concertation/moderation/{page}").content)
    assert_inert(client.get(thread(proposal)).content)


# --- the queue ----------------------------------------------------------------------


QUEUE_PAGES = ["", "commentaires/", "comptes/", "historique/"]


@pytest.mark.parametrize("page", QUEUE_PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("participant", 403), ("strategy_manager", 403), ("moderator", 200), ("administrator", 200)],
)
def test_queue_access_matrix(client, page, who, status):
    if who != "anonymous":
        traits = {} if who == "participant" else {who: True}
        client.force_login(UserFactory(verified=True, **traits))
    assert client.get(f"/concertation/moderation/{page}").status_code == status


def test_queue_shows_counts_ideas_and_flagged_comments(client, proposal, moderator):
    idea = ProposalFactory(consultation=proposal.consultation, submitted=True, title_fr="Une idée en attente")
    flagged = CommentFactory(proposal=proposal, body="Un commentaire douteux")
    CommentFlagFactory.create_batch(2, comment=flagged)
    CommentFactory(proposal=proposal, body="Sans signalement")
    client.force_login(moderator)
    html = client.get("/concertation/moderation/").content.decode()
    assert "Idées en attente (1)" in html and "Commentaires signalés (1)" in html and idea.title_fr in html
    comments = client.get("/concertation/moderation/commentaires/").content.decode()
    assert "Un commentaire douteux" in comments and "Sans signalement" not in comments
    assert client.get("/concertation/moderation/", {"page": "x"}).status_code == 400
    # the moderator's "my space" shows the counts
    assert "1 idée(s) en attente, 1 commentaire(s) signalé(s)" in client.get("/mon-espace/").content.decode()


def test_hide_a_comment_from_the_queue(client, proposal, moderator):
    comment = CommentFactory(proposal=proposal, body="Propos grossiers ici.")
    CommentFlagFactory.create_batch(3, comment=comment)
    client.force_login(moderator)
    page = client.get(f"/concertation/moderation/commentaires/{comment.pk}/").content.decode()
    assert "Propos grossiers ici." in page and "Masquer le commentaire" in page
    response = client.post(f"/concertation/moderation/commentaires/{comment.pk}/masquer/", {"reason": "Insultes."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden and comment.body == "" and comment.hidden_reason == "Insultes."
    assert comment.hidden_by == moderator
    assert not CommentFlag.objects.filter(resolved_at__isnull=True).exists()
    assert set(CommentFlag.objects.values_list("resolution", flat=True)) == {"hidden"}
    decision = ModerationDecision.objects.get()
    assert (decision.action, decision.removed_text, decision.flag_count, decision.by) == (
        ModerationAction.HIDE_COMMENT,
        "Propos grossiers ici.",
        3,
        moderator,
    )
    proposal.refresh_from_db()
    assert proposal.comment_count == 0
    client.logout()
    public = client.get(thread(proposal)).content.decode()
    assert "Propos grossiers ici." not in public
    assert "Commentaire masqué par la modération : Insultes." in public
    # twice: a conflict, nothing changes
    client.force_login(moderator)
    assert (
        client.post(f"/concertation/moderation/commentaires/{comment.pk}/masquer/", {"reason": "Encore"}).status_code
        == 409
    )
    assert ModerationDecision.objects.count() == 1
    history = client.get("/concertation/moderation/historique/").content.decode()
    assert "Commentaire masqué" in history and "Insultes." in history


def test_hide_needs_a_reason_and_a_moderator(client, proposal, moderator):
    comment = CommentFactory(proposal=proposal, body="Reste.")
    client.force_login(moderator)
    assert (
        client.post(f"/concertation/moderation/commentaires/{comment.pk}/masquer/", {"reason": " "}).status_code == 400
    )
    client.force_login(UserFactory(verified=True))
    assert client.post(thread(proposal, f"{comment.pk}/masquer/"), {"reason": "Non"}).status_code == 403
    comment.refresh_from_db()
    assert not comment.is_hidden and comment.body == "Reste."


def test_moderator_hides_from_the_thread_with_htmx(client, proposal, moderator):
    comment = CommentFactory(proposal=proposal, body="À masquer.")
    client.force_login(moderator)
    response = client.post(
        thread(proposal, f"{comment.pk}/masquer/"), {"reason": "Hors sujet."}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "À masquer." not in html
    assert "Commentaire masqué par la modération : Hors sujet." in html


def test_dismiss_flags_keeps_the_comment(client, proposal, moderator):
    comment = CommentFactory(proposal=proposal, body="Critique vive mais correcte.")
    CommentFlagFactory.create_batch(2, comment=comment)
    client.force_login(moderator)
    response = client.post(f"/concertation/moderation/commentaires/{comment.pk}/garder/", {"reason": "Débat légitime."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert not comment.is_hidden and comment.body == "Critique vive mais correcte."
    assert set(CommentFlag.objects.values_list("resolution", flat=True)) == {"dismissed"}
    assert "Aucun commentaire n’est signalé." in client.get("/concertation/moderation/commentaires/").content.decode()
    again = client.post(f"/concertation/moderation/commentaires/{comment.pk}/garder/", {})
    assert again.status_code == 409
    assert ModerationDecision.objects.get().action == ModerationAction.DISMISS_FLAGS


# --- ideas --------------------------------------------------------------------------


def test_approve_an_idea(client, proposal, moderator):
    idea = ProposalFactory(consultation=proposal.consultation, submitted=True)
    client.force_login(moderator)
    response = client.post(f"/concertation/moderation/idees/{idea.pk}/", {"decision": "publish"})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.state == ProposalState.PUBLISHED and idea.published_at is not None
    assert ProposalChange.objects.filter(proposal=idea, field="state", after="published", author=moderator).exists()
    assert ModerationDecision.objects.get().action == ModerationAction.APPROVE_IDEA
    assert client.post(f"/concertation/moderation/idees/{idea.pk}/", {"decision": "publish"}).status_code == 409


def test_refuse_an_idea_with_a_public_reason(client, proposal, moderator):
    idea = ProposalFactory(consultation=proposal.consultation, submitted=True)
    client.force_login(moderator)
    without = client.post(f"/concertation/moderation/idees/{idea.pk}/", {"decision": "refuse", "reason": ""})
    assert without.status_code == 400 and Proposal.objects.get(pk=idea.pk).state == ProposalState.SUBMITTED
    response = client.post(f"/concertation/moderation/idees/{idea.pk}/", {"decision": "refuse", "reason": "Doublon."})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.state == ProposalState.HIDDEN and idea.moderation_reason == "Doublon."
    decision = ModerationDecision.objects.get()
    assert (decision.action, decision.reason, decision.user) == (ModerationAction.REFUSE_IDEA, "Doublon.", idea.author)
    # its author reads the reason on the idea's page
    client.force_login(idea.author)
    assert "Doublon." in client.get(idea.get_absolute_url()).content.decode()


def test_only_moderators_decide_on_ideas(client, proposal):
    idea = ProposalFactory(consultation=proposal.consultation, submitted=True)
    client.force_login(UserFactory(verified=True, strategy_manager=True))
    assert client.post(f"/concertation/moderation/idees/{idea.pk}/", {"decision": "publish"}).status_code == 403
    assert Proposal.objects.get(pk=idea.pk).state == ProposalState.SUBMITTED


# --- blocks -------------------------------------------------------------------------


def test_block_then_unblock_an_account(client, proposal, moderator):
    comment = CommentFactory(proposal=proposal)
    author = comment.author
    client.force_login(moderator)
    response = client.post(
        f"/concertation/moderation/comptes/{author.pk}/bloquer/",
        {"reason": "Insultes répétées.", "days": "30", "comment": comment.pk},
    )
    assert response.status_code == 302
    block = ParticipationBlock.objects.get()
    assert (block.user, block.reason, block.blocked_by) == (author, "Insultes répétées.", moderator)
    assert block.until is not None and block.until > timezone.now() + datetime.timedelta(days=29)
    page = client.get("/concertation/moderation/comptes/").content.decode()
    assert author.public_name in page and "Insultes répétées." in page
    again = client.post(f"/concertation/moderation/comptes/{author.pk}/bloquer/", {"reason": "Encore."})
    assert again.status_code == 409
    assert client.post(f"/concertation/moderation/comptes/{author.pk}/debloquer/").status_code == 302
    block.refresh_from_db()
    assert block.lifted_at is not None and block.lifted_by == moderator
    assert client.post(f"/concertation/moderation/comptes/{author.pk}/debloquer/").status_code == 409
    actions = list(ModerationDecision.objects.order_by("at", "pk").values_list("action", flat=True))
    assert actions == [ModerationAction.BLOCK, ModerationAction.UNBLOCK]


def test_block_refusals(client, moderator):
    client.force_login(moderator)
    assert (
        client.post(f"/concertation/moderation/comptes/{moderator.pk}/bloquer/", {"reason": "Moi"}).status_code == 409
    )
    target = UserFactory(verified=True)
    assert client.post(f"/concertation/moderation/comptes/{target.pk}/bloquer/", {"reason": ""}).status_code == 400
    assert client.post("/concertation/moderation/comptes/999999/bloquer/", {"reason": "x"}).status_code == 404
    for days in ("abc", "0", "-3", "99999"):
        answer = client.post(f"/concertation/moderation/comptes/{target.pk}/bloquer/", {"reason": "x", "days": days})
        assert answer.status_code == 400, days
    assert not ParticipationBlock.objects.exists()
    client.force_login(UserFactory(verified=True))
    assert client.post(f"/concertation/moderation/comptes/{target.pk}/bloquer/", {"reason": "x"}).status_code == 403


def test_an_expired_block_does_not_prevent_a_new_one(moderator):
    user = UserFactory(verified=True)
    old = ParticipationBlockFactory(user=user, until=timezone.now() - datetime.timedelta(days=1))
    services_comments.user_block(user=user, by=moderator, reason="De nouveau.")
    old.refresh_from_db()
    assert old.lifted_at == old.until
    assert ParticipationBlock.objects.filter(user=user, lifted_at__isnull=True).count() == 1


def test_blocked_account_can_neither_comment_flag_give_opinions_nor_suggest_ideas(client, proposal):
    """The four doors, through HTTP; nothing is saved."""
    comment = CommentFactory(proposal=proposal)
    blocked = ParticipationBlockFactory(user__participant_category="company", reason="Spam répété.").user
    client.force_login(blocked)
    html = client.get(thread(proposal)).content.decode()
    assert "Spam répété." in html and 'name="body"' not in html and "Signaler" not in html
    assert client.post(thread(proposal, "ecrire/"), {"body": "Encore moi."}).status_code == 403
    assert client.post(thread(proposal, f"{comment.pk}/signaler/"), {"reason": "spam"}).status_code == 403
    opinion = client.post(proposal.get_absolute_url() + "avis/", {"value": "agree"})
    assert opinion.status_code in (302, 403)
    idea = client.post(
        f"/concertation/{proposal.consultation.slug}/proposer/",
        {"title": "Une idée bloquée", "body": "Un texte assez long pour une idée de test, vraiment."},
    )
    assert idea.status_code == 403
    assert Comment.objects.count() == 1
    assert not CommentFlag.objects.exists()
    assert not Opinion.objects.exists()
    assert not Proposal.objects.filter(title_fr="Une idée bloquée").exists()


def test_blocked_account_may_not_edit_its_recent_comment(client, proposal, moderator):
    user = UserFactory(verified=True)
    comment = CommentFactory(proposal=proposal, author=user, body="Avant le blocage.")
    services_comments.user_block(user=user, by=moderator, reason="Abus.")
    client.force_login(user)
    assert client.post(thread(proposal, f"{comment.pk}/modifier/"), {"body": "Après."}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Avant le blocage."


def test_moves_made_on_the_proposal_page_join_the_history(client, proposal, moderator):
    from helice.participation import services

    idea = ProposalFactory(consultation=proposal.consultation, idea=True, title_fr="Une idée publiée")
    services.proposal_transition(proposal=idea, to=ProposalState.HIDDEN, by=moderator, reason="Publicité.")
    manager = UserFactory(verified=True, strategy_manager=True)
    services.proposal_transition(proposal=proposal, to=ProposalState.EVALUATING, by=manager)  # not moderation
    decision = ModerationDecision.objects.get()
    assert (decision.action, decision.proposal, decision.user, decision.reason, decision.by) == (
        ModerationAction.REFUSE_IDEA,
        idea,
        idea.author,
        "Publicité.",
        moderator,
    )
    client.force_login(moderator)
    history = client.get("/concertation/moderation/historique/").content.decode()
    assert "Une idée publiée" in history and "Publicité." in history


def test_hidden_text_is_gone_from_the_page_the_api_and_the_exports(client, proposal, moderator):
    comment = CommentFactory(proposal=proposal, body="Texte injurieux à retirer.")
    CommentFactory(proposal=proposal, body="Un avis qui reste.")
    services_comments.comment_hide(comment=comment, by=moderator, reason="Injure.")
    slug = proposal.consultation.slug
    for url in (
        thread(proposal),
        proposal.get_absolute_url(),
        f"/api/v1/participation/consultations/{slug}/proposals/{proposal.slug}",
        f"/concertation/{slug}/donnees/commentaires.csv",
        f"/concertation/{slug}/donnees/commentaires.json",
    ):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8-sig")
        assert response.status_code == 200, url
        assert "Un avis qui reste." in text, url
        assert "Texte injurieux à retirer." not in text, url


def test_proposal_page_with_100_comments_keeps_its_queries(client, proposal, django_assert_num_queries):
    roots = CommentFactory.create_batch(60, proposal=proposal)
    for root in roots[:40]:
        CommentFactory(proposal=proposal, parent=root)
    client.force_login(UserFactory(verified=True))
    client.get(proposal.get_absolute_url())
    # the proposal page's own, then the thread: comment count, page, replies, account
    # status (one query), follow, flags of the user (the same with 5 comments or 500)
    with django_assert_num_queries(14):
        response = client.get(proposal.get_absolute_url())
    assert response.status_code == 200 and response.content.decode().count('class="comment') >= 20


def test_moderators_find_the_consultation_queue_in_their_menu(client, moderator):
    from django.urls import reverse

    queue = reverse("participation:moderation")
    client.force_login(UserFactory(verified=True))
    assert f'href="{queue}"' not in client.get("/").content.decode()
    client.force_login(moderator)
    assert f'href="{queue}"' in client.get("/").content.decode()
